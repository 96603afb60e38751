import { detectIndexDrift, type IndexDriftFindings } from './detect-index-drift.js';
import type { IndexDriftState } from './index-drift-state.js';

/**
 * detectIndexDrift, remembered for the state it last judged. Within a run the file scan hands out
 * the very same array while no file changed, and the index reads the very same arrays while nothing
 * committed (cached-memory-files.ts, index-read-cache.ts), so a repair that plans right after detect
 * found the drift gets detect's answer instead of comparing 100,000 rows and files again. Any input
 * that is not the identical value means a new comparison. Inputs are never mutated, so identity is
 * enough.
 *
 * Kept by the rows array, which the index reads let go of once the database changed: a detection
 * remembered for an earlier version of the rows goes with them, instead of holding 100,000 stale
 * rows (and their paths) for the rest of the run as long as the file scan lives.
 */
const remembered = new WeakMap<readonly unknown[], { readonly state: IndexDriftState; readonly result: IndexDriftFindings }>();

export function rememberedIndexDrift(state: IndexDriftState): IndexDriftFindings {
  const last = remembered.get(state.rows);
  if (last !== undefined && sameInputs(last.state, state)) return last.result;
  const result = detectIndexDrift(state);
  remembered.set(state.rows, { state, result });
  return result;
}

function sameInputs(a: IndexDriftState, b: IndexDriftState): boolean {
  return (
    a.workspaceRoot === b.workspaceRoot &&
    a.files === b.files &&
    a.unreadable === b.unreadable &&
    a.rows === b.rows &&
    a.ftsIndexedIds === b.ftsIndexedIds &&
    a.ftsIntegrityOk === b.ftsIntegrityOk &&
    a.vectorIds === b.vectorIds
  );
}
