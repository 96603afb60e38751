import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectIndexDrift } from '../../../src/live/index-drift/detect-index-drift.js';
import { ALWAYS_DELETABLE_ORPHANS, orphanAllowance, tooManyOrphans } from '../../../src/live/index-drift/orphan-allowance.js';
import { planIndexRepair, withheldOrphans } from '../../../src/live/index-drift/plan-index-repair.js';
import { file, rowFor, state } from './index-drift-state-builder.js';

describe('the orphan allowance', () => {
  it('is the share of the rows, and never fewer than the rows any heal may delete', () => {
    expect(orphanAllowance(1000, 0.5)).toBe(500);
    expect(orphanAllowance(101, 0.5)).toBe(50);
    expect(orphanAllowance(4, 0.5)).toBe(ALWAYS_DELETABLE_ORPHANS);
    expect(orphanAllowance(1000, 0)).toBe(ALWAYS_DELETABLE_ORPHANS);
  });

  it('is passed only by more orphans than it allows, and never when the share is 1', () => {
    expect(tooManyOrphans(500, 1000, 0.5)).toBe(false);
    expect(tooManyOrphans(501, 1000, 0.5)).toBe(true);
    expect(tooManyOrphans(10, 10, 0.5)).toBe(false);
    expect(tooManyOrphans(11, 12, 0.5)).toBe(true);
    expect(tooManyOrphans(1000, 1000, 1)).toBe(false);
  });
});

describe('planIndexRepair with the allowance', () => {
  /** `rows` rows, the first `gone` of them orphaned (their files gone), and one file not indexed yet. */
  function workspace(rows: number, gone: number) {
    const files = Array.from({ length: rows }, (_, index) => file(`f${index % 7}`, `m${index}.md`));
    const unindexed = file('f0', 'new.md');
    return state([...files.slice(gone), unindexed], files.map((record, index) => rowFor(index + 1, record)));
  }

  it('deletes every orphaned row or none, and none exactly when there are more than the allowance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (rows, share, goneSeed) => {
        const gone = goneSeed % (rows + 1);
        const input = workspace(rows, gone);
        const findings = detectIndexDrift(input).findings;
        const plan = planIndexRepair(input, findings, share);
        const deleted = plan.filter((operation) => operation.op === 'delete-row').length;
        const withheld = tooManyOrphans(gone, rows, share);
        expect(withheldOrphans(input, findings, share)).toHaveLength(withheld ? gone : 0);
        expect(deleted).toBe(withheld ? 0 : gone);
        // The rest of the repair is made either way: the unindexed file is inserted.
        expect(plan.filter((operation) => operation.op === 'insert-row')).toHaveLength(1);
      }),
    );
  });
});
