/**
 * How many times one step is tried and how long to wait between tries.
 * Unlike cockatiel's `maxAttempts`, ours counts attempts with the first one included: 1 means one call.
 */
export interface RetryPolicy {
  /** Attempts per step, the first included; at least 1. */
  readonly maxAttempts: number;
  /** Seconds to wait after a failed attempt before the next one; never after the last. */
  readonly backoffSeconds: number;
}

/** The bounds the CLI and the config enforce (the shell reference had none and ran on with a 20-digit bound). */
export const RETRY_LIMITS = {
  maxAttempts: 1000,
  backoffSeconds: 3600,
} as const;

/** The contract's defaults: three attempts, no wait. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 3, backoffSeconds: 0 });
