import type { EscalationExtras } from '../../core/step-outcome.js';
import { escalationItems } from '../escalation-items.js';
import type { Finding } from '../live-class.js';
import { DOCS_DRIFT_KINDS } from './telemetry-finding-kinds.js';
import type { TelemetryLabels } from './telemetry-files.js';

/**
 * The fields a telemetry escalation adds after the contract's: `decision` (one sentence saying what
 * a person must decide), `items` (the first 20 findings as objects) and `items_total`.
 */
export function escalationExtras(findings: readonly Finding[], labels: TelemetryLabels): EscalationExtras {
  return escalationItems(decisionSentence(findings, labels), findings.map(escalationItem));
}

/** One finding as a payload item: kind, subject, detail, without the file path every item shares. */
export function escalationItem(finding: Finding): Record<string, string> {
  return {
    kind: finding.kind,
    ...(finding.subject !== undefined ? { subject: finding.subject } : {}),
    ...(finding.detail !== undefined ? { detail: finding.detail } : {}),
  };
}

/** What a person must decide about these findings, as one sentence. */
export function decisionSentence(findings: readonly Finding[], labels: TelemetryLabels): string {
  const kinds = new Set(findings.map((finding) => finding.kind));
  const parts: string[] = [];
  if (kinds.has('invalid-schema')) parts.push(`fix ${labels.schema} so that it is a valid telemetry schema`);
  if (kinds.has('unknown-emitted-event')) {
    parts.push(`decide for each unknown emitted event whether it belongs in ${labels.schema} or the code must stop emitting it`);
  }
  if (kinds.has('invalid-emitted-event')) parts.push('decide for each invalid emitted event whether the emitting code or the schema is wrong');
  if (kinds.has('missing-anchors')) {
    parts.push(`decide where the generated event table belongs in ${labels.docs} and put one <!-- ANCHOR:telemetry-events --> … <!-- /ANCHOR:telemetry-events --> pair there`);
  }
  if (findings.some((finding) => DOCS_DRIFT_KINDS.has(finding.kind))) {
    parts.push(`find out why ${labels.docs} still disagrees with the schema after its section was regenerated`);
  }
  if (parts.length === 0) return 'Nothing is left to decide.';
  const sentence = parts.join('; and ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}
