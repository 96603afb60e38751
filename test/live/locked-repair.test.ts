import Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openIndex } from '../../src/live/index-database-session.js';
import { databaseVersion } from '../../src/live/index-read-cache.js';
import { knownSound, markSound } from '../../src/live/known-sound.js';
import { repairUnderLock } from '../../src/live/locked-repair.js';
import type { LiveContext } from '../../src/live/live-class.js';
import { BACKUPS_KEPT } from '../../src/workspace/database-backup.js';
import { otherWriterCommits, useWorkspaceTemplate } from './live-workspace.js';

const template = useWorkspaceTemplate({ memories: 40, seed: 5 });

/** A repair that touches one row's updated_at: something to change, and so something to back up. */
function touchOneRow(context: LiveContext, stamp: string): Promise<unknown> {
  return repairUnderLock<string>(context, () => openIndex(context, 'write').db, {
    plan: () => [stamp],
    apply: (db, [value]) => ({ touched: db.prepare('UPDATE memory_index SET updated_at = ? WHERE id = (SELECT min(id) FROM memory_index)').run(value).changes }),
  });
}

function backups(context: LiveContext): string[] {
  return readdirSync(context.paths.backupsDir).filter((name) => name.endsWith('.sqlite'));
}

describe('repairUnderLock', () => {
  it('takes one backup for a run\'s repairs while only the run has written, and another once someone else has', async () => {
    const workspace = template.copy({ backup: true });
    const context = workspace.context();
    await touchOneRow(context, '2026-02-23T00:00:00.000Z');
    await touchOneRow(context, '2026-02-23T00:00:01.000Z');
    expect(backups(context)).toHaveLength(1);
    otherWriterCommits(workspace.paths.db);
    await touchOneRow(context, '2026-02-23T00:00:02.000Z');
    expect(backups(context)).toHaveLength(2);
    // The second backup holds the other writer's change.
    const second = backups(context).sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[1] as string;
    const copy = new Database(join(context.paths.backupsDir, second), { readonly: true });
    expect(copy.prepare('SELECT updated_at FROM memory_index ORDER BY id DESC LIMIT 1').pluck().get()).toBe('2026-03-01T00:00:00.000Z');
    copy.close();
  });

  it('takes no backup with backups off', async () => {
    const workspace = template.copy({ backup: false });
    const context = workspace.context();
    await touchOneRow(context, '2026-02-23T00:00:00.000Z');
    expect(() => readdirSync(context.paths.backupsDir)).toThrow();
  });

  it('a run\'s contexts do not share backups: each run takes its own', async () => {
    const workspace = template.copy({ backup: true });
    await touchOneRow(workspace.context(), '2026-02-23T00:00:00.000Z');
    await touchOneRow(workspace.context(), '2026-02-23T00:00:01.000Z');
    expect(backups(workspace.context())).toHaveLength(2);
  });

  it(`keeps the ${BACKUPS_KEPT} newest backups across runs, and a repair that fails leaves every one of them`, async () => {
    const workspace = template.copy({ backup: true });
    for (let run = 0; run <= BACKUPS_KEPT; run++) await touchOneRow(workspace.context(), `2026-02-23T00:00:0${run}.000Z`);
    const kept = backups(workspace.context()).sort();
    expect(kept).toHaveLength(BACKUPS_KEPT);
    const failing = repairUnderLock<string>(workspace.context(), () => openIndex(workspace.context(), 'write').db, {
      plan: () => ['2026-02-24T00:00:00.000Z'],
      apply: (db, [value]) => {
        db.prepare('UPDATE memory_index SET updated_at = ? WHERE id = (SELECT min(id) FROM memory_index)').run(value);
        throw new Error('the repair fails after its first write');
      },
    });
    await expect(failing).rejects.toThrow('the repair fails after its first write');
    expect(backups(workspace.context()).sort()).toEqual(kept);
  });
});

describe('known soundness', () => {
  it('holds for the version a check passed on, until anyone commits', async () => {
    const workspace = template.copy();
    const context = workspace.context();
    expect(knownSound(context)).toBe(false);
    markSound(context, databaseVersion(context));
    expect(knownSound(context)).toBe(true);
    otherWriterCommits(workspace.paths.db);
    expect(knownSound(context)).toBe(false);
    markSound(context, databaseVersion(context));
    expect(knownSound(context)).toBe(true);
    // This run's own repair is a commit like any other.
    await touchOneRow(context, '2026-02-23T00:00:00.000Z');
    expect(knownSound(context)).toBe(false);
  });

  it('is not marked when the database changed while the check ran', () => {
    const workspace = template.copy();
    const context = workspace.context();
    const before = databaseVersion(context);
    otherWriterCommits(workspace.paths.db);
    markSound(context, before);
    expect(knownSound(context)).toBe(false);
  });
});
