import type { IndexRowSummary } from '../../workspace/index-row.js';
import type { MemoryFileRecord, UnreadableMemoryFile } from '../../workspace/memory-file.js';

/** Everything index-drift detection looks at, as read from the workspace. */
export interface IndexDriftState {
  readonly workspaceRoot: string;
  /** The specs root relative to the workspace, `/`-separated: rows elsewhere are not memory rows. */
  readonly specsUnderRoot: string;
  readonly files: readonly MemoryFileRecord[];
  /** Files under a memory folder that could not be read: their rows are neither orphaned nor stale. */
  readonly unreadable: readonly UnreadableMemoryFile[];
  readonly rows: readonly IndexRowSummary[];
  /** Ids present in the FTS index; `undefined` when the index could not be listed. */
  readonly ftsIndexedIds: readonly number[] | undefined;
  /**
   * The writes to memory_index (INSERT, UPDATE, DELETE) no trigger carries over to memory_fts
   * (readFtsTriggerGaps); `undefined` when FTS could not be listed. A repair that changes rows then
   * rebuilds FTS, or its own writes would leave it out of step.
   */
  readonly ftsTriggerGaps?: readonly string[];
  /** FTS5's own integrity check against memory_index; `undefined` when not run. */
  readonly ftsIntegrityOk: boolean | undefined;
  /** Rowids of `vec_memories`; `undefined` when vectors could not be checked. */
  readonly vectorIds: readonly number[] | undefined;
}

/** The fault kinds index-drift reports, in print order. */
export const INDEX_DRIFT_KINDS = ['missing', 'orphaned', 'stale', 'fts-out-of-step', 'orphaned-vector', 'missing-vector', 'unreadable-file'] as const;
export type IndexDriftKind = (typeof INDEX_DRIFT_KINDS)[number];
