import type { Finding } from '../live-class.js';
import type { DocumentedSection } from './documented-section.js';
import { sortedByName } from './render-docs-section.js';
import type { TelemetrySchema } from './telemetry-schema.js';

/** The subject of a finding about one field: `memory.saved:spec_folder`. */
export function fieldSubject(event: string, field: string): string {
  return `${event}:${field}`;
}

/** `required` or `optional`. */
export function requiredness(required: boolean): string {
  return required ? 'required' : 'optional';
}

/** `1 field`, `3 fields`. */
export function fieldCount(count: number): string {
  return `${count} field${count === 1 ? '' : 's'}`;
}

/**
 * Schema against documented section, a pure function: the version first, then event by event in
 * name order (events, then their fields in schema order, then fields only the docs have), then
 * rows that could not be read. Order of rows and alignment are not drift; meaning is.
 */
export function detectSchemaDocDrift(schema: TelemetrySchema, documented: DocumentedSection, docsPath: string): Finding[] {
  const findings: Finding[] = [];
  const add = (kind: string, subject: string, detail: string): void => {
    findings.push({ kind, path: docsPath, subject, detail });
  };
  if (documented.version !== schema.version) {
    add('version-mismatch', 'version', `docs say ${documented.version ?? '(none)'}, schema says ${schema.version}`);
  }
  const schemaEvents = new Map(schema.events.map((event) => [event.name, event]));
  const documentedEvents = new Map(documented.events.map((event) => [event.name, event]));
  const names = sortedByName([...new Set([...schemaEvents.keys(), ...documentedEvents.keys()])].map((name) => ({ name })));
  for (const { name } of names) {
    const inSchema = schemaEvents.get(name);
    const inDocs = documentedEvents.get(name);
    if (inSchema && !inDocs) {
      add('undocumented-event', name, `in the schema with ${fieldCount(inSchema.fields.length)}, not in the docs`);
      continue;
    }
    if (inDocs && !inSchema) {
      add('stale-doc-event', name, `in the docs with ${fieldCount(inDocs.fields.length)}, not in the schema`);
      continue;
    }
    if (!inSchema || !inDocs) continue;
    const documentedFields = new Map(inDocs.fields.map((field) => [field.name, field]));
    for (const field of inSchema.fields) {
      const subject = fieldSubject(name, field.name);
      const documentedField = documentedFields.get(field.name);
      if (!documentedField) {
        add('undocumented-field', subject, `in the schema (${field.type}, ${requiredness(field.required)}), not in the docs`);
        continue;
      }
      if (documentedField.type !== field.type) {
        add('field-type-mismatch', subject, `docs say ${documentedField.type || '(empty)'}, schema says ${field.type}`);
      }
      if (documentedField.required !== field.required) {
        add('field-required-mismatch', subject, `docs say ${requiredness(documentedField.required)}, schema says ${requiredness(field.required)}`);
      }
    }
    const schemaFieldNames = new Set(inSchema.fields.map((field) => field.name));
    for (const field of inDocs.fields) {
      if (!schemaFieldNames.has(field.name)) {
        add('stale-doc-field', fieldSubject(name, field.name), `in the docs (${field.type || '(empty)'}, ${requiredness(field.required)}), not in the schema`);
      }
    }
  }
  for (const row of documented.malformed) add('malformed-doc-row', `line ${row.line}`, row.problem);
  return findings;
}
