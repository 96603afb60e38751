import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileHash, useWorkspaceTemplate } from '../live/live-workspace.js';
import { killedWriter } from '../support/killed-writer.js';
import { runBin } from '../support/run-bin.js';

// Found by trying what a crashed memory server leaves: its -wal file, never checkpointed. A read-only
// `check` (or `heal --dry-run`) then checkpointed it into the database file and deleted it on close,
// rewriting the file a read-only command promises to leave as it was: the watching connection that
// tells one committed state from another was opened read-write whatever it found.
const template = useWorkspaceTemplate({ memories: 40, seed: 29 });

/** Commits a change in WAL mode without ever checkpointing, then dies as a crashed server would. */
function crashAfterCommit(dbPath: string): void {
  killedWriter(dbPath, ['PRAGMA wal_autocheckpoint = 0', "UPDATE memory_index SET title = title || ' (edited by the server)' WHERE id = 3"]);
}

describe('a -wal file a crashed writer left behind', () => {
  for (const args of [['check', 'all'], ['heal', 'all', '--dry-run']]) {
    it(`is left as it was by ${args.join(' ')}, and so is the database file`, () => {
      const workspace = template.copy();
      const db = workspace.paths.db;
      crashAfterCommit(db);
      expect(existsSync(`${db}-wal`)).toBe(true);
      const before = { db: fileHash(db), wal: fileHash(`${db}-wal`) };

      const run = runBin('opsheal', [...args, '--workspace', workspace.root]);
      expect(run.stderr).toBe('');
      expect(existsSync(`${db}-wal`)).toBe(true);
      expect({ db: fileHash(db), wal: fileHash(`${db}-wal`) }).toEqual(before);
    });
  }
});
