import { writeFileAtomically } from '../../io/atomic-write.js';
import { seededRandom, type SeededRandom } from '../../workspace/seeded-random.js';
import type { Finding, InjectionReport, InjectionRequest, LiveContext } from '../live-class.js';
import { injectKinds } from '../fault-injection.js';
import { locateDocsSection } from './docs-anchors.js';
import { formatTableRow, splitTableRow } from './docs-table-cells.js';
import { parseDocsSection, type TableColumns } from './documented-section.js';
import { linesDetail } from './emitted-events.js';
import { fieldCount, fieldSubject } from './schema-doc-drift.js';
import { readTelemetryFiles, telemetryLabels, type TelemetryLabels } from './telemetry-files.js';
import { FIELD_TYPES, parseTelemetrySchema, type FieldType, type TelemetrySchema } from './telemetry-schema.js';
import { TELEMETRY_DRIFT } from './check-telemetry.js';
import { NotInjectableError } from '../not-injectable-error.js';

/** The faults `inject` makes, in the order it makes them. */
export const TELEMETRY_FAULT_KINDS = ['doc-missing-event', 'doc-stale-event', 'field-type-mismatch', 'version-mismatch', 'unknown-event-in-samples'] as const;
export type TelemetryFaultKind = (typeof TELEMETRY_FAULT_KINDS)[number];

const RETIRED_EVENTS = ['memory.archived', 'memory.merged', 'index.compacted', 'embedding.queued', 'session.closed', 'ledger.replayed', 'search.cached', 'vector.pruned'];
const UNKNOWN_EVENTS = ['memory.reranked', 'search.feedback_given', 'embedding.evicted', 'session.forked', 'index.vacuumed', 'memory.promoted', 'trigger.matched', 'context.compacted'];
const EXTRA_FIELDS: ReadonlyArray<readonly [string, FieldType]> = [
  ['duration_ms', 'number'],
  ['source', 'string'],
  ['bytes_written', 'integer'],
  ['ok', 'boolean'],
  ['tags', 'array'],
  ['meta', 'object'],
];

/**
 * Makes real telemetry faults on purpose, deterministic for the seed: edits inside the docs section
 * (never outside it) and lines appended to `events.jsonl`, each file written atomically. Returns
 * what it did as the findings `check` will report for it (same kind, subject, detail and path), so
 * on a clean workspace the two can be compared one for one. Kinds without a candidate left (every
 * event already removed) make fewer faults than asked. Throws when the schema or anchors are unusable.
 */
export async function injectTelemetryFaults(context: LiveContext, request: InjectionRequest): Promise<InjectionReport> {
  const { kinds, labels, files, schema, docs } = await injectionInputs(context, request);
  const random = seededRandom(request.seed);
  let events = files.events?.toString('utf8');
  const injected: Finding[] = [];
  const made = injectKinds(kinds, injected, (kind) => {
    if (kind === 'unknown-event-in-samples') {
      const appended = appendUnknownEvents(events ?? '', schema, request.count, random, context.now(), labels);
      events = appended.text;
      injected.push(...appended.findings);
    } else if (docs) {
      injected.push(...DOC_FAULTS[kind](docs, schema, request.count, random, labels));
    }
  });
  if (docs && docs.lines.join('\n') !== docs.originalText) {
    const original = files.docs as Buffer;
    const { start, end } = docs;
    writeFileAtomically(context.paths.telemetryDocs, Buffer.concat([original.subarray(0, start), Buffer.from(docs.lines.join('\n'), 'utf8'), original.subarray(end)]));
  }
  if (events !== undefined && events !== files.events?.toString('utf8')) writeFileAtomically(context.paths.telemetryEvents, events);
  return { failureClass: TELEMETRY_DRIFT, injected, made };
}

/** The faults asked for can all be made here (see LiveClass.checkInjectable); reads only. */
export async function checkTelemetryInjectable(context: LiveContext, request: InjectionRequest): Promise<void> {
  await injectionInputs(context, request);
}

/** What the faults are made from, read and checked before the first is made; throws when one cannot be. */
async function injectionInputs(context: LiveContext, request: InjectionRequest) {
  if (request.kind !== undefined && !(TELEMETRY_FAULT_KINDS as readonly string[]).includes(request.kind)) {
    throw new Error(`unknown ${TELEMETRY_DRIFT} fault kind: ${request.kind} (known: ${TELEMETRY_FAULT_KINDS.join(', ')})`);
  }
  const kinds = request.kind === undefined ? TELEMETRY_FAULT_KINDS : [request.kind as TelemetryFaultKind];
  const labels = telemetryLabels(context.paths);
  const files = await readTelemetryFiles(context.paths);
  if (files.schema === undefined) throw new NotInjectableError(`cannot inject ${TELEMETRY_DRIFT} faults: ${labels.schema} not found`);
  const parsed = parseTelemetrySchema(files.schema.toString('utf8'));
  if (!parsed.ok) throw new NotInjectableError(`cannot inject ${TELEMETRY_DRIFT} faults: ${labels.schema}: ${parsed.problems[0] ?? 'invalid'}`);
  const docs = kinds.some((kind) => kind !== 'unknown-event-in-samples') ? editableDocs(files.docs, labels) : undefined;
  return { kinds, labels, files, schema: parsed.schema, docs };
}

/** The docs section as lines being edited (each may end in `\r`), and where it sits in the file. */
interface EditableDocs {
  readonly start: number;
  readonly end: number;
  readonly crlf: boolean;
  readonly originalText: string;
  lines: string[];
}

type DocFault = (docs: EditableDocs, schema: TelemetrySchema, count: number, random: SeededRandom, labels: TelemetryLabels) => Finding[];

const DOC_FAULTS: Readonly<Record<Exclude<TelemetryFaultKind, 'unknown-event-in-samples'>, DocFault>> = {
  'doc-missing-event': (docs, schema, count, random, labels) => {
    const section = parse(docs);
    const documented = new Set(section.rows.map((row) => row.event));
    const chosen = shuffled(schema.events.filter((event) => documented.has(event.name)), random).slice(0, count);
    const removed = new Set(chosen.map((event) => event.name));
    const dropLines = new Set(section.rows.filter((row) => removed.has(row.event)).map((row) => row.line));
    docs.lines = docs.lines.filter((_line, index) => !dropLines.has(index));
    return chosen.map((event) => ({
      kind: 'undocumented-event',
      path: labels.docs,
      subject: event.name,
      detail: `in the schema with ${fieldCount(event.fields.length)}, not in the docs`,
    }));
  },
  'doc-stale-event': (docs, schema, count, random, labels) => {
    const section = parse(docs);
    const taken = new Set([...schema.events.map((event) => event.name), ...section.rows.map((row) => row.event)]);
    const names = freshNames(RETIRED_EVENTS, 'retired.event', taken, count, random);
    const columns = section.rows.at(-1)?.columns ?? { event: 0, field: 1, type: 2, required: 3, count: 4 };
    const insertAt = section.rows.length > 0 ? Math.max(...section.rows.map((row) => row.line)) + 1 : Math.max(docs.lines.length - 1, 0);
    const newLines: string[] = [];
    const findings = names.map((name): Finding => {
      const fields = shuffled(EXTRA_FIELDS, random).slice(0, 1 + random.int(3));
      for (const [field, type] of fields) newLines.push(rowLine(docs, columns, { event: name, field, type, required: random.next() < 0.5 ? 'yes' : 'no' }));
      return { kind: 'stale-doc-event', path: labels.docs, subject: name, detail: `in the docs with ${fieldCount(fields.length)}, not in the schema` };
    });
    docs.lines.splice(insertAt, 0, ...newLines);
    return findings;
  },
  'field-type-mismatch': (docs, schema, count, random, labels) => {
    const section = parse(docs);
    const schemaTypes = new Map(schema.events.flatMap((event) => event.fields.map((field) => [fieldSubject(event.name, field.name), field.type] as const)));
    const documentedTypes = new Map(section.events.flatMap((event) => event.fields.map((field) => [fieldSubject(event.name, field.name), field.type] as const)));
    const candidates = section.rows.filter((row) => {
      if (row.field === undefined) return false;
      const subject = fieldSubject(row.event, row.field);
      return schemaTypes.get(subject) !== undefined && schemaTypes.get(subject) === documentedTypes.get(subject);
    });
    return shuffled(candidates, random).slice(0, count).map((row): Finding => {
      const subject = fieldSubject(row.event, row.field as string);
      const schemaType = schemaTypes.get(subject) as FieldType;
      const newType = random.pick(FIELD_TYPES.filter((type) => type !== schemaType));
      const line = docs.lines[row.line] ?? '';
      const cells = splitTableRow(line);
      cells[row.columns.type] = newType;
      docs.lines[row.line] = formatTableRow(cells) + (line.endsWith('\r') ? '\r' : '');
      return { kind: 'field-type-mismatch', path: labels.docs, subject, detail: `docs say ${newType}, schema says ${schemaType}` };
    });
  },
  'version-mismatch': (docs, schema, count, random, labels) => {
    if (count < 1) return [];
    const section = parse(docs);
    const candidates = olderAndNewerVersions(schema.version).filter((version) => version !== schema.version && version !== section.version);
    const version = random.pick(candidates);
    const line = `Schema version: ${version}${docs.crlf ? '\r' : ''}`;
    if (section.versionLine !== undefined) docs.lines[section.versionLine] = line;
    else docs.lines.splice(Math.min(1, docs.lines.length), 0, line);
    return [{ kind: 'version-mismatch', path: labels.docs, subject: 'version', detail: `docs say ${version}, schema says ${schema.version}` }];
  },
};

function appendUnknownEvents(
  text: string,
  schema: TelemetrySchema,
  count: number,
  random: SeededRandom,
  nowMs: number,
  labels: TelemetryLabels,
): { text: string; findings: Finding[] } {
  const emitted = new Set<string>();
  for (const line of text.split('\n')) {
    try {
      const name = (JSON.parse(line) as { event?: unknown } | null)?.event;
      if (typeof name === 'string') emitted.add(name);
    } catch {
      // A line that is not JSON names no event.
    }
  }
  const names = freshNames(UNKNOWN_EVENTS, 'experimental.event', new Set([...schema.events.map((event) => event.name), ...emitted]), count, random);
  const prefix = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  const existingLines = prefix === '' ? 0 : prefix.split('\n').length - 1;
  const timestamp = new Date(nowMs).toISOString();
  const lines = names.map((name) => {
    const [field, type] = random.pick(EXTRA_FIELDS);
    return JSON.stringify({ event: name, timestamp, source: 'memory-server', [field]: sampleValue(type, random) });
  });
  return {
    text: prefix + lines.map((line) => `${line}\n`).join(''),
    findings: names.map((name, index) => ({ kind: 'unknown-emitted-event', path: labels.events, subject: name, detail: linesDetail(1, existingLines + index + 1) })),
  };
}

function editableDocs(bytes: Buffer | undefined, labels: TelemetryLabels): EditableDocs {
  if (bytes === undefined) throw new NotInjectableError(`cannot inject ${TELEMETRY_DRIFT} docs faults: ${labels.docs} not found`);
  const lookup = locateDocsSection(bytes);
  if (!lookup.found) throw new NotInjectableError(`cannot inject ${TELEMETRY_DRIFT} docs faults: ${labels.docs}: ${lookup.problem}`);
  const { start, end, eol } = lookup.location;
  const originalText = bytes.subarray(start, end).toString('utf8');
  return { start, end, crlf: eol === '\r\n', originalText, lines: originalText.split('\n') };
}

/** Parses the lines being edited; `line` numbers are indexes into `docs.lines`. */
function parse(docs: EditableDocs) {
  return parseDocsSection(docs.lines.join('\n'), 0);
}

function rowLine(docs: EditableDocs, columns: TableColumns, row: { event: string; field: string; type: string; required: string }): string {
  const cells = Array.from({ length: columns.count }, () => '');
  cells[columns.event] = row.event;
  cells[columns.field] = row.field;
  cells[columns.type] = row.type;
  cells[columns.required] = row.required;
  return formatTableRow(cells) + (docs.crlf ? '\r' : '');
}

/** `count` names from the pool not yet taken, in a seeded order; made up as `<stem>_<n>` once the pool runs dry. */
function freshNames(pool: readonly string[], stem: string, taken: ReadonlySet<string>, count: number, random: SeededRandom): string[] {
  const names = shuffled(pool.filter((name) => !taken.has(name)), random).slice(0, Math.max(0, count));
  for (let serial = 1; names.length < count; serial++) {
    const name = `${stem}_${serial}`;
    if (!taken.has(name) && !names.includes(name)) names.push(name);
  }
  return names;
}

function olderAndNewerVersions(version: string): string[] {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) return [`${version}-previous`, `${version}-next`];
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const versions = [`${major}.${minor}.${patch + 1}`, `${major}.${minor + 1}.0`];
  if (minor > 0) versions.push(`${major}.${minor - 1}.0`);
  if (patch > 0) versions.push(`${major}.${minor}.${patch - 1}`);
  return versions;
}

function sampleValue(type: FieldType, random: SeededRandom): unknown {
  switch (type) {
    case 'string':
      return random.pick(['memory-server', 'cli', 'watcher']);
    case 'integer':
      return random.int(10_000);
    case 'number':
      return Math.round(random.next() * 100_000) / 100;
    case 'boolean':
      return random.next() < 0.5;
    case 'object':
      return { origin: random.pick(['save', 'search']) };
    case 'array':
      return [random.pick(['alpha', 'beta'])];
  }
}

/** A seeded Fisher–Yates shuffle of a copy. */
function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.int(index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
