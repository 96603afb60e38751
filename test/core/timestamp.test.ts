import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../src/core/timestamp.js';

/** Years 0000 to 9999, where an ISO timestamp has four year digits. */
const epochMsArb = fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 });

describe('formatTimestamp', () => {
  it('is UTC to the second in the contract form, truncating milliseconds', () => {
    fc.assert(
      fc.property(epochMsArb, (ms) => {
        const text = formatTimestamp(ms);
        expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(Date.parse(text)).toBe(Math.floor(ms / 1000) * 1000);
      }),
    );
  });

  it('gives every instant within one second the same text', () => {
    fc.assert(
      fc.property(epochMsArb, fc.integer({ min: 0, max: 999 }), (ms, offset) => {
        const second = Math.floor(ms / 1000) * 1000;
        expect(formatTimestamp(second + offset)).toBe(formatTimestamp(second));
      }),
    );
  });

  it('prints the contract example and the epoch', () => {
    expect(formatTimestamp(1_771_718_400_000)).toBe('2026-02-22T00:00:00Z');
    expect(formatTimestamp(1_771_718_400_999)).toBe('2026-02-22T00:00:00Z');
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatTimestamp(-1)).toBe('1969-12-31T23:59:59Z');
  });
});
