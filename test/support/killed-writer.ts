import { spawnSync } from 'node:child_process';
import { ROOT } from './run-bin.js';

/**
 * Runs `statements` on the database in a child process, one `exec` each, then kills it with SIGKILL
 * before it can close the connection: what a memory server killed at that moment leaves behind (a
 * WAL never checkpointed, a hot journal mid-transaction).
 */
export function killedWriter(dbPath: string, statements: readonly string[]): void {
  const script = [
    "const Database = require('better-sqlite3');",
    `const db = new Database(${JSON.stringify(dbPath)});`,
    ...statements.map((statement) => `db.exec(${JSON.stringify(statement)});`),
    "process.kill(process.pid, 'SIGKILL');",
  ].join('\n');
  spawnSync(process.execPath, ['-e', script], { cwd: ROOT });
}
