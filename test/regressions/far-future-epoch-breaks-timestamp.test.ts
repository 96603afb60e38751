import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';

// Found by trying the largest SOURCE_DATE_EPOCH the tool accepted (8640000000000, the last instant a
// JavaScript Date holds): payloads then said "+010000-01-01T00:00:00Z", not the contract's form.
describe('SOURCE_DATE_EPOCH', () => {
  it('is taken up to 9999-12-31T23:59:59Z, the last instant the contract form can write', () => {
    const drill = runBin('heal-index-drift', [], { SOURCE_DATE_EPOCH: '253402300799' });
    expect(drill.status).toBe(0);
    expect(drill.stdout).toContain('"timestamp":"9999-12-31T23:59:59Z"');
  });

  it('is refused past it, as a usage error that changes nothing', () => {
    const drill = runBin('heal-index-drift', [], { SOURCE_DATE_EPOCH: '253402300800' });
    expect(drill.stderr).toBe('ERROR: SOURCE_DATE_EPOCH must be at most 253402300799 (got: 253402300800)\n');
    expect(drill.stdout).toBe('');
    expect(drill.status).toBe(2);
  });
});
