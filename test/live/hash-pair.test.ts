import { describe, expect, it } from 'vitest';
import { hashPair } from '../../src/live/hash-pair.js';
import { detectIndexDrift } from '../../src/live/index-drift/detect-index-drift.js';
import { file, rowFor, state } from './index-drift/index-drift-state-builder.js';

const H = '618015815b27a1c9e8d0f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7';

describe('hashPair', () => {
  it('cuts hashes that differ early to 12 characters, and shows none for a missing one', () => {
    expect(hashPair(H, `ff${H.slice(2)}`)).toEqual(['618015815b27', 'ff8015815b27']);
    expect(hashPair(null, H)).toEqual(['none', '618015815b27']);
    expect(hashPair(H, H)).toEqual(['618015815b27', '618015815b27']);
  });

  it('shows both in full, quoted, when the cut forms would look alike though the hashes differ', () => {
    expect(hashPair(`${H} `, H)).toEqual([`"${H} "`, `"${H}"`]);
    expect(hashPair(`${H.slice(0, -1)}8`, H)).toEqual([`"${H.slice(0, -1)}8"`, `"${H}"`]);
  });

  it("is what a stale row's finding shows (regression: a stored hash with a space read '618015815b27 != 618015815b27')", () => {
    const a = file('001-alpha', 'a.md');
    const [finding] = detectIndexDrift(state([a], [rowFor(1, a, { contentHash: `${a.contentHash} ` })])).findings;
    expect(finding?.detail).toBe(`hash "${a.contentHash} " != "${a.contentHash}"`);
  });
});
