import { escalationPayload, healthyPayload, recoveryPayload } from './payloads.js';
import type { RetryPolicy } from './retry-policy.js';
import { backoffAfterAttempt } from './retry-schedule.js';
import type { RunEvent } from './run-events.js';
import type { AttemptContext, StepAction } from './step-action.js';
import { nonRetryableFailure, type StepOutcome } from './step-outcome.js';
import { formatTimestamp } from './timestamp.js';

/** One step as the runner sees it: a name, the command it names on the ACTION line, and its work. */
export interface RunnableStep {
  readonly name: string;
  readonly command: string;
  readonly action: StepAction;
}

/** One class's run: who owns it, what to say on recovery, and its steps in order. */
export interface ClassRunPlan {
  readonly failureClass: string;
  readonly owner: string;
  /** The STATE line's `scenario=` label: `success`, `escalate`, or `live` for real healing. */
  readonly scenario: string;
  readonly recoverySummary: string;
  readonly healthySummary: string;
  readonly steps: readonly RunnableStep[];
  readonly policy: RetryPolicy;
}

/** The world the runner may touch, passed in so drills and tests run in virtual time. */
export interface RunnerEnvironment {
  /** Milliseconds since 1970. */
  readonly now: () => number;
  readonly sleep: (seconds: number) => Promise<void>;
  readonly emit: (event: RunEvent) => void;
}

/** How a run ended. Usage errors never reach the runner. */
export type RunOutcome = 'recovered' | 'healthy' | 'escalated';

/** The journal's record of one attempt. */
export interface AttemptRecord {
  readonly step: string;
  readonly attempt: number;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: StepOutcome['kind'];
  readonly message?: string;
}

export interface RunResult {
  readonly outcome: RunOutcome;
  readonly payload: string;
  readonly attempts: readonly AttemptRecord[];
}

/**
 * Runs a class's steps in order, each up to `policy.maxAttempts` times with the backoff between
 * attempts (never after the last). A retryable failure on the last attempt, or any non-retryable
 * failure, escalates; a detect step that finds nothing ends the run healthy; the last step passing
 * ends it recovered. Failures are recorded, never thrown.
 */
export async function runClass(plan: ClassRunPlan, env: RunnerEnvironment): Promise<RunResult> {
  const stamp = (): string => formatTimestamp(env.now());
  const journal: AttemptRecord[] = [];
  const { failureClass, policy } = plan;
  env.emit({ type: 'run-started', failureClass, scenario: plan.scenario, maxAttempts: policy.maxAttempts, timestamp: stamp() });

  for (const [stepIndex, step] of plan.steps.entries()) {
    for (let attempt = 1; ; attempt++) {
      const startedAt = stamp();
      env.emit({ type: 'attempt-started', failureClass, step: step.name, attempt, maxAttempts: policy.maxAttempts, command: step.command, timestamp: startedAt });
      const context: AttemptContext = Object.freeze({
        failureClass,
        step: step.name,
        attempt,
        maxAttempts: policy.maxAttempts,
        attemptsLeft: policy.maxAttempts - attempt,
      });
      const outcome = await attemptSafely(step.action, context);
      const endedAt = stamp();
      const message = outcome.kind === 'success' ? undefined : outcome.message;
      journal.push({ step: step.name, attempt, startedAt, endedAt, outcome: outcome.kind, ...(message !== undefined ? { message } : {}) });
      env.emit({
        type: 'attempt-ended',
        failureClass,
        step: step.name,
        attempt,
        maxAttempts: policy.maxAttempts,
        command: step.command,
        outcome: outcome.kind,
        details: outcome.details ?? {},
        ...(message !== undefined ? { message } : {}),
        timestamp: endedAt,
      });

      if (outcome.kind === 'success') {
        if (stepIndex === 0 && outcome.nothingFound) {
          return finish(env, journal, 'healthy', failureClass, healthyPayload(
            { failureClass, owner: plan.owner, summary: plan.healthySummary, timestamp: endedAt }, outcome.extras));
        }
        break;
      }
      const wait = outcome.kind === 'retryable-failure' ? backoffAfterAttempt(policy, attempt) : undefined;
      if (wait === undefined) {
        const payload = escalationPayload(
          {
            failureClass,
            step: step.name,
            attempts: attempt,
            owner: plan.owner,
            reason: outcome.kind === 'retryable-failure' ? 'bounded-retry-exhausted' : 'non-retryable-error',
            command: step.command,
            timestamp: endedAt,
          },
          { ...(outcome.message !== undefined ? { error: outcome.message } : {}), ...outcome.extras },
        );
        return finish(env, journal, 'escalated', failureClass, payload);
      }
      env.emit({ type: 'backoff', failureClass, step: step.name, attempt, command: step.command, seconds: wait, timestamp: endedAt });
      await env.sleep(wait);
    }
  }
  const payload = recoveryPayload({ failureClass, owner: plan.owner, summary: plan.recoverySummary, timestamp: stamp() });
  return finish(env, journal, 'recovered', failureClass, payload);
}

function finish(env: RunnerEnvironment, attempts: AttemptRecord[], outcome: RunOutcome, failureClass: string, payload: string): RunResult {
  const type = outcome === 'recovered' ? 'recovered' : outcome === 'healthy' ? 'healthy' : 'escalated';
  env.emit({ type, failureClass, payload, timestamp: formatTimestamp(env.now()) });
  return { outcome, payload, attempts };
}

async function attemptSafely(action: StepAction, context: AttemptContext): Promise<StepOutcome> {
  try {
    return await action(context);
  } catch (error) {
    // An action is meant to report, not throw; one that throws has hit something it did not expect,
    // and retrying the unexpected is a guess, so it escalates at once with what it said.
    return nonRetryableFailure(error instanceof Error ? error.message : String(error));
  }
}
