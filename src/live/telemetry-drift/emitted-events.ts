import type { Finding } from '../live-class.js';
import type { FieldType, TelemetrySchema } from './telemetry-schema.js';

/** The release gate over `events.jsonl`: what is wrong with the emitted events, and how many lines were read. */
export interface EmittedEventsCheck {
  readonly findings: readonly Finding[];
  /** Non-blank lines read. */
  readonly linesChecked: number;
}

/** `1 line, first at line 7`, `3 lines, first at line 7`. */
export function linesDetail(count: number, firstLine: number): string {
  return `${count} line${count === 1 ? '' : 's'}, first at line ${firstLine}`;
}

/**
 * Checks every non-blank line of `events.jsonl` against the schema, a pure function. An unknown
 * event name is one finding however many lines carry it; an invalid event is one finding per
 * event and problem; a line that is not a JSON object with an event name is one finding of its
 * own (`line 17`). Line numbers count every line, blank ones included, from 1.
 */
export function checkEmittedEvents(text: string, schema: TelemetrySchema, eventsPath: string): EmittedEventsCheck {
  const events = new Map(schema.events.map((event) => [event.name, event]));
  const groups = new Map<string, { kind: string; subject: string; problem: string | undefined; count: number; firstLine: number }>();
  const lineFindings: Finding[] = [];
  const note = (kind: string, subject: string, problem: string | undefined, line: number): void => {
    const key = `${kind}\u0000${subject}\u0000${problem ?? ''}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { kind, subject, problem, count: 1, firstLine: line });
  };
  const unreadable = (problem: string, line: number): void => {
    lineFindings.push({ kind: 'invalid-emitted-event', path: eventsPath, subject: `line ${line}`, detail: problem });
  };
  let linesChecked = 0;
  text.replace(/^\uFEFF/, '').split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const lineNumber = index + 1;
    if (line.trim() === '') return;
    linesChecked++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadable('not valid JSON', lineNumber);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      unreadable('not a JSON object', lineNumber);
      return;
    }
    const record = value as Record<string, unknown>;
    const name = record['event'];
    if (typeof name !== 'string' || name === '') {
      unreadable('no "event" name', lineNumber);
      return;
    }
    const event = events.get(name);
    if (!event) {
      note('unknown-emitted-event', name, undefined, lineNumber);
      return;
    }
    if (typeof record['timestamp'] !== 'string') note('invalid-emitted-event', name, 'no "timestamp" string', lineNumber);
    for (const field of event.fields) {
      const fieldValue = record[field.name];
      if (fieldValue === undefined || fieldValue === null) {
        // A null is there but says nothing: named as such, so that a person looks at the emitter, not for a missing key.
        if (field.required) note('invalid-emitted-event', name, fieldValue === null ? `required field "${field.name}" is null` : `missing required field "${field.name}"`, lineNumber);
        continue;
      }
      if (!hasType(fieldValue, field.type)) {
        note('invalid-emitted-event', name, `field "${field.name}" is ${typeOfValue(fieldValue)}, schema says ${field.type}`, lineNumber);
      }
    }
  });
  const grouped = [...groups.values()].map(({ kind, subject, problem, count, firstLine }): Finding => {
    const where = linesDetail(count, firstLine);
    return { kind, path: eventsPath, subject, detail: problem === undefined ? where : `${problem} (${where})` };
  });
  // Unknown events first: they are what the release gate exists to catch.
  const unknown = grouped.filter((finding) => finding.kind === 'unknown-emitted-event');
  const invalid = grouped.filter((finding) => finding.kind !== 'unknown-emitted-event');
  return { findings: [...unknown, ...invalid, ...lineFindings], linesChecked };
}

/** Whether a JSON value has a schema type; an integer is also a number. */
export function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
