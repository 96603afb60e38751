import { orderedJson } from './ordered-json.js';
import type { EscalationExtras } from './step-outcome.js';

/** Why a run escalated. */
export type EscalationReason = 'bounded-retry-exhausted' | 'non-retryable-error';

export interface EscalationFields {
  readonly failureClass: string;
  readonly step: string;
  /** Attempts made before giving up. */
  readonly attempts: number;
  readonly owner: string;
  readonly reason: EscalationReason;
  readonly command: string;
  readonly timestamp: string;
}

export interface CompletionFields {
  readonly failureClass: string;
  readonly owner: string;
  readonly summary: string;
  readonly timestamp: string;
}

/**
 * The escalation line, keys in the contract's order; extras follow and never replace a contract
 * field (a colliding extra is dropped), so parsers of the reference keep working.
 */
export function escalationPayload(fields: EscalationFields, extras: EscalationExtras = {}): string {
  return orderedJson([
    ['event', 'ESCALATION'],
    ['failure_class', fields.failureClass],
    ['step', fields.step],
    ['attempts', fields.attempts],
    ['owner', fields.owner],
    ['reason', fields.reason],
    ['next_action', 'operator-ack-required'],
    ['command', fields.command],
    ['timestamp', fields.timestamp],
    ...Object.entries(extras),
  ]);
}

/** The line printed after the verify step passes. */
export function recoveryPayload(fields: CompletionFields, extras: EscalationExtras = {}): string {
  return completion('RECOVERY_COMPLETE', fields, extras);
}

/** The line printed when the detect step finds nothing, so repair and verify are skipped. */
export function healthyPayload(fields: CompletionFields, extras: EscalationExtras = {}): string {
  return completion('HEALTHY', fields, extras);
}

function completion(event: string, fields: CompletionFields, extras: EscalationExtras): string {
  return orderedJson([
    ['event', event],
    ['failure_class', fields.failureClass],
    ['owner', fields.owner],
    ['summary', fields.summary],
    ['timestamp', fields.timestamp],
    ...Object.entries(extras),
  ]);
}
