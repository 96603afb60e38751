import type { StepAction } from '../core/step-action.js';
import { retryableFailure, succeeded } from '../core/step-outcome.js';

/** The drill's simulated step: its first `failures` attempts are retryable failures, the rest pass. */
export function failFirstAttempts(failures: number): StepAction {
  return ({ attempt }) => (attempt <= failures ? retryableFailure() : succeeded());
}
