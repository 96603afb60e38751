import { describe, expect, it } from 'vitest';
import { detectIndexDrift } from '../../../src/live/index-drift/detect-index-drift.js';
import { rememberedIndexDrift } from '../../../src/live/index-drift/remembered-detection.js';
import { file, rowFor, state } from './index-drift-state-builder.js';

describe('rememberedIndexDrift', () => {
  const files = [file('001-a', 'one.md'), file('001-a', 'two.md')];
  const rows = [rowFor(1, files[0]!)];

  it('gives detectIndexDrift\'s answer, and the very same answer again for the very same inputs', () => {
    const first = state(files, rows);
    const result = rememberedIndexDrift(first);
    expect(result).toEqual(detectIndexDrift(first));
    expect(result.findings.map((finding) => finding.kind)).toEqual(['missing']);
    // A new state object over the same input values: the remembered answer.
    expect(rememberedIndexDrift({ ...first })).toBe(result);
  });

  it('compares again when any input is another value, even an equal one', () => {
    const first = state(files, rows);
    const result = rememberedIndexDrift(first);
    const variants = [
      { ...first, rows: [...rows] },
      { ...first, unreadable: [] },
      { ...first, ftsIndexedIds: [1] },
      { ...first, vectorIds: [1] },
      { ...first, ftsIntegrityOk: false },
      { ...first, workspaceRoot: '/elsewhere' },
    ];
    for (const variant of variants) {
      const again = rememberedIndexDrift(variant);
      expect(again).not.toBe(result);
      expect(again).toEqual(detectIndexDrift(variant));
    }
    // The rows changed (a repair committed): the answer follows them.
    const healed = state(files, [...rows, rowFor(2, files[1]!)]);
    expect(rememberedIndexDrift(healed).findings).toEqual([]);
  });
});
