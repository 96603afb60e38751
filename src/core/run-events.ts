import type { StepDetails, StepOutcome } from './step-outcome.js';

/**
 * What the step runner reports, in order. Renderers turn these into the contract's pipe-delimited
 * lines or into NDJSON; the runner itself never prints.
 */
export type RunEvent =
  | {
      readonly type: 'run-started';
      readonly failureClass: string;
      readonly scenario: string;
      readonly maxAttempts: number;
      readonly timestamp: string;
    }
  | {
      readonly type: 'attempt-started';
      readonly failureClass: string;
      readonly step: string;
      readonly attempt: number;
      readonly maxAttempts: number;
      readonly command: string;
      readonly timestamp: string;
    }
  | {
      readonly type: 'attempt-ended';
      readonly failureClass: string;
      readonly step: string;
      readonly attempt: number;
      readonly maxAttempts: number;
      readonly command: string;
      readonly outcome: StepOutcome['kind'];
      readonly details: StepDetails;
      readonly message?: string;
      readonly timestamp: string;
    }
  | {
      readonly type: 'backoff';
      readonly failureClass: string;
      readonly step: string;
      readonly attempt: number;
      readonly command: string;
      readonly seconds: number;
      readonly timestamp: string;
    }
  | {
      readonly type: 'escalated' | 'recovered' | 'healthy';
      readonly failureClass: string;
      /** The payload line, already serialised: renderers print it unchanged. */
      readonly payload: string;
      readonly timestamp: string;
    };

export type RunEventType = RunEvent['type'];
