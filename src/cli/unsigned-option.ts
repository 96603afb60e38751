import { displayValue } from './display-value.js';
import { UsageError } from '../core/usage-error.js';

/**
 * Checks that `raw` is a plain decimal unsigned integer and returns its value. `08` is 8 (the
 * reference read it as octal and choked). `field` is the name the messages use, e.g. `max_attempts`.
 */
export function parseUnsigned(field: string, raw: string): number {
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`${field} must be an unsigned integer (got: ${displayValue(raw)})`);
  // Digits beyond what a double holds exactly still compare correctly against the small bounds.
  return Number(raw);
}

/** Fails with the contract's wording when `value` is above `max`. */
export function checkAtMost(field: string, raw: string, value: number, max: number): void {
  if (value > max) throw new UsageError(`${field} must be at most ${max} (got: ${displayValue(raw)})`);
}

/** Fails when `value` is below `min`. */
export function checkAtLeast(field: string, value: number, min: number): void {
  if (value < min) throw new UsageError(`${field} must be >= ${min}`);
}
