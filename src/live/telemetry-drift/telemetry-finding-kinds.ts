import { countByKind, nonZeroCounts } from '../finding-counts.js';
import type { Finding } from '../live-class.js';

/**
 * Every finding kind telemetry-drift reports, in print order (`check`'s counts keep this order).
 * Stable names: tests, dashboards and escalation readers match on them.
 */
export const TELEMETRY_FINDING_KINDS = [
  /** schema.json missing, not JSON, or not in the format: a person must fix it. */
  'invalid-schema',
  /** README.md missing, or without exactly one ordered anchor pair: never rewritten, escalated. */
  'missing-anchors',
  'version-mismatch',
  'undocumented-event',
  'stale-doc-event',
  'undocumented-field',
  'stale-doc-field',
  'field-type-mismatch',
  'field-required-mismatch',
  /** A table row in the section that cannot be read (wrong cell count, bad required cell, duplicate). */
  'malformed-doc-row',
  /** The release gate: an emitted event the schema does not know. */
  'unknown-emitted-event',
  /** The release gate: an emitted line that is not JSON, or misses a required field, or has a wrong type. */
  'invalid-emitted-event',
] as const;

export type TelemetryFindingKind = (typeof TELEMETRY_FINDING_KINDS)[number];

/** What regenerating the docs section mends. */
export const DOCS_DRIFT_KINDS: ReadonlySet<string> = new Set<TelemetryFindingKind>([
  'version-mismatch',
  'undocumented-event',
  'stale-doc-event',
  'undocumented-field',
  'stale-doc-field',
  'field-type-mismatch',
  'field-required-mismatch',
  'malformed-doc-row',
]);

/** What no repair may decide: these are escalated with the items. */
export const NEEDS_DECISION_KINDS: ReadonlySet<string> = new Set<TelemetryFindingKind>([
  'invalid-schema',
  'missing-anchors',
  'unknown-emitted-event',
  'invalid-emitted-event',
]);

/** Every kind with its count, zero included, in print order. */
export function countTelemetryFindings(findings: readonly Finding[]): Record<string, number> {
  return countByKind(TELEMETRY_FINDING_KINDS, findings);
}

/** Only the kinds that were found, in print order: the `key=value` details of an OK or WARN line. */
export function foundCounts(findings: readonly Finding[]): Record<string, number> {
  return nonZeroCounts(countTelemetryFindings(findings));
}
