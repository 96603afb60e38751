import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useWorkspaceTemplate } from '../live/live-workspace.js';
import { ROOT, runBin } from '../support/run-bin.js';

// Found by trying what a crashed memory server leaves: its -wal file, never checkpointed. A read-only
// `check` (or `heal --dry-run`) then checkpointed it into the database file and deleted it on close,
// rewriting the file a read-only command promises to leave as it was: the watching connection that
// tells one committed state from another was opened read-write whatever it found.
const template = useWorkspaceTemplate({ memories: 40, seed: 29 });

/** Commits a change in WAL mode without ever checkpointing, then dies as a crashed server would. */
function crashAfterCommit(dbPath: string): void {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(dbPath)});
    db.pragma('wal_autocheckpoint = 0');
    db.exec("UPDATE memory_index SET title = title || ' (edited by the server)' WHERE id = 3");
    process.kill(process.pid, 'SIGKILL');`;
  spawnSync(process.execPath, ['-e', script], { cwd: ROOT });
}

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a -wal file a crashed writer left behind', () => {
  for (const args of [['check', 'all'], ['heal', 'all', '--dry-run']]) {
    it(`is left as it was by ${args.join(' ')}, and so is the database file`, () => {
      const workspace = template.copy();
      const db = workspace.paths.db;
      crashAfterCommit(db);
      expect(existsSync(`${db}-wal`)).toBe(true);
      const before = { db: digest(db), wal: digest(`${db}-wal`) };

      const run = runBin('opsheal', [...args, '--workspace', workspace.root]);
      expect(run.stderr).toBe('');
      expect(existsSync(`${db}-wal`)).toBe(true);
      expect({ db: digest(db), wal: digest(`${db}-wal`) }).toEqual(before);
    });
  }
});
