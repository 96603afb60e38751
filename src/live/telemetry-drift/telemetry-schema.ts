/**
 * The telemetry files of a workspace, as opsheal reads and writes them.
 *
 * - `telemetry/schema.json`, the truth:
 *   `{ "version": "1.4.0", "events": { "<event>": { "description": "…", "fields": { "<field>":
 *   { "type": "string|integer|number|boolean|object|array", "required": true|false } } } } }`.
 *   `description` may be left out (empty), `fields` too (an event without fields), `required`
 *   too (false). Anything else malformed makes the schema invalid: a person must fix it.
 * - `telemetry/README.md`: free prose, and between the lines `<!-- ANCHOR:telemetry-events -->`
 *   and `<!-- /ANCHOR:telemetry-events -->` a generated section: `Schema version: 1.4.0`, a blank
 *   line, then a table `| event | field | type | required |` with one row per field (`yes`/`no`),
 *   events sorted by name, fields in schema order; an event without fields gets one row whose
 *   field, type and required cells are `-`. A `|` inside a cell is written `\|`.
 * - `telemetry/events.jsonl` (optional): recent emitted events, one JSON object a line,
 *   `{"event":"memory.saved","timestamp":"…", …fields at top level}`.
 *
 * Field order comes from `JSON.parse`, which puts integer-like keys (`"0"`) first; real field
 * names are words, so schema order is the order written.
 */
export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'object', 'array'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface TelemetryField {
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
}

export interface TelemetryEvent {
  readonly name: string;
  readonly description: string;
  /** In schema order. */
  readonly fields: readonly TelemetryField[];
}

export interface TelemetrySchema {
  readonly version: string;
  /** In schema order; the docs table sorts them by name. */
  readonly events: readonly TelemetryEvent[];
}

/** A parsed schema, or every problem that stops it being one (each naming where it is). */
export type SchemaParse =
  | { readonly ok: true; readonly schema: TelemetrySchema }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Whether `value` is one of the six field types. */
export function isFieldType(value: unknown): value is FieldType {
  return typeof value === 'string' && (FIELD_TYPES as readonly string[]).includes(value);
}

/** Parses `schema.json`'s text (a UTF-8 byte-order mark is dropped); never throws. */
export function parseTelemetrySchema(text: string): SchemaParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, problems: [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const problems: string[] = [];
  if (!isPlainObject(raw)) return { ok: false, problems: ['the top level must be an object'] };
  const version = raw['version'];
  if (typeof version !== 'string' || version.trim() === '') problems.push('"version" must be a non-empty string');
  else if (hasControlCharacter(version)) problems.push('"version" must not contain control characters');
  const rawEvents = raw['events'];
  const events: TelemetryEvent[] = [];
  if (!isPlainObject(rawEvents)) {
    problems.push('"events" must be an object of events');
  } else {
    for (const [name, rawEvent] of Object.entries(rawEvents)) {
      const event = parseEvent(name, rawEvent, problems);
      if (event) events.push(event);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, schema: { version: (version as string).trim(), events } };
}

/** `schema.json`'s text for a schema: two-space indent, a final newline. */
export function formatTelemetrySchema(schema: TelemetrySchema): string {
  const events: Record<string, unknown> = {};
  for (const event of schema.events) {
    const fields: Record<string, unknown> = {};
    for (const field of event.fields) fields[field.name] = { type: field.type, required: field.required };
    events[event.name] = { description: event.description, fields };
  }
  return `${JSON.stringify({ version: schema.version, events }, null, 2)}\n`;
}

function parseEvent(name: string, rawEvent: unknown, problems: string[]): TelemetryEvent | undefined {
  const where = `events[${JSON.stringify(name)}]`;
  if (name.trim() === '' || hasControlCharacter(name)) {
    problems.push(`${where}: an event name must be non-empty and free of control characters`);
    return undefined;
  }
  if (!isPlainObject(rawEvent)) {
    problems.push(`${where} must be an object`);
    return undefined;
  }
  const description = rawEvent['description'] ?? '';
  if (typeof description !== 'string') problems.push(`${where}.description must be a string`);
  const rawFields = rawEvent['fields'] ?? {};
  const fields: TelemetryField[] = [];
  if (!isPlainObject(rawFields)) {
    problems.push(`${where}.fields must be an object of fields`);
  } else {
    for (const [fieldName, rawField] of Object.entries(rawFields)) {
      const fieldWhere = `${where}.fields[${JSON.stringify(fieldName)}]`;
      if (fieldName.trim() === '' || hasControlCharacter(fieldName)) {
        problems.push(`${fieldWhere}: a field name must be non-empty and free of control characters`);
        continue;
      }
      if (!isPlainObject(rawField)) {
        problems.push(`${fieldWhere} must be an object`);
        continue;
      }
      const type = rawField['type'];
      const required = rawField['required'] ?? false;
      if (!isFieldType(type)) problems.push(`${fieldWhere}.type must be one of ${FIELD_TYPES.join(', ')} (got: ${JSON.stringify(type) ?? 'nothing'})`);
      if (typeof required !== 'boolean') problems.push(`${fieldWhere}.required must be true or false`);
      if (isFieldType(type) && typeof required === 'boolean') fields.push({ name: fieldName.trim(), type, required });
    }
  }
  return { name: name.trim(), description: typeof description === 'string' ? description : '', fields };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}
