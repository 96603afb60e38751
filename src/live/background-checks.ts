import type { Database } from 'better-sqlite3';
import { databaseIntegrity, ftsIntegrity, integrityCheckProblems, requireSoundDatabase, type DatabaseIntegrity } from '../workspace/database-integrity.js';
import { DatabaseUnusableError } from '../workspace/database-unusable-error.js';
import type { DatabaseCheckTask, HelperTaskResult } from '../workspace/helper-tasks.js';
import { connectionInWalMode } from '../workspace/index-database.js';
import { processPool } from '../workspace/memory-file-pool.js';
import { helperBesideWriter, helperForDatabase } from './database-helper.js';
import { databaseVersion } from './index-read-cache.js';
import { knownSound, markSound, requireSoundOnce } from './known-sound.js';
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
  const collect = begunOn(context, 'soundness', before) ?? startQuickCheck(context);
  if (collect === undefined) {
    requireSoundOnce(context, db);
    return () => undefined;
  }
  return soundnessVerdict(context, db, collect, before);
}

/**
 * The soundness check a repair needs (locked-repair.ts), called inside its write transaction: the
 * function returned throws what requireSoundDatabase would, and the repair calls it before it
 * commits, and first when anything it does throws. When the run's detect left a check running on a
 * helper for exactly this version of the database ({@link beginSoundnessCheck}) and the
 * database is in WAL mode, that check's verdict is waited for only then, so that it runs while the
 * repair plans and writes: the helper's connection sees the last commit, which is the state the
 * repair started from (it holds the write lock, so nobody else can commit), and nothing the repair
 * wrote is seen by anyone before the verdict, since it is not committed. In the other journal modes
 * the helper's read would hold off the commit, and with no check begun there is nothing to overlap:
 * the check runs here and now, before the first write.
 */
export function startRepairSoundnessCheck(context: LiveContext, db: Database): () => void {
  const before = databaseVersion(context);
  const begun = knownSound(context) ? undefined : begunOn(context, 'soundness', before);
  if (begun === undefined || !connectionInWalMode(db)) {
    requireSoundOnce(context, db);
    return () => undefined;
  }
  return soundnessVerdict(context, db, begun, before);
}

/** The collected verdict of a soundness check begun at `before` on a helper: throws for a damaged database. */
function soundnessVerdict(context: LiveContext, db: Database, collect: CollectCheck, before: string | undefined): () => void {
  return once(() => {
    const result = collect();
    if (result?.ok === false && result.unusable !== undefined) {
      throw new DatabaseUnusableError(result.unusable.message, { retryable: result.unusable.retryable, ...(result.unusable.code !== undefined ? { code: result.unusable.code } : {}) });
    }
    if (result?.ok !== true) requireSoundDatabase(db, context.paths.db);
    markSound(context, before);
  });
}

/**
 * Begins the soundness check of startSoundnessCheck on a helper now, for a step that will wait for it
 * later (`check all` begins index-drift's while the files are still being read, so that it runs
 * while other classes are judged; a heal's detect that finds drift leaves its verdict to the repair,
 * see startRepairSoundnessCheck). Nothing is begun where it would run on this thread anyway (no
 * helpers, a small database), or when a check already passed on the database as it is.
 */
export function beginSoundnessCheck(context: LiveContext): void {
  if (knownSound(context)) return;
  beginAhead(context, 'soundness', () => startQuickCheck(context));
}

/** quick_check started on a helper; `undefined` where it would run here. */
function startQuickCheck(context: LiveContext): CollectCheck | undefined {
  return startOnHelper(context, { soundLabel: context.paths.db });
}

/**
 * Starts databaseIntegrity (the connection must be writable); the function returned gives its result.
 * A check begun ahead on this very version of the database ({@link beginIntegrityCheck}) is the one
 * waited for.
 *
 * On a helper, only `PRAGMA integrity_check` runs; FTS5's integrity check runs here and now, on this
 * connection, while the helper checks. It is issued as an INSERT, which a writable connection of the
 * caller's can run as well as a helper's, and the two checks then take about as long as the longer
 * of them, instead of one after the other on the helper.
 */
export function startIntegrityCheck(context: LiveContext, db: Database): () => DatabaseIntegrity {
  const before = databaseVersion(context);
  // integrity_check does all quick_check does and more: passed, it vouches for soundness too.
  const noted = (integrity: DatabaseIntegrity): DatabaseIntegrity => {
    if (integrity.problems.length === 0) markSound(context, before);
    return integrity;
  };
  const collect = begunOn(context, 'integrity', before) ?? startIntegrityOnHelper(context);
  if (collect === undefined) {
    const integrity = noted(databaseIntegrity(db));
    return () => integrity;
  }
  const ftsOk = ftsIntegrity(db);
  return once(() => {
    const result: HelperTaskResult | undefined = collect();
    postLeftCheckpoint(context);
    return noted({ problems: result?.ok === true && result.integrityProblems !== undefined ? result.integrityProblems : integrityCheckProblems(db), ftsOk });
  });
}

/**
 * Begins startIntegrityCheck's check on a helper now, for the verify that follows: index-drift's
 * repair begins it as it returns, so that the helper checks the database while this thread ends the
 * step (a full collection, the step's lines) and opens the verify's connection. Nothing is begun
 * where the check would run on this thread anyway (no helpers, a small database).
 */
export function beginIntegrityCheck(context: LiveContext): void {
  try {
    beginAhead(context, 'integrity', () => startIntegrityOnHelper(context));
  } catch {
    // Only a head start: the repair it follows has committed, and the verify starts its own check.
  }
}

function startIntegrityOnHelper(context: LiveContext): CollectCheck | undefined {
  return startOnHelper(context, { integrityCheck: true });
}

/** Runs whose last repair committed without SQLite's automatic checkpoint, left to a helper (below). */
const checkpointsLeft = new WeakSet<LiveContext>();

/**
 * Whether a repair about to commit on `db` can leave the checkpoint of its write-ahead log to a
 * helper, so that its thread goes on at once. After a commit of thousands of pages, SQLite's
 * automatic checkpoint copies them into the database file and syncs it, on the committing thread
 * (about 0.2 s at 100,000 memories, while the helper waits for its next task). Only in WAL mode, and
 * only where the verify's integrity check runs on a helper: the checkpoint follows it there.
 */
export function helperCanCheckpoint(context: LiveContext, db: Database): boolean {
  return helperBesideWriter(context.paths.db, db) !== undefined;
}

/**
 * Notes that the run's repair committed without a checkpoint (wal-checkpoint.ts,
 * leaveCheckpointToLater): once the verify has the helper's integrity_check verdict, the checkpoint
 * is posted to that helper, which has nothing else to do by then (postLeftCheckpoint). Should no
 * verify come, the committed pages wait in the log for the next automatic checkpoint or the last
 * connection's close, as safe there as in the file.
 */
export function leaveCheckpointToHelper(context: LiveContext): void {
  checkpointsLeft.add(context);
}

/**
 * Posts the checkpoint left by the run's repair to a helper, and does not wait for it: the helper
 * copies the log into the file while this thread judges what the verify read and goes on to the
 * next class. Posted after the verify's checks rather than before them, so that it never delays
 * the verdict the verify waits for.
 */
function postLeftCheckpoint(context: LiveContext): void {
  if (!checkpointsLeft.delete(context)) return;
  try {
    processPool()?.postTask({ kind: 'wal-checkpoint', path: context.paths.db, busyTimeoutMs: BUSY_TIMEOUT_MS });
  } catch {
    // No helper could take it: the pages wait in the log for the next checkpoint.
  }
}

/** A check's result from the helper, collected once and kept; `undefined` when the caller is to run it. */
type CollectCheck = () => HelperTaskResult | undefined;
type BegunKind = 'soundness' | 'integrity';

/**
 * The checks begun on a helper ahead of the step that waits for one ({@link beginSoundnessCheck},
 * {@link beginIntegrityCheck}), by kind, with the version of the database each checks: a step
 * uses one only while the database is still at that version (so any step at that version may, a
 * verify's retry included), and otherwise starts its own.
 */
const begunChecks = new WeakMap<LiveContext, Map<BegunKind, { readonly version: string; readonly collect: CollectCheck }>>();

/** Begins a check of `kind` on the database as it is now, unless one is begun on this version already. */
function beginAhead(context: LiveContext, kind: BegunKind, start: () => CollectCheck | undefined): void {
  const version = databaseVersion(context);
  if (version === undefined || begunOn(context, kind, version) !== undefined) return;
  const collect = start();
  if (collect === undefined) return;
  const begun = begunChecks.get(context) ?? new Map<BegunKind, { readonly version: string; readonly collect: CollectCheck }>();
  begun.set(kind, { version, collect });
  begunChecks.set(context, begun);
}

/** The check of `kind` begun on exactly this version of the database, if any. */
function begunOn(context: LiveContext, kind: BegunKind, version: string | undefined): CollectCheck | undefined {
  const begun = begunChecks.get(context)?.get(kind);
  return begun !== undefined && version !== undefined && begun.version === version ? begun.collect : undefined;
}

/** `work()`'s value once `check()` has passed; when `work` throws, `check()` has its say first. */
export function afterCheck<T>(check: () => unknown, work: () => T): T {
  const value = afterFailure(check, work);
  check();
  return value;
}

/** `work()`'s value, leaving `check()` to the caller; when `work` throws, `check()` has its say first. */
export function afterFailure<T>(check: () => unknown, work: () => T): T {
  try {
    return work();
  } catch (error) {
    check();
    throw error;
  }
}

/** The checks started on a helper, their result memoised (a task's result is collected once); `undefined` where they would run here. */
function startOnHelper(context: LiveContext, checks: Pick<DatabaseCheckTask, 'soundLabel' | 'integrityCheck'>): CollectCheck | undefined {
  const pool = helperForDatabase(context.paths.db);
  if (pool === undefined) return undefined;
  const job = pool.startTask({ kind: 'database-checks', path: context.paths.db, busyTimeoutMs: BUSY_TIMEOUT_MS, ...checks });
  return once(() => job.collect());
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
