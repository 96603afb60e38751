import type { RetryPolicy } from '../core/retry-policy.js';
import { RETRY_LIMITS } from '../core/retry-policy.js';
import type { CommandLine, OptionKind } from './command-line.js';
import { checkAtLeast, checkAtMost, parseUnsigned } from './unsigned-option.js';
import { UsageError } from '../core/usage-error.js';

export type Scenario = 'success' | 'escalate';

/** A healer's drill settings after validation. */
export interface DrillOptions {
  readonly scenario: Scenario;
  readonly policy: RetryPolicy;
  readonly detectFailures: number;
  readonly repairFailures: number;
  readonly verifyFailures: number;
}

/** The most failures a drill may inject into one step. */
export const MAX_INJECTED_FAILURES = 1_000_000;

/** The retry options every running command shares (drills, `heal`). */
export const RETRY_OPTIONS: Readonly<Record<string, OptionKind>> = {
  'max-attempts': 'value',
  'backoff-seconds': 'value',
};

/** The contract's healer options, plus `--json`. */
export const DRILL_OPTIONS: Readonly<Record<string, OptionKind>> = {
  scenario: 'value',
  ...RETRY_OPTIONS,
  'detect-failures': 'value',
  'repair-failures': 'value',
  'verify-failures': 'value',
  json: 'flag',
};

/**
 * Validates the retry options in the contract's order: both unsigned checks, then max_attempts >= 1,
 * then the bounds. Defaults: 3 attempts, no backoff.
 */
export function readRetryPolicy(line: CommandLine, defaults: RetryPolicy = { maxAttempts: 3, backoffSeconds: 0 }): RetryPolicy {
  const rawAttempts = line.values.get('max-attempts') ?? String(defaults.maxAttempts);
  const rawBackoff = line.values.get('backoff-seconds') ?? String(defaults.backoffSeconds);
  const maxAttempts = parseUnsigned('max_attempts', rawAttempts);
  const backoffSeconds = parseUnsigned('backoff_seconds', rawBackoff);
  checkAtLeast('max_attempts', maxAttempts, 1);
  checkAtMost('max_attempts', rawAttempts, maxAttempts, RETRY_LIMITS.maxAttempts);
  checkAtMost('backoff_seconds', rawBackoff, backoffSeconds, RETRY_LIMITS.backoffSeconds);
  return { maxAttempts, backoffSeconds };
}

/** Validates a healer's drill options in the contract's order; the scenario is checked last. */
export function readDrillOptions(line: CommandLine): DrillOptions {
  const policy = readRetryPolicy(line);
  const failures = (['detect', 'repair', 'verify'] as const).map((phase) => {
    const raw = line.values.get(`${phase}-failures`) ?? (phase === 'detect' ? '1' : '0');
    const value = parseUnsigned(`${phase}_failures`, raw);
    checkAtMost(`${phase}_failures`, raw, value, MAX_INJECTED_FAILURES);
    return value;
  });
  const scenario = line.values.get('scenario') ?? 'success';
  if (scenario !== 'success' && scenario !== 'escalate') {
    throw new UsageError('scenario must be success or escalate');
  }
  // The escalate scenario makes every step fail every attempt, whatever the flags said.
  const [detectFailures, repairFailures, verifyFailures] =
    scenario === 'escalate' ? [policy.maxAttempts, policy.maxAttempts, policy.maxAttempts] : (failures as [number, number, number]);
  return { scenario, policy, detectFailures, repairFailures, verifyFailures };
}
