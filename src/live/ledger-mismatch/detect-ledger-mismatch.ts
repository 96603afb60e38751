import { LEDGER_TRIGGERS, type LedgerLink } from '../../workspace/ledger-entry.js';
import type { IndexRow } from '../../workspace/index-row.js';
import { byId } from '../compare.js';
import type { Finding } from '../live-class.js';

/** The fault kinds ledger-mismatch reports, in print order. */
export const LEDGER_MISMATCH_KINDS = ['unrecorded-state', 'unrecorded-deletion', 'unguarded-ledger'] as const;

/** Entry types that record a memory's end. */
const ENDING_TYPES = new Set(['delete', 'merge', 'archive']);

/** Everything ledger-mismatch detection looks at. */
export interface LedgerState {
  readonly rows: readonly Pick<IndexRow, 'id' | 'contentHash' | 'sessionId'>[];
  readonly entries: readonly LedgerLink[];
  readonly triggers: readonly string[];
}

/** A ledger finding, with what the repair needs to record it. */
export interface LedgerFinding extends Finding {
  /** The hash the ledger last recorded for this memory, if any. */
  readonly recordedHash?: string | null;
  /** The row's current hash (unrecorded state). */
  readonly currentHash?: string | null;
}

/**
 * Checks that the ledger accounts for the index: each live row's latest linking entry carries its
 * current hash; each linked id with no row ends in a delete, merge or archive entry (bulk entries
 * that link many ids count for each of them); both append-only triggers exist. Pure.
 */
export function detectLedgerMismatch(state: LedgerState): LedgerFinding[] {
  const latest = idMap<LedgerLink>(state);
  for (const entry of state.entries) {
    for (const id of entry.linkedMemoryIds) {
      const seen = latest.get(id);
      if (seen === undefined || seen.id < entry.id) latest.set(id, entry);
    }
  }
  const findings: LedgerFinding[] = [];
  const liveIds = idMap<true>(state);
  for (const row of state.rows) {
    liveIds.set(row.id, true);
    const entry = latest.get(row.id);
    if (entry === undefined || entry.newHash !== (row.contentHash ?? '')) {
      findings.push({
        kind: 'unrecorded-state',
        memoryId: row.id,
        detail: entry === undefined ? 'no ledger entry links this memory' : `ledger has ${entry.newHash.slice(0, 12)} (entry ${entry.id}), row has ${(row.contentHash ?? 'none').slice(0, 12)}`,
        recordedHash: entry?.newHash ?? null,
        currentHash: row.contentHash,
      });
    }
  }
  for (const [id, entry] of latest.entries()) {
    if (liveIds.get(id) === true || ENDING_TYPES.has(entry.mutationType)) continue;
    findings.push({
      kind: 'unrecorded-deletion',
      memoryId: id,
      detail: `last entry ${entry.id} is ${entry.mutationType}, but the row is gone`,
      recordedHash: entry.newHash,
    });
  }
  const unrecordedStates = findings.filter((finding) => finding.kind === 'unrecorded-state').sort(byId);
  const unrecordedDeletions = findings.filter((finding) => finding.kind === 'unrecorded-deletion').sort(byId);
  const unguarded = LEDGER_TRIGGERS.filter((name) => !state.triggers.includes(name)).map(
    (name): LedgerFinding => ({ kind: 'unguarded-ledger', subject: name, detail: `trigger ${name} is missing` }),
  );
  return [...unrecordedStates, ...unrecordedDeletions, ...unguarded];
}

/** What detection needs of a map from memory ids: a Map, or for dense ids (row ids are) an array. */
interface IdMap<T> {
  get(id: number): T | undefined;
  set(id: number, value: T): void;
  /** Every id set and its value; in no particular order (findings are sorted by id). */
  entries(): Iterable<readonly [number, T]>;
}

/** An array indexed by id when every id the state holds is a small non-negative integer, else a Map. */
function idMap<T>(state: LedgerState): IdMap<T> {
  let max = -1;
  let count = state.rows.length;
  const consider = (id: number): boolean => {
    if (!Number.isSafeInteger(id) || id < 0) return false;
    if (id > max) max = id;
    return true;
  };
  for (const row of state.rows) if (!consider(row.id)) return new Map<number, T>();
  for (const entry of state.entries) {
    count += entry.linkedMemoryIds.length;
    for (const id of entry.linkedMemoryIds) if (!consider(id)) return new Map<number, T>();
  }
  if (max > 4 * count + 1024) return new Map<number, T>();
  const values = new Array<T | undefined>(max + 1);
  return {
    get: (id) => (Number.isSafeInteger(id) && id >= 0 && id <= max ? values[id] : undefined),
    set: (id, value) => {
      values[id] = value;
    },
    *entries() {
      for (let id = 0; id <= max; id += 1) {
        const value = values[id];
        if (value !== undefined) yield [id, value] as const;
      }
    },
  };
}
