/**
 * Counts or labels an action reports about its attempt, printed as `key=value` on the OK and WARN
 * lines (`missing=3 orphaned=1`). Insertion order is the print order.
 */
export type StepDetails = Readonly<Record<string, string | number>>;

/** Extra fields an action adds to an escalation payload, after the contract's fields. */
export type EscalationExtras = Readonly<Record<string, unknown>>;

/** What one attempt of a step came to. Actions return this rather than throwing. */
export type StepOutcome =
  | {
      readonly kind: 'success';
      readonly details?: StepDetails;
      /** Only meaningful for a detect step: nothing was found, so the run ends healthy without repair or verify. */
      readonly nothingFound?: boolean;
      /** Extra fields for the HEALTHY payload when `nothingFound` is set. */
      readonly extras?: EscalationExtras;
    }
  | {
      readonly kind: 'retryable-failure' | 'non-retryable-failure';
      readonly details?: StepDetails;
      /** One line saying what went wrong, for the WARN line and the escalation payload. */
      readonly message?: string;
      /** What a person must look at if this failure ends in an escalation. */
      readonly extras?: EscalationExtras;
    };

export type FailureOutcome = Extract<StepOutcome, { kind: 'retryable-failure' | 'non-retryable-failure' }>;

/** A passing attempt. */
export function succeeded(details?: StepDetails): StepOutcome {
  return details ? { kind: 'success', details } : { kind: 'success' };
}

/** A failure that another attempt may cure (busy database, flaky command, drift still present). */
export function retryableFailure(message?: string, details?: StepDetails, extras?: EscalationExtras): FailureOutcome {
  return withOptional({ kind: 'retryable-failure' }, message, details, extras);
}

/** A failure no retry can cure (not a database, permission denied): the run escalates at once. */
export function nonRetryableFailure(message?: string, details?: StepDetails, extras?: EscalationExtras): FailureOutcome {
  return withOptional({ kind: 'non-retryable-failure' }, message, details, extras);
}

function withOptional(
  base: { kind: FailureOutcome['kind'] },
  message: string | undefined,
  details: StepDetails | undefined,
  extras: EscalationExtras | undefined,
): FailureOutcome {
  return {
    ...base,
    ...(message !== undefined ? { message } : {}),
    ...(details !== undefined ? { details } : {}),
    ...(extras !== undefined ? { extras } : {}),
  };
}
