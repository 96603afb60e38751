import type { Database } from 'better-sqlite3';
import { databaseIntegrity, requireSoundDatabase, type DatabaseIntegrity } from '../workspace/database-integrity.js';
import { DatabaseUnusableError } from '../workspace/database-unusable-error.js';
import type { DatabaseCheckTask, HelperTaskResult } from '../workspace/helper-tasks.js';
import { processPool, type TaskJob } from '../workspace/memory-file-pool.js';
import { databaseVersion } from './index-read-cache.js';
import { knownSound, markSound } from './known-sound.js';
import type { LiveContext } from './live-class.js';

/**
 * SQLite's whole-database checks (`PRAGMA quick_check` before detect, `PRAGMA integrity_check` and
 * FTS5's integrity-check in verify) read every page of the database: on a large one they run on a
 * helper thread (memory-file-pool.ts), started before the step reads the files and the rows and
 * finished after, so the two overlap. The verdict, and every error, is what running the check on
 * the step's own connection gives; where there are no helpers, or the database is small, or the
 * helper could not run it, it runs there.
 */

const BUSY_TIMEOUT_MS = 2000;

/**
 * Starts requireSoundDatabase; the function returned throws what it would have (call it once the
 * step's reads are done, and also when one of them throws, so that a corrupt database is reported
 * as such rather than by whichever read met the damage first: see {@link afterCheck}). A check begun
 * ahead on this very version of the database ({@link beginSoundnessCheck}) is the one waited for.
 */
export function startSoundnessCheck(context: LiveContext, db: Database): () => void {
  // Passed already on this very version of the database, earlier in the run (known-sound.ts).
  if (knownSound(context)) return () => undefined;
  const before = databaseVersion(context);
  const ahead = begunChecks.get(context);
  const collect = ahead !== undefined && before !== undefined && ahead.version === before ? ahead.collect : startQuickCheck(context);
  if (collect === undefined) {
    requireSoundDatabase(db, context.paths.db);
    markSound(context, before);
    return () => undefined;
  }
  return once(() => {
    const result = collect();
    if (result?.ok === false && result.unusable !== undefined) {
      throw new DatabaseUnusableError(result.unusable.message, { retryable: result.unusable.retryable, ...(result.unusable.code !== undefined ? { code: result.unusable.code } : {}) });
    }
    if (result?.ok !== true) requireSoundDatabase(db, context.paths.db);
    markSound(context, before);
  });
}

/** SQLite's quick_check begun on a helper ahead of the step that waits for it, by the version it checks. */
const begunChecks = new WeakMap<LiveContext, { readonly version: string; readonly collect: () => HelperTaskResult | undefined }>();

/**
 * Begins the soundness check of startSoundnessCheck on a helper now, for a step that will wait for it
 * later (`check all` begins index-drift's while the files are still being read, so that it runs
 * while other classes are judged). Nothing is begun where it would run on this thread anyway (no
 * helpers, a small database), or when a check already passed on the database as it is.
 */
export function beginSoundnessCheck(context: LiveContext): void {
  const version = databaseVersion(context);
  if (version === undefined || knownSound(context) || begunChecks.get(context)?.version === version) return;
  const collect = startQuickCheck(context);
  if (collect !== undefined) begunChecks.set(context, { version, collect });
}

/** quick_check started on a helper, its result memoised (a task's result is collected once); `undefined` where it would run here. */
function startQuickCheck(context: LiveContext): (() => HelperTaskResult | undefined) | undefined {
  const job = startOnHelper(context, { soundLabel: context.paths.db, writable: false });
  return job === undefined ? undefined : once(() => job.collect());
}

/**
 * Starts databaseIntegrity (the connection must be writable); the function returned gives its result.
 * A check begun ahead on this very version of the database ({@link beginIntegrityCheck}) is the one
 * waited for.
 */
export function startIntegrityCheck(context: LiveContext, db: Database): () => DatabaseIntegrity {
  const before = databaseVersion(context);
  // integrity_check does all quick_check does and more: passed, it vouches for soundness too.
  const noted = (integrity: DatabaseIntegrity): DatabaseIntegrity => {
    if (integrity.problems.length === 0) markSound(context, before);
    return integrity;
  };
  const ahead = begunIntegrityChecks.get(context);
  begunIntegrityChecks.delete(context);
  const job = ahead !== undefined && before !== undefined && ahead.version === before ? ahead.job : startOnHelper(context, { integrity: true, writable: true });
  if (job === undefined) {
    const integrity = noted(databaseIntegrity(db));
    return () => integrity;
  }
  return once(() => {
    const result: HelperTaskResult | undefined = job.collect();
    return noted(result?.ok === true && result.integrity !== undefined ? result.integrity : databaseIntegrity(db));
  });
}

/** The integrity checks begun on a helper ahead of the verify that waits for one, by the version each checks. */
const begunIntegrityChecks = new WeakMap<LiveContext, { readonly version: string; readonly job: TaskJob }>();

/**
 * Begins startIntegrityCheck's check on a helper now, for the verify that follows: index-drift's
 * repair begins it as it returns, so that the helper checks the database while this thread ends the
 * step (a full collection, the step's lines) and opens the verify's connection. It is used only
 * while the database is still at the version it began on; otherwise the verify starts its own. Nothing
 * is begun where the check would run on this thread anyway (no helpers, a small database).
 */
export function beginIntegrityCheck(context: LiveContext): void {
  try {
    const version = databaseVersion(context);
    if (version === undefined) return;
    const job = startOnHelper(context, { integrity: true, writable: true });
    if (job !== undefined) begunIntegrityChecks.set(context, { version, job });
  } catch {
    // Only a head start: the repair it follows has committed, and the verify starts its own check.
  }
}

/** `work()`'s value once `check()` has passed; when `work` throws, `check()` has its say first. */
export function afterCheck<T>(check: () => unknown, work: () => T): T {
  let value: T;
  try {
    value = work();
  } catch (error) {
    check();
    throw error;
  }
  check();
  return value;
}

function startOnHelper(context: LiveContext, checks: Pick<DatabaseCheckTask, 'soundLabel' | 'integrity' | 'writable'>): TaskJob | undefined {
  const pool = processPool();
  if (pool === undefined || !pool.worthAHelper(context.paths.db)) return undefined;
  return pool.startTask({ kind: 'database-checks', path: context.paths.db, busyTimeoutMs: BUSY_TIMEOUT_MS, ...checks });
}

/** The first call's outcome, value or error, for every call. */
function once<T>(compute: () => T): () => T {
  let outcome: { value: T } | { error: unknown } | undefined;
  return () => {
    outcome ??= (() => {
      try {
        return { value: compute() };
      } catch (error) {
        return { error };
      }
    })();
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}
