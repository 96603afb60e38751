import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '../../src/core/retry-policy.js';
import { backoffAfterAttempt, retrySchedule } from '../../src/core/retry-schedule.js';

const policyArb = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 1000 }),
  backoffSeconds: fc.integer({ min: 0, max: 3600 }),
});

describe('retrySchedule', () => {
  it('N attempts mean N-1 waits, each the backoff', () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        const schedule = retrySchedule(policy);
        expect(schedule).toHaveLength(policy.maxAttempts - 1);
        expect(schedule.every((seconds) => seconds === policy.backoffSeconds)).toBe(true);
      }),
    );
  });

  it('agrees with backoffAfterAttempt: a wait after every attempt but the last, none after it', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 2000 }), (policy, extra) => {
        const waits = Array.from({ length: policy.maxAttempts - 1 }, (_, index) => backoffAfterAttempt(policy, index + 1));
        expect(waits).toEqual(retrySchedule(policy));
        expect(backoffAfterAttempt(policy, policy.maxAttempts)).toBeUndefined();
        expect(backoffAfterAttempt(policy, policy.maxAttempts + extra)).toBeUndefined();
      }),
    );
  });

  it('with the contract defaults: three attempts, two waits of 0', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, backoffSeconds: 0 });
    expect(retrySchedule(DEFAULT_RETRY_POLICY)).toEqual([0, 0]);
    expect(retrySchedule({ maxAttempts: 1, backoffSeconds: 60 })).toEqual([]);
  });
});
