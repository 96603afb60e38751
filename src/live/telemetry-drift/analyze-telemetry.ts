import type { Finding } from '../live-class.js';
import { locateDocsSection, type DocsSectionLocation } from './docs-anchors.js';
import { parseDocsSection } from './documented-section.js';
import { checkEmittedEvents } from './emitted-events.js';
import { detectSchemaDocDrift } from './schema-doc-drift.js';
import type { TelemetryFiles, TelemetryLabels } from './telemetry-files.js';
import { parseTelemetrySchema, type TelemetrySchema } from './telemetry-schema.js';

/** Everything one look at the telemetry files found. */
export interface TelemetryAnalysis {
  /** `undefined` when the schema is missing or invalid: nothing else could be compared. */
  readonly schema: TelemetrySchema | undefined;
  /** `undefined` when the docs have no usable anchor pair. */
  readonly section: DocsSectionLocation | undefined;
  /** Docs findings first (version, events by name, malformed rows), then emitted-event findings. */
  readonly findings: readonly Finding[];
  readonly metrics: Readonly<Record<string, number | string>>;
  readonly notes: readonly string[];
}

/** Detection, a pure function of the files' bytes: schema against docs, and the release gate over emitted events. */
export function analyzeTelemetry(files: TelemetryFiles, labels: TelemetryLabels): TelemetryAnalysis {
  if (files.schema === undefined) return schemaUnusable(labels, ['file not found']);
  const parsed = parseTelemetrySchema(files.schema.toString('utf8'));
  if (!parsed.ok) return schemaUnusable(labels, parsed.problems);
  const schema = parsed.schema;

  const findings: Finding[] = [];
  const notes: string[] = [];
  const metrics: Record<string, number | string> = { schema_version: schema.version, schema_events: schema.events.length };

  let section: DocsSectionLocation | undefined;
  const lookup = files.docs === undefined ? { found: false as const, problem: 'file not found' } : locateDocsSection(files.docs);
  if (lookup.found && files.docs !== undefined) {
    section = lookup.location;
    const text = files.docs.subarray(section.start, section.end).toString('utf8');
    const documented = parseDocsSection(text, section.firstLine);
    metrics['documented_version'] = documented.version ?? '';
    metrics['documented_events'] = documented.events.length;
    findings.push(...detectSchemaDocDrift(schema, documented, labels.docs));
  } else if (!lookup.found) {
    findings.push({ kind: 'missing-anchors', path: labels.docs, subject: 'telemetry-events', detail: lookup.problem });
    notes.push(`docs not compared: ${labels.docs}: ${lookup.problem}`);
  }

  if (files.events === undefined) {
    metrics['emitted_lines_checked'] = 0;
    notes.push(`emitted events not checked: ${labels.events} not found`);
  } else {
    const emitted = checkEmittedEvents(files.events.toString('utf8'), schema, labels.events);
    metrics['emitted_lines_checked'] = emitted.linesChecked;
    findings.push(...emitted.findings);
  }
  return { schema, section, findings, metrics, notes };
}

function schemaUnusable(labels: TelemetryLabels, problems: readonly string[]): TelemetryAnalysis {
  return {
    schema: undefined,
    section: undefined,
    findings: problems.map((problem) => ({ kind: 'invalid-schema', path: labels.schema, subject: 'schema', detail: problem })),
    metrics: {},
    notes: [`docs and emitted events not checked: ${labels.schema} could not be read as a telemetry schema`],
  };
}
