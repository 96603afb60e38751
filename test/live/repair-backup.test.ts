// repair-backup.ts copies a large WAL database on a helper thread while the repair applies its plan.
// Helpers run only from the built bundle (memory-file-pool.ts), so here the pool is a stand-in whose
// "helper" copies when the repair collects the task: after the repair has written, uncommitted.
// What the tests pin: the backup is the state before those writes whoever copies it, nothing of a
// copy is left behind when the repair does not go ahead, outside WAL mode the copy is taken at
// once, before anything is written, and earlier backups are pruned only when the backup is kept
// (after the commit), never by a throw.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BACKUPS_KEPT } from '../../src/workspace/database-backup.js';
import type { HelperTask, HelperTaskResult } from '../../src/workspace/helper-tasks.js';
import { useWorkspaceTemplate, type LiveWorkspace } from './live-workspace.js';

/** What the stand-in helper does with the copy task when it is collected. */
type HelperBehaviour = 'copies' | 'fails' | 'never-took-it';

const pool = vi.hoisted(() => ({
  behaviour: 'copies' as HelperBehaviour,
  worthIt: true,
  tasks: [] as HelperTask[],
  copiesMade: 0,
}));

vi.mock('../../src/workspace/memory-file-pool.js', () => ({
  processPool: () => ({
    worthAHelper: () => pool.worthIt,
    startTask: (task: HelperTask) => {
      pool.tasks.push(task);
      return {
        collect: (): HelperTaskResult | undefined => {
          if (task.kind !== 'database-copy' || pool.behaviour === 'never-took-it') return undefined;
          if (pool.behaviour === 'fails') return { ok: false };
          // A connection of the helper's own, reading now: it sees only what is committed.
          const source = new Database(task.path, { readonly: true });
          writeFileSync(task.target, source.serialize());
          source.close();
          pool.copiesMade += 1;
          return { ok: true };
        },
      };
    },
  }),
}));

const { beginRepairBackup } = await import('../../src/live/repair-backup.js');

const template = useWorkspaceTemplate({ memories: 30, seed: 9 });

afterEach(() => {
  pool.behaviour = 'copies';
  pool.worthIt = true;
  pool.tasks.length = 0;
  pool.copiesMade = 0;
});

const FIRST_ROW = 'SELECT updated_at FROM memory_index ORDER BY id LIMIT 1';

/** Opens the repair's write transaction and returns it with the first row's updated_at as committed. */
function repairTransaction(workspace: LiveWorkspace, journalMode?: 'delete'): { db: Database.Database; before: string } {
  if (journalMode !== undefined) {
    const setup = new Database(workspace.paths.db);
    setup.pragma(`journal_mode = ${journalMode}`);
    setup.close();
  }
  const db = new Database(workspace.paths.db);
  db.exec('BEGIN IMMEDIATE');
  return { db, before: db.prepare(FIRST_ROW).pluck().get() as string };
}

/** The repair's write, not yet committed. */
function applyWrite(db: Database.Database): void {
  db.prepare('UPDATE memory_index SET updated_at = ? WHERE id = (SELECT min(id) FROM memory_index)').run('2030-01-01T00:00:00.000Z');
}

function backedUpValue(path: string): string {
  const copy = new Database(path, { readonly: true });
  try {
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    return copy.prepare(FIRST_ROW).pluck().get() as string;
  } finally {
    copy.close();
  }
}

/** The repair's database in WAL mode (the copy on the helper) and outside it (the copy taken at once). */
const EITHER_JOURNAL_MODE = [['in WAL mode', undefined], ['outside WAL mode', 'delete']] as const;

/** BACKUPS_KEPT earlier backups of the workspace's database, oldest first, as a full folder holds them. */
function earlierBackups(workspace: LiveWorkspace): string[] {
  mkdirSync(workspace.paths.backupsDir, { recursive: true });
  const names = Array.from({ length: BACKUPS_KEPT }, (_, n) => `context-index-2026010${n + 1}T000000Z-1.sqlite`);
  for (const name of names) writeFileSync(join(workspace.paths.backupsDir, name), `earlier backup ${name}`);
  return names;
}

/**
 * A repair beside a full backups folder: its backup begun, its write applied (uncommitted) and its
 * copy finished, `name` the new backup's file name.
 */
async function writtenBesideFullFolder(journalMode: 'delete' | undefined) {
  const workspace = template.copy({ backup: true });
  const earlier = earlierBackups(workspace);
  const { db } = repairTransaction(workspace, journalMode);
  const backup = await beginRepairBackup(workspace.context(), db);
  applyWrite(db);
  const name = (await backup.finish()).slice(workspace.paths.backupsDir.length + 1);
  return { workspace, earlier, db, backup, name };
}

function backupsFolder(workspace: LiveWorkspace): string[] {
  const dir = workspace.paths.backupsDir;
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('beginRepairBackup', () => {
  it.each(['copies', 'fails', 'never-took-it'] as const)(
    'in WAL mode the backup holds the state before the repair wrote, when the helper %s',
    async (behaviour) => {
      pool.behaviour = behaviour;
      const workspace = template.copy({ backup: true });
      const { db, before } = repairTransaction(workspace);
      const backup = await beginRepairBackup(workspace.context(), db);
      expect(pool.tasks.map((task) => task.kind)).toEqual(['database-copy']);
      applyWrite(db);
      const path = await backup.finish();
      db.exec('COMMIT');
      db.close();
      // One complete backup, and nothing of a copy the helper began or failed to make.
      expect(backupsFolder(workspace)).toEqual([path.slice(workspace.paths.backupsDir.length + 1)]);
      expect(backedUpValue(path)).toBe(before);
      expect(before).not.toBe('2030-01-01T00:00:00.000Z');
    },
  );

  it('a repair that does not go ahead waits for the helper\'s copy, then leaves nothing of it behind', async () => {
    const workspace = template.copy({ backup: true });
    const { db } = repairTransaction(workspace);
    const backup = await beginRepairBackup(workspace.context(), db);
    applyWrite(db);
    backup.abandon();
    // The helper's copy was waited for (here: made) before the folder was cleared, so a copy still
    // being written cannot land after the removal.
    expect(pool.copiesMade).toBe(1);
    db.exec('ROLLBACK');
    db.close();
    expect(backupsFolder(workspace)).toEqual([]);
    // The backups folder it made for the copy goes too: the workspace is as it was.
    expect(existsSync(workspace.paths.backupsDir)).toBe(false);
  });

  it.each([['an earlier backup', ['context-index-20260101T000000Z-1.sqlite']], ['nothing', []]] as const)(
    'a repair that does not go ahead leaves the backups folder that was there before, holding %s, as it was',
    async (_, held) => {
      const workspace = template.copy({ backup: true });
      mkdirSync(workspace.paths.backupsDir, { recursive: true });
      for (const name of held) writeFileSync(join(workspace.paths.backupsDir, name), 'an earlier backup');
      const { db } = repairTransaction(workspace);
      const backup = await beginRepairBackup(workspace.context(), db);
      applyWrite(db);
      backup.abandon();
      db.exec('ROLLBACK');
      db.close();
      expect(existsSync(workspace.paths.backupsDir)).toBe(true);
      expect(backupsFolder(workspace)).toEqual(held);
      for (const name of held) expect(readFileSync(join(workspace.paths.backupsDir, name), 'utf8')).toBe('an earlier backup');
    },
  );

  it('outside WAL mode a repair that does not go ahead removes the backup it took, and the folder it made', async () => {
    const workspace = template.copy({ backup: true });
    const { db } = repairTransaction(workspace, 'delete');
    const backup = await beginRepairBackup(workspace.context(), db);
    expect(backupsFolder(workspace)).toHaveLength(1);
    applyWrite(db);
    backup.abandon();
    db.exec('ROLLBACK');
    db.close();
    expect(existsSync(workspace.paths.backupsDir)).toBe(false);
  });

  it.each(EITHER_JOURNAL_MODE)(
    '%s a repair that does not go ahead leaves all the earlier backups a full folder holds: none is pruned for a backup then discarded',
    async (_, journalMode) => {
      const { workspace, earlier, db, backup } = await writtenBesideFullFolder(journalMode);
      backup.abandon();
      db.exec('ROLLBACK');
      db.close();
      expect(backupsFolder(workspace)).toEqual(earlier);
    },
  );

  it.each(EITHER_JOURNAL_MODE)(
    '%s the oldest backups beyond the kept number go only once the repair keeps its backup (after its commit)',
    async (_, journalMode) => {
      const { workspace, earlier, db, backup, name } = await writtenBesideFullFolder(journalMode);
      expect(backupsFolder(workspace)).toEqual([...earlier, name].sort());
      db.exec('COMMIT');
      db.close();
      backup.keep();
      expect(backupsFolder(workspace)).toEqual([...earlier.slice(1), name].sort());
    },
  );

  it.each(EITHER_JOURNAL_MODE)(
    '%s keeping the backup never throws: the repair has committed, and a backup that cannot be pruned now is pruned next time',
    async (_, journalMode) => {
      const { workspace, db, backup } = await writtenBesideFullFolder(journalMode);
      db.exec('COMMIT');
      db.close();
      // The folder gone under the healer: listing it to prune fails.
      rmSync(workspace.paths.backupsDir, { recursive: true });
      expect(() => backup.keep()).not.toThrow();
    },
  );

  it('outside WAL mode the copy is taken at once, here, before anything is written', async () => {
    const workspace = template.copy({ backup: true });
    const { db, before } = repairTransaction(workspace, 'delete');
    const backup = await beginRepairBackup(workspace.context(), db);
    // Already whole before the repair's first write, and no helper was asked.
    expect(backupsFolder(workspace)).toHaveLength(1);
    expect(pool.tasks).toEqual([]);
    applyWrite(db);
    const path = await backup.finish();
    db.exec('COMMIT');
    db.close();
    expect(backedUpValue(path)).toBe(before);
  });

  it('a database too small for a helper is copied here too', async () => {
    pool.worthIt = false;
    const workspace = template.copy({ backup: true });
    const { db, before } = repairTransaction(workspace);
    const backup = await beginRepairBackup(workspace.context(), db);
    expect(pool.tasks).toEqual([]);
    expect(backupsFolder(workspace)).toHaveLength(1);
    const path = await backup.finish();
    db.exec('ROLLBACK');
    db.close();
    expect(join(workspace.paths.backupsDir, backupsFolder(workspace)[0] ?? '')).toBe(path);
    expect(backedUpValue(path)).toBe(before);
  });
});
