import type { LedgerGuardFault } from '../../workspace/index-reads.js';
import { LEDGER_TRIGGER_STATEMENT, LEDGER_TRIGGERS, type LedgerLink } from '../../workspace/ledger-entry.js';
import type { IndexRow } from '../../workspace/index-row.js';
import { byId } from '../compare.js';
import { hashPair } from '../hash-pair.js';
import type { Finding } from '../live-class.js';

/** The fault kinds ledger-mismatch reports, in print order. */
export const LEDGER_MISMATCH_KINDS = ['unrecorded-state', 'unrecorded-deletion', 'unguarded-ledger'] as const;

/** Entry types that record a memory's end. */
const ENDING_TYPES = new Set(['delete', 'merge', 'archive']);

/** Everything ledger-mismatch detection looks at. */
export interface LedgerState {
  readonly rows: readonly Pick<IndexRow, 'id' | 'contentHash' | 'sessionId'>[];
  readonly entries: readonly LedgerLink[];
  /** The guard triggers that guard (ledgerGuards' `working`). */
  readonly triggers: readonly string[];
  /** What stands where a guard should be and does not guard (ledgerGuards' `faults`); none when absent. */
  readonly triggerFaults?: Readonly<Record<string, LedgerGuardFault>>;
}

/** A ledger finding, with what the repair needs to record it. */
export interface LedgerFinding extends Finding {
  /** The hash the ledger last recorded for this memory, if any. */
  readonly recordedHash?: string | null;
  /** The row's current hash (unrecorded state). */
  readonly currentHash?: string | null;
  /** An unguarded ledger's guard name: missing (undefined), there but no guard, or taken by something else. */
  readonly guardFault?: LedgerGuardFault;
}

/**
 * Checks that the ledger accounts for the index: each live row's latest linking entry carries its
 * current hash; each linked id with no row ends in a delete, merge or archive entry (bulk entries
 * that link many ids count for each of them); both append-only triggers exist. Pure.
 */
export function detectLedgerMismatch(state: LedgerState): LedgerFinding[] {
  const latest = idMap<LedgerLink>(state);
  for (const entry of state.entries) linkLatest(latest, entry);
  const findings: LedgerFinding[] = [];
  for (const row of state.rows) {
    const finding = rowFinding(row, latest.get(row.id));
    if (finding !== undefined) findings.push(finding);
  }
  // What is left once every row's id is dropped links only memories with no row. Dropped in a pass
  // of its own, after every row is judged, so that rows sharing an id are each judged by the entry.
  for (const row of state.rows) latest.delete(row.id);
  for (const [id, entry] of latest.entries()) {
    const finding = goneFinding(id, entry);
    if (finding !== undefined) findings.push(finding);
  }
  return inPrintOrder(findings, state);
}

/**
 * detectLedgerMismatch(state), from the findings of an earlier state that `state` only adds
 * entries to: the very same rows (the same array, never changed), the earlier entries (the same
 * objects, in order), then entries with ids above all of theirs. A memory's findings depend only on
 * its row and its latest linking entry, and only the memories the added entries link can have a new
 * latest one (the highest id wins), so every other memory's findings carry over and only those are
 * judged again. This is what a verify sees after a replay appended to the ledger: the 100,000 rows
 * and 120,000 entries detect judged, and a few thousand more. `undefined` when `state` is not such a
 * state, for the caller to judge it whole.
 */
export function detectLedgerMismatchAfterAppend(
  earlier: { readonly state: LedgerState; readonly findings: readonly LedgerFinding[] },
  state: LedgerState,
): LedgerFinding[] | undefined {
  const before = earlier.state.entries;
  if (state.rows !== earlier.state.rows || state.entries.length < before.length) return undefined;
  let highestBefore = -Infinity;
  for (let index = 0; index < before.length; index += 1) {
    const entry = before[index] as LedgerLink;
    if (state.entries[index] !== entry) return undefined;
    if (entry.id > highestBefore) highestBefore = entry.id;
  }
  const latest = new Map<number, LedgerLink>();
  for (let index = before.length; index < state.entries.length; index += 1) {
    const entry = state.entries[index] as LedgerLink;
    if (!(entry.id > highestBefore)) return undefined;
    linkLatest(latest, entry);
  }
  const findings = earlier.findings.filter((finding) => finding.memoryId !== undefined && !latest.has(finding.memoryId));
  const liveIds = new Set<number>();
  for (const row of state.rows) {
    const entry = latest.get(row.id);
    if (entry === undefined) continue;
    liveIds.add(row.id);
    const finding = rowFinding(row, entry);
    if (finding !== undefined) findings.push(finding);
  }
  for (const [id, entry] of latest) {
    const finding = liveIds.has(id) ? undefined : goneFinding(id, entry);
    if (finding !== undefined) findings.push(finding);
  }
  return inPrintOrder(findings, state);
}

/** Records `entry` as the latest linking each id it links, unless one with a higher id already is. */
function linkLatest(latest: Pick<IdMap<LedgerLink>, 'get' | 'set'>, entry: LedgerLink): void {
  for (const id of entry.linkedMemoryIds) {
    const seen = latest.get(id);
    if (seen === undefined || seen.id < entry.id) latest.set(id, entry);
  }
}

function recordedAndCurrent(entry: LedgerLink, current: string | null): string {
  const [recorded, now] = hashPair(entry.newHash, current);
  return `ledger has ${recorded} (entry ${entry.id}), row has ${now}`;
}

/** A live row's finding: no entry links it, or its latest entry left another hash. */
function rowFinding(row: LedgerState['rows'][number], entry: LedgerLink | undefined): LedgerFinding | undefined {
  if (entry !== undefined && entry.newHash === (row.contentHash ?? '')) return undefined;
  return {
    kind: 'unrecorded-state',
    memoryId: row.id,
    detail: entry === undefined ? 'no ledger entry links this memory' : recordedAndCurrent(entry, row.contentHash),
    recordedHash: entry?.newHash ?? null,
    currentHash: row.contentHash,
  };
}

/** A linked memory with no row: a finding unless its latest entry records its end. */
function goneFinding(id: number, entry: LedgerLink): LedgerFinding | undefined {
  if (ENDING_TYPES.has(entry.mutationType)) return undefined;
  return {
    kind: 'unrecorded-deletion',
    memoryId: id,
    detail: `last entry ${entry.id} is ${entry.mutationType}, but the row is gone`,
    recordedHash: entry.newHash,
  };
}

/** The memories' findings, unrecorded states then deletions, each by id; then the missing triggers. */
function inPrintOrder(findings: readonly LedgerFinding[], state: Pick<LedgerState, 'triggers' | 'triggerFaults'>): LedgerFinding[] {
  const unrecordedStates = findings.filter((finding) => finding.kind === 'unrecorded-state').sort(byId);
  const unrecordedDeletions = findings.filter((finding) => finding.kind === 'unrecorded-deletion').sort(byId);
  const unguarded = LEDGER_TRIGGERS.filter((name) => !state.triggers.includes(name)).map((name): LedgerFinding => {
    const fault = state.triggerFaults?.[name];
    if (fault === undefined) return { kind: 'unguarded-ledger', subject: name, detail: `trigger ${name} is missing` };
    const detail =
      fault.kind === 'not-a-guard'
        ? `trigger ${name} does not abort every ${LEDGER_TRIGGER_STATEMENT[name]} of mutation_ledger`
        : `the name ${name} is taken by ${fault.by}`;
    return { kind: 'unguarded-ledger', subject: name, detail, guardFault: fault };
  });
  return [...unrecordedStates, ...unrecordedDeletions, ...unguarded];
}

/** What detection needs of a map from memory ids: a Map, or for dense ids (memory ids usually are) an array. */
interface IdMap<T> {
  get(id: number): T | undefined;
  set(id: number, value: T): void;
  /** Forgets `id`, if set (entries() then skips it). */
  delete(id: number): void;
  /** Every id set and its value; in no particular order (findings are sorted by id). */
  entries(): Iterable<readonly [number, T]>;
}

/**
 * A map of the ids the state's entries link: an array indexed by id when every one is a small
 * non-negative integer, else a Map. Only those ids are ever set; any other (a row's id that no entry
 * links) is looked up or deleted as simply not there.
 */
function idMap<T>(state: LedgerState): IdMap<T> {
  let max = -1;
  let count = 0;
  for (const entry of state.entries) {
    count += entry.linkedMemoryIds.length;
    for (const id of entry.linkedMemoryIds) {
      if (!Number.isSafeInteger(id) || id < 0) return new Map<number, T>();
      if (id > max) max = id;
    }
  }
  if (max > 4 * count + 1024) return new Map<number, T>();
  const values = new Array<T | undefined>(max + 1);
  const inRange = (id: number): boolean => Number.isSafeInteger(id) && id >= 0 && id <= max;
  return {
    get: (id) => (inRange(id) ? values[id] : undefined),
    set: (id, value) => {
      values[id] = value;
    },
    delete: (id) => {
      if (inRange(id)) values[id] = undefined;
    },
    *entries() {
      for (let id = 0; id <= max; id += 1) {
        const value = values[id];
        if (value !== undefined) yield [id, value] as const;
      }
    },
  };
}
