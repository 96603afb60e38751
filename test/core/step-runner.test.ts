import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../src/core/retry-policy.js';
import type { StepAction } from '../../src/core/step-action.js';
import { nonRetryableFailure, retryableFailure, succeeded } from '../../src/core/step-outcome.js';
import { runClass, type ClassRunPlan } from '../../src/core/step-runner.js';
import { formatTimestamp } from '../../src/core/timestamp.js';
import { fakeRunnerEnvironment } from '../support/fake-runner-environment.js';

const START = Date.UTC(2026, 1, 22);

const policyArb = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 50 }),
  backoffSeconds: fc.integer({ min: 0, max: 3600 }),
});

/** Counts calls per step so a test can say which steps ran and how often. */
function countingPlan(policy: RetryPolicy, actions: readonly StepAction[]): { plan: ClassRunPlan; calls: number[] } {
  const calls = actions.map(() => 0);
  const plan: ClassRunPlan = {
    failureClass: 'index-drift',
    owner: 'Engineering Lead',
    scenario: 'success',
    recoverySummary: 'index parity restored and verified',
    healthySummary: 'index matches the memory files',
    policy,
    steps: actions.map((action, index) => ({
      name: `step-${index}`,
      command: `command ${index}`,
      action: (context) => {
        calls[index] = (calls[index] ?? 0) + 1;
        return action(context);
      },
    })),
  };
  return { plan, calls };
}

const failsFirst = (k: number): StepAction => ({ attempt }) => (attempt <= k ? retryableFailure() : succeeded());
const passes: StepAction = () => succeeded();

describe('runClass with a step that fails every attempt', () => {
  it('makes exactly maxAttempts attempts and maxAttempts-1 sleeps of the backoff, none after the last', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, async (policy) => {
        const env = fakeRunnerEnvironment(START);
        const { plan, calls } = countingPlan(policy, [failsFirst(Number.MAX_SAFE_INTEGER), passes, passes]);
        const result = await runClass(plan, env);

        expect(result.outcome).toBe('escalated');
        expect(calls).toEqual([policy.maxAttempts, 0, 0]);
        expect(result.attempts).toHaveLength(policy.maxAttempts);
        expect(env.sleeps).toEqual(Array.from({ length: policy.maxAttempts - 1 }, () => policy.backoffSeconds));

        // Nothing happens after the last failed attempt but the escalation: no backoff, no sleep.
        const types = env.events.map((event) => event.type);
        expect(types.slice(-2)).toEqual(['attempt-ended', 'escalated']);
        expect(types.filter((type) => type === 'backoff')).toHaveLength(policy.maxAttempts - 1);
        // Each backoff sits between an attempt's end and the next attempt's start.
        types.forEach((type, index) => {
          if (type === 'backoff') {
            expect(types[index - 1]).toBe('attempt-ended');
            expect(types[index + 1]).toBe('attempt-started');
          }
        });

        // The sleeps happened in between: attempt i starts (i-1) backoffs after the first.
        result.attempts.forEach((record, index) => {
          expect(record.attempt).toBe(index + 1);
          expect(record.outcome).toBe('retryable-failure');
          expect(record.startedAt).toBe(formatTimestamp(START + index * policy.backoffSeconds * 1000));
        });

        const payload = JSON.parse(result.payload) as Record<string, unknown>;
        expect(payload).toMatchObject({
          event: 'ESCALATION',
          step: 'step-0',
          attempts: policy.maxAttempts,
          reason: 'bounded-retry-exhausted',
          command: 'command 0',
          timestamp: formatTimestamp(START + (policy.maxAttempts - 1) * policy.backoffSeconds * 1000),
        });
      }),
    );
  });
});

describe('runClass with a step that fails its first k attempts', () => {
  it('succeeds exactly when k < maxAttempts, after k+1 attempts and k sleeps', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 2 }), async (policy, k, failingStep) => {
        const env = fakeRunnerEnvironment(START);
        const actions = [passes, passes, passes];
        actions[failingStep] = failsFirst(k);
        const { plan, calls } = countingPlan(policy, actions);
        const result = await runClass(plan, env);

        if (k < policy.maxAttempts) {
          expect(result.outcome).toBe('recovered');
          expect(calls[failingStep]).toBe(k + 1);
          expect(calls.reduce((sum, count) => sum + count, 0)).toBe(k + 3);
          expect(env.sleeps).toEqual(Array.from({ length: k }, () => policy.backoffSeconds));
          expect(JSON.parse(result.payload)).toMatchObject({ event: 'RECOVERY_COMPLETE', summary: 'index parity restored and verified' });
        } else {
          expect(result.outcome).toBe('escalated');
          expect(calls[failingStep]).toBe(policy.maxAttempts);
          // Later steps never start once one escalates.
          expect(calls.slice(failingStep + 1).every((count) => count === 0)).toBe(true);
          expect(env.sleeps).toHaveLength(policy.maxAttempts - 1);
          expect(JSON.parse(result.payload)).toMatchObject({ step: `step-${failingStep}`, attempts: policy.maxAttempts });
        }
        // One journal record per attempt, one ACTION per attempt.
        const started = env.events.filter((event) => event.type === 'attempt-started');
        expect(result.attempts).toHaveLength(started.length);
        expect(result.attempts).toHaveLength(calls.reduce((sum, count) => sum + count, 0));
      }),
    );
  });
});

describe('runClass with failures no retry can cure', () => {
  it('a non-retryable failure escalates at once with reason non-retryable-error, whatever attempts remain', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, fc.nat(), fc.string(), async (policy, seed, message) => {
        const retryableBefore = seed % policy.maxAttempts;
        const env = fakeRunnerEnvironment(START);
        const action: StepAction = ({ attempt }) => (attempt <= retryableBefore ? retryableFailure() : nonRetryableFailure(message));
        const { plan, calls } = countingPlan(policy, [passes, action, passes]);
        const result = await runClass(plan, env);

        expect(result.outcome).toBe('escalated');
        expect(calls).toEqual([1, retryableBefore + 1, 0]);
        expect(env.sleeps).toHaveLength(retryableBefore);
        expect(env.events.at(-2)).toMatchObject({ type: 'attempt-ended', outcome: 'non-retryable-failure', message });
        expect(JSON.parse(result.payload)).toMatchObject({
          event: 'ESCALATION',
          step: 'step-1',
          attempts: retryableBefore + 1,
          reason: 'non-retryable-error',
          error: message,
        });
      }),
    );
  });

  it('an action that throws or rejects becomes a non-retryable failure after one attempt', async () => {
    const thrown = fc.oneof(
      fc.string().map((text) => ({ value: new Error(text) as unknown, message: text })),
      fc.string().map((text) => ({ value: text as unknown, message: text })),
      fc.integer().map((n) => ({ value: n as unknown, message: String(n) })),
    );
    await fc.assert(
      fc.asyncProperty(policyArb, thrown, fc.boolean(), async (policy, { value, message }, asynchronous) => {
        const env = fakeRunnerEnvironment(START);
        const action: StepAction = asynchronous
          ? () => Promise.reject(value)
          : () => {
              throw value;
            };
        const { plan, calls } = countingPlan(policy, [action, passes, passes]);
        const result = await runClass(plan, env);

        expect(result.outcome).toBe('escalated');
        expect(calls).toEqual([1, 0, 0]);
        expect(env.sleeps).toEqual([]);
        expect(result.attempts).toEqual([
          expect.objectContaining({ step: 'step-0', attempt: 1, outcome: 'non-retryable-failure', message }),
        ]);
        expect(JSON.parse(result.payload)).toMatchObject({ attempts: 1, reason: 'non-retryable-error', error: message });
      }),
    );
  });
});

describe('runClass endings', () => {
  it('a detect step that finds nothing ends healthy without repair or verify', async () => {
    const env = fakeRunnerEnvironment(START);
    const { plan, calls } = countingPlan({ maxAttempts: 3, backoffSeconds: 5 }, [
      () => ({ kind: 'success', nothingFound: true, extras: { event: 'overridden?', checked: 12 } }),
      passes,
      passes,
    ]);
    const result = await runClass(plan, env);
    expect(result.outcome).toBe('healthy');
    expect(calls).toEqual([1, 0, 0]);
    expect(result.payload).toBe(
      '{"event":"HEALTHY","failure_class":"index-drift","owner":"Engineering Lead","summary":"index matches the memory files","timestamp":"2026-02-22T00:00:00Z","checked":12}',
    );
  });

  it('emits run-started first and the ending event with the same payload it returns last', async () => {
    const env = fakeRunnerEnvironment(START);
    const { plan } = countingPlan({ maxAttempts: 2, backoffSeconds: 0 }, [failsFirst(1), passes, passes]);
    const result = await runClass(plan, env);
    expect(env.events[0]).toMatchObject({ type: 'run-started', failureClass: 'index-drift', scenario: 'success', maxAttempts: 2 });
    expect(env.events.at(-1)).toMatchObject({ type: 'recovered', payload: result.payload });
  });
});
