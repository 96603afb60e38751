import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectLedgerMismatch, detectLedgerMismatchAfterAppend, type LedgerState } from '../../../src/live/ledger-mismatch/detect-ledger-mismatch.js';
import { planLedgerRepair } from '../../../src/live/ledger-mismatch/plan-ledger-repair.js';
import { deletionHash } from '../../../src/live/ledger-hashes.js';
import { LEDGER_TRIGGERS, MUTATION_TYPES, type LedgerEntry, type LedgerLink } from '../../../src/workspace/ledger-entry.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const H3 = 'c'.repeat(64);
const OP = 'f'.repeat(64);

let nextEntryId = 1;
function entry(mutationType: string, linkedMemoryIds: number[], newHash: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    id: nextEntryId++,
    timestamp: '2026-01-01T00:00:00.000Z',
    mutationType,
    reason: 'test',
    priorHash: null,
    newHash,
    linkedMemoryIds,
    decisionMeta: null,
    actor: 'memory-server',
    sessionId: null,
    ...overrides,
  };
}

function ledgerState(rows: Array<[number, string | null]>, entries: LedgerEntry[], triggers: readonly string[] = LEDGER_TRIGGERS): LedgerState {
  return { rows: rows.map(([id, contentHash]) => ({ id, contentHash, sessionId: `ses_${id}` })), entries, triggers: [...triggers] };
}

describe('detectLedgerMismatch', () => {
  it('finds nothing when each row\'s latest entry carries its hash and each gone memory ends in a delete', () => {
    const entries = [entry('create', [1], H1), entry('create', [2], H3), entry('update', [2], H2), entry('create', [3], H1), entry('delete', [3], OP)];
    expect(detectLedgerMismatch(ledgerState([[1, H1], [2, H2]], entries))).toEqual([]);
  });

  it('reports a row no entry links as an unrecorded state', () => {
    expect(detectLedgerMismatch(ledgerState([[1, H1]], []))).toEqual([
      { kind: 'unrecorded-state', memoryId: 1, detail: 'no ledger entry links this memory', recordedHash: null, currentHash: H1 },
    ]);
  });

  it('reports a row whose latest linking entry carries another hash, with what the ledger last recorded', () => {
    const create = entry('create', [1], H1);
    expect(detectLedgerMismatch(ledgerState([[1, H2]], [create]))).toEqual([
      { kind: 'unrecorded-state', memoryId: 1, detail: `ledger has ${H1.slice(0, 12)} (entry ${create.id}), row has ${H2.slice(0, 12)}`, recordedHash: H1, currentHash: H2 },
    ]);
  });

  it('takes the latest entry by ledger id, whatever order the entries come in', () => {
    const create = entry('create', [1], H1);
    const update = entry('update', [1], H2);
    expect(detectLedgerMismatch(ledgerState([[1, H2]], [update, create]))).toEqual([]);
    expect(detectLedgerMismatch(ledgerState([[1, H1]], [update, create])).map((finding) => finding.kind)).toEqual(['unrecorded-state']);
  });

  it('matches a row with no hash to an entry with an empty hash', () => {
    expect(detectLedgerMismatch(ledgerState([[1, null]], [entry('reindex', [1], '')]))).toEqual([]);
  });

  it('reports a linked memory whose row is gone without a delete, merge or archive after its last entry', () => {
    const create = entry('create', [4], H1);
    expect(detectLedgerMismatch(ledgerState([], [create]))).toEqual([
      { kind: 'unrecorded-deletion', memoryId: 4, detail: `last entry ${create.id} is create, but the row is gone`, recordedHash: H1 },
    ]);
    for (const ending of ['delete', 'merge', 'archive']) {
      expect(detectLedgerMismatch(ledgerState([], [entry('create', [4], H1), entry(ending, [4], OP)]))).toEqual([]);
    }
  });

  it('reports a deletion whose memory was restored afterwards and is gone again', () => {
    const entries = [entry('create', [4], H1), entry('delete', [4], OP), entry('restore', [4], H1)];
    expect(detectLedgerMismatch(ledgerState([], entries)).map((finding) => `${finding.kind}:${finding.memoryId}`)).toEqual(['unrecorded-deletion:4']);
  });

  it('counts a bulk entry that links many ids with an operation hash as recording each one\'s deletion', () => {
    const ids = Array.from({ length: 50 }, (_, n) => n + 10);
    const entries = [...ids.map((id) => entry('create', [id], H1)), entry('archive', ids, OP)];
    expect(detectLedgerMismatch(ledgerState([], entries))).toEqual([]);
    // A merge's surviving row is still judged by its hash: the operation hash is not its content.
    const merged = [...ids.map((id) => entry('create', [id], H1)), entry('merge', ids, OP)];
    expect(detectLedgerMismatch(ledgerState([[10, H1]], merged)).map((finding) => `${finding.kind}:${finding.memoryId}`)).toEqual(['unrecorded-state:10']);
  });

  it('reports an id a bulk entry linked and a later entry touched again, if its row is gone', () => {
    const entries = [entry('create', [1], H1), entry('create', [2], H1), entry('delete', [1, 2], OP), entry('update', [2], H2)];
    expect(detectLedgerMismatch(ledgerState([], entries)).map((finding) => `${finding.kind}:${finding.memoryId}`)).toEqual(['unrecorded-deletion:2']);
  });

  it('reports each missing append-only trigger by name, in the fixed order', () => {
    expect(detectLedgerMismatch(ledgerState([], [], []))).toEqual([
      { kind: 'unguarded-ledger', subject: 'prevent_ledger_update', detail: 'trigger prevent_ledger_update is missing' },
      { kind: 'unguarded-ledger', subject: 'prevent_ledger_delete', detail: 'trigger prevent_ledger_delete is missing' },
    ]);
    expect(detectLedgerMismatch(ledgerState([], [], ['prevent_ledger_update'])).map((finding) => finding.subject)).toEqual(['prevent_ledger_delete']);
  });

  it('orders unrecorded states, then deletions, then triggers, each by id', () => {
    const entries = [entry('create', [9], H1), entry('create', [3], H1), entry('create', [7], H1), entry('create', [5], H1)];
    const findings = detectLedgerMismatch(ledgerState([[8, H1], [2, H1], [7, H2], [5, H1]], entries, ['prevent_ledger_delete']));
    expect(findings.map((finding) => `${finding.kind}:${finding.memoryId ?? finding.subject}`)).toEqual([
      'unrecorded-state:2',
      'unrecorded-state:7',
      'unrecorded-state:8',
      'unrecorded-deletion:3',
      'unrecorded-deletion:9',
      'unguarded-ledger:prevent_ledger_update',
    ]);
  });
});

describe('detectLedgerMismatch over any ids', () => {
  const ids = fc.integer({ min: 0, max: 30 });
  const links = fc.array(
    fc.record({
      id: fc.integer({ min: 1, max: 1_000 }),
      mutationType: fc.constantFrom(...MUTATION_TYPES),
      newHash: fc.constantFrom(H1, H2, ''),
      linkedMemoryIds: fc.array(ids, { maxLength: 3 }),
    }),
    { maxLength: 25 },
  );
  // Rows may share an id: a server table whose key is not the rowid can hold repeats.
  const rowList = fc.array(fc.record({ id: ids, contentHash: fc.constantFrom(H1, H2, null), sessionId: fc.constant(null) }), { maxLength: 20 });

  it('judges ids far apart (looked up in a Map) as it judges small ones (looked up in an array)', () => {
    const FAR = 2 ** 40;
    fc.assert(
      fc.property(rowList, links, (rows, entries) => {
        const state: LedgerState = { rows, entries, triggers: [...LEDGER_TRIGGERS] };
        const far: LedgerState = {
          rows: rows.map((row) => ({ ...row, id: row.id * FAR })),
          entries: entries.map((link) => ({ ...link, linkedMemoryIds: link.linkedMemoryIds.map((id) => id * FAR) })),
          triggers: [...LEDGER_TRIGGERS],
        };
        const back = detectLedgerMismatch(far).map((finding) => ({ ...finding, memoryId: (finding.memoryId as number) / FAR }));
        expect(back).toEqual(detectLedgerMismatch(state));
      }),
    );
  });

  it('judges each of two rows that share an id by that id\'s latest entry, and neither as gone', () => {
    const create = entry('create', [1], H1);
    const state = ledgerState([[1, H1], [1, H2], [1, H1]], [create]);
    expect(detectLedgerMismatch(state).map((finding) => `${finding.kind}:${finding.memoryId}:${finding.currentHash}`)).toEqual([`unrecorded-state:1:${H2}`]);
    const far = ledgerState([[2 ** 40, H2], [2 ** 40, H2]], [entry('create', [2 ** 40], H1)]);
    expect(detectLedgerMismatch(far).map((finding) => finding.kind)).toEqual(['unrecorded-state', 'unrecorded-state']);
  });
});

describe('detectLedgerMismatch with row ids the entries never link', () => {
  it('judges a row whose id lies beyond every linked id, or is not an id at all, as unrecorded, and no entry as gone', () => {
    // The entries' ids are small (an array holds them); the rows' odd ids are looked up and dropped all the same.
    const entries = [entry('create', [1], H1), entry('create', [2], H2), entry('delete', [2], OP)];
    const state = ledgerState([[1, H1], [2 ** 40, H1], [-3, H2], [0.5, H1]], entries);
    expect(detectLedgerMismatch(state).map((finding) => `${finding.kind}:${finding.memoryId}`)).toEqual([
      'unrecorded-state:-3',
      'unrecorded-state:0.5',
      `unrecorded-state:${2 ** 40}`,
    ]);
  });
});

describe('detectLedgerMismatchAfterAppend', () => {
  /** Entries as gaps between ids and what each links; a few hashes, so that some match. */
  const entryDrafts = fc.array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      mutationType: fc.constantFrom(...MUTATION_TYPES),
      newHash: fc.constantFrom(H1, H2, H3, ''),
      linkedMemoryIds: fc.array(fc.integer({ min: 0, max: 24 }), { maxLength: 3 }),
    }),
    { maxLength: 30 },
  );
  type EntryDraft = { gap: number } & Omit<LedgerLink, 'id'>;
  /** The drafts as entries with ascending ids after `lastId`, as a read ORDER BY id gives them. */
  const withIds = (drafts: readonly EntryDraft[], lastId: number): LedgerLink[] =>
    drafts.map(({ gap, ...link }) => ({ id: (lastId += gap), ...link }));
  const rows = fc.uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 24 }), contentHash: fc.constantFrom(H1, H2, H3, null), sessionId: fc.constant(null) }), {
    selector: (row) => row.id,
    maxLength: 20,
  });
  const triggers = fc.subarray([...LEDGER_TRIGGERS]);

  it('gives exactly what judging the whole state gives, for any entries appended after the earlier ones', () => {
    fc.assert(
      fc.property(rows, entryDrafts, entryDrafts, triggers, triggers, (rowList, draftsBefore, draftsAppended, triggersBefore, triggersAfter) => {
        const before = withIds(draftsBefore, 0);
        const earlier: LedgerState = { rows: rowList, entries: before, triggers: triggersBefore };
        const appended = withIds(draftsAppended, before[before.length - 1]?.id ?? 0);
        const state: LedgerState = { rows: rowList, entries: [...before, ...appended], triggers: triggersAfter };
        expect(detectLedgerMismatchAfterAppend({ state: earlier, findings: detectLedgerMismatch(earlier) }, state)).toEqual(detectLedgerMismatch(state));
      }),
    );
  });

  it('declines a state that is not the earlier one with entries appended: the caller judges it whole', () => {
    const rowList = [{ id: 1, contentHash: H1, sessionId: null }];
    const before: LedgerLink[] = [{ id: 5, mutationType: 'create', newHash: H1, linkedMemoryIds: [1] }];
    const earlier: LedgerState = { rows: rowList, entries: before, triggers: [...LEDGER_TRIGGERS] };
    const judged = { state: earlier, findings: detectLedgerMismatch(earlier) };
    const later: LedgerLink = { id: 6, mutationType: 'update', newHash: H2, linkedMemoryIds: [1] };
    const declined: Array<[string, LedgerState]> = [
      ['other rows (another array, even of the same rows)', { ...earlier, rows: [...rowList], entries: [...before, later] }],
      ['an earlier entry replaced', { ...earlier, entries: [{ ...before[0] as LedgerLink }, later] }],
      ['fewer entries', { ...earlier, entries: [] }],
      ['an added entry whose id is not above the earlier ones', { ...earlier, entries: [...before, { ...later, id: 5 }] }],
    ];
    for (const [what, state] of declined) expect(detectLedgerMismatchAfterAppend(judged, state), what).toBeUndefined();
    expect(detectLedgerMismatchAfterAppend(judged, { ...earlier, entries: [...before, later] })?.map((finding) => finding.memoryId)).toEqual([1]);
  });
});

describe('planLedgerRepair', () => {
  const origin = { failureClass: 'ledger-mismatch', step: 'replay-ledger' };

  it('appends a reindex per unrecorded state, a delete per unrecorded deletion, and recreates the missing triggers', () => {
    const entries = [entry('create', [1], H1), entry('create', [4], H3)];
    const state = ledgerState([[1, H2], [2, H3]], entries, ['prevent_ledger_delete']);
    const plan = planLedgerRepair(detectLedgerMismatch(state), origin, new Map([[1, 'ses_1'], [2, null]]));
    const meta = (fault: string) => ({ tool: 'opsheal', failure_class: 'ledger-mismatch', step: 'replay-ledger', fault });
    expect(plan.entries).toEqual([
      { mutationType: 'reindex', reason: 'opsheal ledger-mismatch: recorded the index row state the ledger was missing', priorHash: H1, newHash: H2, linkedMemoryIds: [1], decisionMeta: meta('unrecorded-state'), sessionId: 'ses_1' },
      { mutationType: 'reindex', reason: 'opsheal ledger-mismatch: recorded the index row state the ledger was missing', priorHash: null, newHash: H3, linkedMemoryIds: [2], decisionMeta: meta('unrecorded-state'), sessionId: null },
      { mutationType: 'delete', reason: 'opsheal ledger-mismatch: recorded the deletion of a memory whose row is gone', priorHash: H3, newHash: deletionHash(4, H3), linkedMemoryIds: [4], decisionMeta: meta('unrecorded-deletion'), sessionId: null },
    ]);
    expect(plan.triggers).toEqual(['prevent_ledger_update']);
    expect(plan.changes.map((change) => change.action)).toEqual(['append-reindex-entry', 'append-reindex-entry', 'append-delete-entry', 'recreate-trigger']);
  });

  it('plans nothing when nothing was found', () => {
    expect(planLedgerRepair([], origin, new Map())).toEqual({ entries: [], triggers: [], changes: [] });
  });

  it('records a state whose row has no hash with an empty new hash (the column is NOT NULL)', () => {
    const plan = planLedgerRepair(detectLedgerMismatch(ledgerState([[1, null]], [])), origin, new Map());
    expect(plan.entries[0]).toMatchObject({ priorHash: null, newHash: '' });
  });

  it('gives each deleted memory its own operation hash', () => {
    expect(deletionHash(4, H1)).not.toBe(deletionHash(5, H1));
    expect(deletionHash(4, H1)).not.toBe(deletionHash(4, H2));
    expect(deletionHash(4, null)).toMatch(/^[0-9a-f]{64}$/);
  });
});
