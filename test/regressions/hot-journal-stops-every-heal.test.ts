import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileHash, indexRows, useWorkspaceTemplate, withDatabase, type LiveWorkspace } from '../live/live-workspace.js';
import { killedWriter } from '../support/killed-writer.js';
import { runBin } from '../support/run-bin.js';

// Found by trying what a memory server killed mid-write leaves in rollback-journal mode: a hot
// journal. Every class of a heal then escalated at detect with "database is read-only
// (SQLITE_READONLY_ROLLBACK): attempt to write a readonly database", though the file was writable:
// its read connections are read-only and cannot roll a hot journal back; and `check` said the same,
// which tells an operator nothing of what to do.
const template = useWorkspaceTemplate({ memories: 40, seed: 31 });

/** Puts the database in rollback-journal mode and dies in the middle of a transaction. */
function crashMidTransaction(workspace: LiveWorkspace): void {
  withDatabase(workspace.paths.db, (db) => {
    db.pragma('journal_mode = DELETE');
  });
  // A one-page cache, so that the change reaches the file (and the journal) before any commit.
  killedWriter(workspace.paths.db, ['PRAGMA cache_size = 1', 'BEGIN', "UPDATE memory_index SET title = title || ' (never committed)'"]);
}

describe('a hot journal an interrupted writer left', () => {
  it('check says what it is and what rolls it back, and changes nothing', () => {
    const workspace = template.copy();
    crashMidTransaction(workspace);
    const journal = `${workspace.paths.db}-journal`;
    expect(existsSync(journal)).toBe(true);
    const before = { db: fileHash(workspace.paths.db), journal: fileHash(journal) };

    const check = runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('left a hot journal');
    expect(check.stderr).toContain('`opsheal heal` rolls it back');
    expect({ db: fileHash(workspace.paths.db), journal: fileHash(journal) }).toEqual(before);
  });

  it('heal rolls it back first, says so, and then heals as usual', () => {
    const workspace = template.copy();
    const titles = indexRows(workspace.paths.db).map((row) => row['title']);
    crashMidTransaction(workspace);

    const heal = runBin('opsheal', ['heal', 'all', '--workspace', workspace.root]);
    expect(heal.stderr).toContain('opsheal: rolled back the unfinished transaction an interrupted writer left in');
    expect(heal.stdout).not.toContain('SQLITE_READONLY_ROLLBACK');
    expect(heal.status).toBe(0);
    expect(indexRows(workspace.paths.db).map((row) => row['title'])).toEqual(titles);
  });

  it('heal --dry-run leaves it for the heal: it changes nothing', () => {
    const workspace = template.copy();
    crashMidTransaction(workspace);
    const journal = `${workspace.paths.db}-journal`;
    const before = { db: fileHash(workspace.paths.db), journal: fileHash(journal) };
    runBin('opsheal', ['heal', 'all', '--workspace', workspace.root, '--dry-run']);
    expect({ db: fileHash(workspace.paths.db), journal: fileHash(journal) }).toEqual(before);
  });
});
