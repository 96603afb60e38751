import type { RetryPolicy } from './retry-policy.js';

/**
 * The waits, in seconds, between the attempts of one step that fails every time: `maxAttempts - 1`
 * entries, the backoff each. A pure function of the policy, so tests can check it without running anything.
 */
export function retrySchedule(policy: RetryPolicy): readonly number[] {
  return Array.from({ length: Math.max(0, policy.maxAttempts - 1) }, () => policy.backoffSeconds);
}

/** Seconds to wait after failed attempt `attempt` (1-based), or `undefined` when it was the last one. */
export function backoffAfterAttempt(policy: RetryPolicy, attempt: number): number | undefined {
  return attempt < policy.maxAttempts ? policy.backoffSeconds : undefined;
}
