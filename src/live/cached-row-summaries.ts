import type { Database } from 'better-sqlite3';
import { readIndexRowSummaries } from '../workspace/index-reads.js';
import type { IndexRowSummary } from '../workspace/index-row.js';
import { cachedIndexRead, keptIndexRead } from './index-read-cache.js';
import type { LiveContext } from './live-class.js';

/** The key the summaries are kept by (index-read-cache.ts). */
const KEY = 'row-summaries';

/**
 * Every row's summary, kept across the run's steps while the database is unchanged
 * (index-read-cache.ts). index-drift and ledger-mismatch judge the same rows: one key, read one
 * way, so that a class after another gets the very array the first one read.
 */
export function cachedRowSummaries(context: LiveContext, db: Database): IndexRowSummary[] {
  return cachedIndexRead<IndexRowSummary[]>(context, KEY, 'memory_index', (earlier, _onlyAppended, changedIds) => readIndexRowSummaries(db, earlier, changedIds));
}

/** The summaries cachedRowSummaries would hand out now, when the run has read them already; nothing is read. */
export function keptRowSummaries(context: LiveContext): IndexRowSummary[] | undefined {
  return keptIndexRead<IndexRowSummary[]>(context, KEY);
}
