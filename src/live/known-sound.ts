import { databaseVersion } from './index-read-cache.js';
import type { LiveContext } from './live-class.js';

/**
 * The version of the database (index-read-cache.ts) that SQLite's own checks last passed in this run.
 * `heal all` would otherwise run `PRAGMA quick_check` (which reads every page) in each class's detect
 * and again in each repair, on a database no one has written to since the last one passed: a check
 * passed on a version vouches for that version until anyone commits.
 */
const soundVersions = new WeakMap<LiveContext, string>();

/** The version as it is now, to hand to {@link markSound} once a check started now has passed. */
export function versionBeforeCheck(context: LiveContext): string | undefined {
  return databaseVersion(context);
}

/** A check that began at `before` passed: the database is sound at that version, if it is still there. */
export function markSound(context: LiveContext, before: string | undefined): void {
  if (before !== undefined && databaseVersion(context) === before) soundVersions.set(context, before);
}

/** Whether a check has passed on the database exactly as it is now. */
export function knownSound(context: LiveContext): boolean {
  const now = databaseVersion(context);
  return now !== undefined && soundVersions.get(context) === now;
}
