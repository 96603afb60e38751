import { describe, expect, it } from 'vitest';
import { detectLedgerMismatch, type LedgerState } from '../../../src/live/ledger-mismatch/detect-ledger-mismatch.js';
import { rememberedLedgerMismatch } from '../../../src/live/ledger-mismatch/remembered-detection.js';
import { LEDGER_TRIGGERS, type LedgerLink } from '../../../src/workspace/ledger-entry.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

function link(id: number, linkedMemoryIds: number[], newHash: string): LedgerLink {
  return { id, mutationType: 'create', newHash, linkedMemoryIds };
}

describe('rememberedLedgerMismatch', () => {
  const rows = [{ id: 1, contentHash: H1, sessionId: 'ses_1' }, { id: 2, contentHash: H2, sessionId: 'ses_2' }];
  const entries = [link(1, [1], H1)];
  const state = (): LedgerState => ({ rows, entries, triggers: [...LEDGER_TRIGGERS] });

  it('gives detectLedgerMismatch\'s answer, and the very same answer for the same rows, entries and trigger names', () => {
    const first = state();
    const result = rememberedLedgerMismatch(first);
    expect(result).toEqual(detectLedgerMismatch(first));
    expect(result.map((finding) => [finding.kind, finding.memoryId, finding.currentHash])).toEqual([['unrecorded-state', 2, H2]]);
    // The triggers are read again for every state: a new array of the same names is the same input.
    expect(rememberedLedgerMismatch(state())).toBe(result);
  });

  it('judges again when the rows or entries are another value, or the triggers differ', () => {
    const result = rememberedLedgerMismatch(state());
    const variants: LedgerState[] = [
      { ...state(), rows: [...rows] },
      { ...state(), entries: [...entries, link(2, [2], H2)] },
      { ...state(), triggers: [LEDGER_TRIGGERS[0] as string] },
      { ...state(), triggers: [...LEDGER_TRIGGERS].reverse() },
    ];
    for (const variant of variants) {
      const again = rememberedLedgerMismatch(variant);
      expect(again).not.toBe(result);
      expect(again).toEqual(detectLedgerMismatch(variant));
    }
    expect(rememberedLedgerMismatch(variants[1] as LedgerState)).toEqual([]);
  });

  it('judges a state that only appends entries from the last one\'s findings: the untouched memories\' findings carry over as they were', () => {
    const threeRows = [...rows, { id: 3, contentHash: H1, sessionId: null }];
    const first: LedgerState = { rows: threeRows, entries, triggers: [...LEDGER_TRIGGERS] };
    const before = rememberedLedgerMismatch(first);
    expect(before.map((finding) => finding.memoryId)).toEqual([2, 3]);
    // A replay recorded memory 3 (the verify's state): memory 2's finding is the very object judged before.
    const appended: LedgerState = { ...first, entries: [...entries, link(2, [3], H1)] };
    const after = rememberedLedgerMismatch(appended);
    expect(after).toEqual(detectLedgerMismatch(appended));
    expect(after).toHaveLength(1);
    expect(after[0]).toBe(before[0]);
  });
});
