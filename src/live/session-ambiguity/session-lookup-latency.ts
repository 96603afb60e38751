import type { Database } from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

/** How session look-ups perform on this index. */
export interface LookupLatency {
  /** 95th percentile over the looked-up sessions, milliseconds; 0 when there was nothing to look up. */
  readonly p95Ms: number;
  readonly lookups: number;
  /** Whether SQLite answers `WHERE session_id = ?` from an index rather than a table scan. */
  readonly indexed: boolean;
}

/** Looks up at most this many distinct sessions, each a few times, for the percentile. */
const MAX_SESSIONS = 200;
const REPEATS = 3;

/**
 * Times the look-up the memory server makes when it routes a memory to its session (by
 * session_id), once per distinct session of the sample and a few times over. A measurement of the
 * real machine, so it lives here and never in the pure core.
 */
export function measureSessionLookups(db: Database, sessions: readonly string[]): LookupLatency {
  const lookup = db.prepare(SESSION_LOOKUP_SQL);
  const indexed = sessionLookupIndexed(db);
  const chosen = sessions.slice(0, MAX_SESSIONS);
  const timings: number[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const session of chosen) {
      const started = performance.now();
      lookup.all(session);
      timings.push(performance.now() - started);
    }
  }
  timings.sort((a, b) => a - b);
  const p95Ms = timings.length === 0 ? 0 : (timings[Math.min(timings.length - 1, Math.ceil(timings.length * 0.95) - 1)] ?? 0);
  return { p95Ms, lookups: timings.length, indexed };
}

/** The look-up the memory server makes when it routes a memory to its session. */
const SESSION_LOOKUP_SQL = 'SELECT id, spec_folder FROM memory_index WHERE session_id = ?';

/**
 * Whether SQLite answers a session look-up by searching an index, as its query planner says: an
 * index that merely names session_id after other columns (the server's `(spec_folder, session_id,
 * ...)`) does not serve `WHERE session_id = ?`; the look-up scans it end to end.
 */
export function sessionLookupIndexed(db: Database): boolean {
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${SESSION_LOOKUP_SQL}`).all('x') as { detail: string }[];
  // `SCAN ... USING COVERING INDEX` reads a whole index: only a SEARCH looks the session up.
  return plan.some((step) => /^SEARCH\b.*\bUSING (COVERING )?INDEX\b/.test(step.detail));
}

/** The index opsheal adds so that session look-ups never scan the table. */
export const SESSION_INDEX_NAME = 'opsheal_idx_memory_index_session_id';
export const SESSION_INDEX_DDL = `CREATE INDEX IF NOT EXISTS ${SESSION_INDEX_NAME} ON memory_index(session_id)`;
