import type { StepOutcome } from './step-outcome.js';

/** What an action knows about the attempt it is asked to make. Frozen: actions cannot steer the runner. */
export interface AttemptContext {
  readonly failureClass: string;
  readonly step: string;
  /** 1-based. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly attemptsLeft: number;
}

/**
 * The work of one step. A drill's action fails its first n attempts; a live action detects, repairs
 * or verifies; a command action runs a child process. It reports, it does not throw: a throw is
 * treated as a non-retryable failure by the runner so that nothing escapes unreported.
 */
export type StepAction = (context: AttemptContext) => StepOutcome | Promise<StepOutcome>;
