import { rememberedByRows } from '../remembered-judgement.js';
import { detectIndexDrift } from './detect-index-drift.js';
import type { IndexDriftState } from './index-drift-state.js';

/**
 * detectIndexDrift, remembered for the state it last judged (remembered-judgement.ts): a repair
 * that plans right after detect found the drift gets detect's answer while no file changed and
 * nothing committed. Any input that is not the identical value means a new comparison.
 */
export const rememberedIndexDrift = rememberedByRows(
  detectIndexDrift,
  (a: IndexDriftState, b: IndexDriftState): boolean =>
    a.workspaceRoot === b.workspaceRoot &&
    a.specsUnderRoot === b.specsUnderRoot &&
    a.files === b.files &&
    a.unreadable === b.unreadable &&
    a.rows === b.rows &&
    a.ftsIndexedIds === b.ftsIndexedIds &&
    a.ftsIntegrityOk === b.ftsIntegrityOk &&
    a.vectorIds === b.vectorIds,
);
