import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { makeOwnFolder } from './own-folder.js';
import type { WorkspacePaths } from './workspace-paths.js';

/** Held while a healer repairs a workspace; `release` is safe to call twice. */
export interface WorkspaceLock {
  release(): void;
}

/** Another healer held the workspace for longer than we were willing to wait. */
export class WorkspaceBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkspaceBusyError';
  }
}

/**
 * Takes the workspace's repair lock, waiting at most `timeoutSeconds` for another healer to finish.
 * The lock is an exclusive transaction on a small SQLite file in `.opsheal/`: the operating system
 * drops it when the holder exits or is killed, so there is never a stale lock to clean up by hand.
 */
export function acquireWorkspaceLock(paths: WorkspacePaths, timeoutSeconds: number): WorkspaceLock {
  makeOwnFolder(paths.stateDir, 'its repair lock and backups');
  let db: Database.Database;
  try {
    db = new Database(paths.lockFile, { timeout: Math.round(timeoutSeconds * 1000) });
  } catch (error) {
    throw unusableLock(paths, error);
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new WorkspaceBusyError(
        `another opsheal is repairing ${paths.root}${holderNote(paths)}; waited ${timeoutSeconds}s for its lock (${paths.lockFile}), try again when it has finished`,
      );
    }
    throw unusableLock(paths, error);
  }
  try {
    writeFileSync(`${paths.lockFile}.holder`, `${JSON.stringify({ pid: process.pid })}\n`);
  } catch {
    // The holder note only improves the message a waiting healer prints; the lock holds without it.
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/** Runs `work` under the workspace lock, releasing it however `work` ends. */
export async function withWorkspaceLock<T>(paths: WorkspacePaths, timeoutSeconds: number, work: () => Promise<T> | T): Promise<T> {
  const lock = acquireWorkspaceLock(paths, timeoutSeconds);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/**
 * The lock file is there but is no SQLite file (or not a file at all): an error that names it, not
 * the SQLite code alone, which a step would take for the index database's. No healer can hold such
 * a file, so removing it is safe when no opsheal runs; opsheal makes it again.
 */
function unusableLock(paths: WorkspacePaths, error: unknown): Error {
  const why = error instanceof Error ? error.message : String(error);
  return new Error(`the workspace lock ${paths.lockFile} cannot be used (${why}): it is opsheal's own file; remove it when no opsheal is running, and run again`, { cause: error });
}

function holderNote(paths: WorkspacePaths): string {
  try {
    const { pid } = JSON.parse(readFileSync(`${paths.lockFile}.holder`, 'utf8')) as { pid?: unknown };
    return typeof pid === 'number' ? ` (process ${pid})` : '';
  } catch {
    return '';
  }
}
