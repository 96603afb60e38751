import type { Database } from 'better-sqlite3';
import { requireSoundDatabase } from '../workspace/database-integrity.js';
import { databaseVersion } from './index-read-cache.js';
import type { LiveContext } from './live-class.js';

/**
 * The version of the database (index-read-cache.ts) that SQLite's own checks last passed in this run.
 * `heal all` would otherwise run `PRAGMA quick_check` (which reads every page) in each class's detect
 * and again in each repair, on a database no one has written to since the last one passed: a check
 * passed on a version vouches for that version until anyone commits.
 */
const soundVersions = new WeakMap<LiveContext, string>();

/**
 * A check that began at `before` (`databaseVersion` then) passed: the database is sound at that
 * version, if it is still there.
 */
export function markSound(context: LiveContext, before: string | undefined): void {
  if (before !== undefined && databaseVersion(context) === before) soundVersions.set(context, before);
}

/** Whether a check has passed on the database exactly as it is now. */
export function knownSound(context: LiveContext): boolean {
  const now = databaseVersion(context);
  return now !== undefined && soundVersions.get(context) === now;
}

/** requireSoundDatabase on `db`, unless a check already passed on the database as it is now. */
export function requireSoundOnce(context: LiveContext, db: Database): void {
  if (knownSound(context)) return;
  const before = databaseVersion(context);
  requireSoundDatabase(db, context.paths.db);
  markSound(context, before);
}
