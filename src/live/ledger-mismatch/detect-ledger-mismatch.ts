import { LEDGER_TRIGGERS, type LedgerEntry } from '../../workspace/ledger-entry.js';
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
  readonly entries: readonly LedgerEntry[];
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
  const latest = new Map<number, LedgerEntry>();
  for (const entry of state.entries) {
    for (const id of entry.linkedMemoryIds) {
      const seen = latest.get(id);
      if (seen === undefined || seen.id < entry.id) latest.set(id, entry);
    }
  }
  const findings: LedgerFinding[] = [];
  const liveIds = new Set<number>();
  for (const row of state.rows) {
    liveIds.add(row.id);
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
  for (const [id, entry] of latest) {
    if (liveIds.has(id) || ENDING_TYPES.has(entry.mutationType)) continue;
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
