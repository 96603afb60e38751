import { readFtsIndexedIds, readIndexRows, readVectorIds } from '../../workspace/index-reads.js';
import type { IndexDatabase } from '../index-database-session.js';
import type { LiveContext } from '../live-class.js';
import type { IndexDriftState } from './index-drift-state.js';

/** The state plus what could not be looked at. */
export interface ReadIndexDriftState {
  readonly state: IndexDriftState;
  readonly notes: readonly string[];
}

/** Reads the files (through the run's cached scan) and the index rows, FTS ids and vector ids. */
export function readIndexDriftState(context: LiveContext, index: IndexDatabase, ftsIntegrityOk?: boolean): ReadIndexDriftState {
  const scan = context.memoryFiles.scan();
  const notes: string[] = [];
  const rows = readIndexRows(index.db);
  let ftsIndexedIds: readonly number[] | undefined;
  try {
    ftsIndexedIds = readFtsIndexedIds(index.db);
  } catch (error) {
    notes.push(`FTS not checked: ${error instanceof Error ? error.message : String(error)}`);
  }
  const vectorIds = index.vectorsLoaded ? readVectorIds(index.db) : undefined;
  if (!index.vectorsLoaded) notes.push(index.vectorNote ?? 'vectors not checked: sqlite-vec did not load');
  else if (vectorIds === undefined) notes.push('vectors not checked: the database has no vec_memories table');
  return {
    state: { workspaceRoot: context.paths.root, files: scan.files, unreadable: scan.unreadable, rows, ftsIndexedIds, ftsIntegrityOk, vectorIds },
    notes,
  };
}
