import { readFtsIndexedIds, readFtsTriggerGaps, readVectorIds } from '../../workspace/index-reads.js';
import { cachedRowSummaries } from '../cached-row-summaries.js';
import type { IndexDatabase } from '../index-database-session.js';
import { cachedIndexRead } from '../index-read-cache.js';
import type { LiveContext } from '../live-class.js';
import type { MemoryFileScan } from '../../workspace/memory-file-source.js';
import { startFileScan } from '../memory-file-scan.js';
import type { IndexDriftState } from './index-drift-state.js';
import { prepareIndexRows } from './detect-index-drift.js';
import { specsRootUnderWorkspace } from '../../workspace/memory-files.js';

/** The state plus what could not be looked at. */
export interface ReadIndexDriftState {
  readonly state: IndexDriftState;
  readonly notes: readonly string[];
}

/**
 * Reads the files (through the run's cached scan) and the index rows, FTS ids and vector ids (kept
 * across the run's steps while the database is unchanged, see index-read-cache.ts), and prepares
 * the rows for detection before waiting for the files.
 */
export function readIndexDriftState(
  context: LiveContext,
  index: IndexDatabase,
  ftsIntegrityOk?: boolean,
  completeScan: () => MemoryFileScan = startFileScan(context),
): ReadIndexDriftState {
  const { rows, ftsIndexedIds, ftsTriggerGaps, vectorIds, notes } = readIndexSide(context, index);
  const scan = completeScan();
  return {
    state: { workspaceRoot: context.paths.root, specsUnderRoot: specsRootUnderWorkspace(context.paths), files: scan.files, unreadable: scan.unreadable, rows, ftsIndexedIds, ...(ftsTriggerGaps !== undefined ? { ftsTriggerGaps } : {}), ftsIntegrityOk, vectorIds },
    notes,
  };
}

/**
 * The index's side of the state: rows, FTS ids and vector ids (each kept while the database is
 * unchanged), the rows prepared for detection, and what could not be looked at.
 */
export function readIndexSide(
  context: LiveContext,
  index: IndexDatabase,
): Pick<IndexDriftState, 'rows' | 'ftsIndexedIds' | 'ftsTriggerGaps' | 'vectorIds'> & { readonly notes: readonly string[] } {
  const notes: string[] = [];
  const rows = cachedRowSummaries(context, index.db);
  let ftsIndexedIds: readonly number[] | undefined;
  try {
    ftsIndexedIds = cachedIndexRead(context, 'fts-ids', 'memory_fts', () => readFtsIndexedIds(index.db));
  } catch (error) {
    notes.push(`FTS not checked: ${error instanceof Error ? error.message : String(error)}`);
  }
  const gaps = ftsIndexedIds !== undefined ? readFtsTriggerGaps(index.db) : undefined;
  if (gaps !== undefined && gaps.length > 0) {
    notes.push(`no trigger carries ${gaps.join(', ')} of memory_index over to memory_fts: every such write leaves FTS out of step (a repair that changes rows rebuilds it)`);
  }
  const vectorIds = index.vectorsLoaded ? cachedIndexRead(context, 'vector-ids', 'vec_memories', () => readVectorIds(index.db)) : undefined;
  if (!index.vectorsLoaded) notes.push(index.vectorNote ?? 'vectors not checked: sqlite-vec did not load');
  else if (vectorIds === undefined) notes.push('vectors not checked: the database has no vec_memories table');
  // The rows' side of detection, worked out while the helper threads may still be reading the files.
  prepareIndexRows(rows, context.paths.root, specsRootUnderWorkspace(context.paths));
  return { rows, ftsIndexedIds, ...(gaps !== undefined ? { ftsTriggerGaps: gaps } : {}), vectorIds, notes };
}
