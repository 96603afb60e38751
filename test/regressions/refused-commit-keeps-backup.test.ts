import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { indexRows, useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by healing a rollback-journal database while a reader held it: each attempt took a backup,
// then its COMMIT was refused (SQLITE_BUSY), and the backup stayed. Three attempts left three copies
// of one state; the next heal that committed then pruned down to five, throwing away four earlier,
// distinct restore points to keep them.
const template = useWorkspaceTemplate({ memories: 40, seed: 89 });

describe('a repair whose COMMIT is refused', () => {
  it('takes its backup back, so no earlier backup is pruned for it', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.pragma('journal_mode = DELETE'));
    runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'deleted-row']);
    const backups = join(workspace.root, '.opsheal', 'backups');
    mkdirSync(backups, { recursive: true });
    const earlier = [1, 2, 3, 4, 5].map((n) => `context-index-2026010${n}T000000Z-1.sqlite`);
    for (const name of earlier) writeFileSync(join(backups, name), 'an earlier restore point');
    const rows = indexRows(workspace.paths.db);

    const reader = new Database(workspace.paths.db, { readonly: true });
    let heal;
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM memory_index').get();
      heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--max-attempts', '2']);
    } finally {
      reader.close();
    }
    expect(heal.status).toBe(1);
    expect(linesOf(heal.stdout).filter((text) => text.includes('step=rebuild-index outcome=retryable-failure'))).toHaveLength(2);
    expect(readdirSync(backups).sort()).toEqual(earlier);
    expect(indexRows(workspace.paths.db)).toEqual(rows);

    // And the next heal, which commits, keeps the five newest: the earlier four and its own.
    expect(runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]).status).toBe(0);
    const after = readdirSync(backups).sort();
    expect(after).toHaveLength(5);
    expect(after.slice(0, 4)).toEqual(earlier.slice(1));
  });
});
