import { writeFileAtomically } from '../../io/atomic-write.js';
import type { SeededRandom } from '../../workspace/seeded-random.js';
import type { WorkspacePaths } from '../../workspace/workspace-paths.js';
import { BEGIN_ANCHOR, END_ANCHOR } from './docs-anchors.js';
import { renderDocsSection } from './render-docs-section.js';
import { formatTelemetrySchema, type FieldType, type TelemetrySchema } from './telemetry-schema.js';

/** The schema version the sample writes. */
export const SAMPLE_SCHEMA_VERSION = '1.4.0';

interface SampleField {
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** `serial` grows by one per emitted line, for ids that only go up. */
  readonly value: (random: SeededRandom, serial: number) => unknown;
}

interface SampleEvent {
  readonly name: string;
  readonly description: string;
  /** How often it is emitted, relative to the others. */
  readonly weight: number;
  readonly fields: readonly SampleField[];
}

const SPEC_FOLDERS = ['001-foundation', '003-memory/065-retry', '004-telemetry', '007-session-routing/012-ambiguity', '010-ledger', '012-search'];
const TIERS = ['constitutional', 'critical', 'important', 'normal', 'normal', 'normal', 'temporary'];
const CONTEXT_TYPES = ['research', 'implementation', 'decision', 'discovery', 'general'];
const SLUGS = ['notes', 'retry-policy', 'index-layout', 'session-handoff', 'ledger-replay', 'search-tuning', 'decisions'];
const PHRASES = ['retry budget', 'index parity', 'session routing', 'ledger replay', 'hybrid search', 'release gate'];
const MUTATIONS = ['create', 'update', 'delete', 'merge', 'archive', 'restore', 'reindex'];

const hex = (random: SeededRandom, length: number): string => Array.from({ length }, () => random.int(16).toString(16)).join('');
const between = (random: SeededRandom, low: number, high: number): number => low + random.int(high - low + 1);
const millis = (random: SeededRandom, low: number, high: number): number => Math.round((low + random.next() * (high - low)) * 100) / 100;
const sessionId = (random: SeededRandom): string => `sess-${hex(random, 8)}`;
const filePath = (random: SeededRandom): string =>
  `specs/${random.pick(SPEC_FOLDERS)}/memory/2026-01-${String(between(random, 1, 28)).padStart(2, '0')}__${random.pick(SLUGS)}.md`;

const field = (name: string, type: FieldType, required: boolean, value: SampleField['value']): SampleField => ({ name, type, required, value });

const SAMPLE_EVENTS: readonly SampleEvent[] = [
  {
    name: 'memory.saved',
    description: 'A memory file was written and its index row created or refreshed.',
    weight: 5,
    fields: [
      field('spec_folder', 'string', true, (random) => random.pick(SPEC_FOLDERS)),
      field('file_path', 'string', true, filePath),
      field('importance_tier', 'string', true, (random) => random.pick(TIERS)),
      field('context_type', 'string', true, (random) => random.pick(CONTEXT_TYPES)),
      field('content_bytes', 'integer', true, (random) => between(random, 200, 48_000)),
      field('trigger_phrases', 'array', false, (random) => [random.pick(PHRASES), random.pick(PHRASES)]),
      field('session_id', 'string', false, sessionId),
    ],
  },
  {
    name: 'memory.searched',
    description: 'A memory search ran and returned its results.',
    weight: 8,
    fields: [
      field('query_length', 'integer', true, (random) => between(random, 3, 160)),
      field('result_count', 'integer', true, (random) => between(random, 0, 20)),
      field('latency_ms', 'number', true, (random) => millis(random, 1, 90)),
      field('mode', 'string', true, (random) => random.pick(['hybrid', 'hybrid', 'fts', 'vector'])),
      field('spec_folder', 'string', false, (random) => random.pick(SPEC_FOLDERS)),
      field('filters', 'object', false, (random) => ({ importance_tier: random.pick(TIERS) })),
    ],
  },
  {
    name: 'memory.deleted',
    description: 'A memory was deleted or archived, with the reason given.',
    weight: 1,
    fields: [
      field('memory_id', 'integer', true, (random) => between(random, 1, 900)),
      field('reason', 'string', true, (random) => random.pick(['superseded', 'duplicate', 'file removed', 'operator request'])),
      field('archived', 'boolean', false, (random) => random.next() < 0.5),
    ],
  },
  {
    name: 'index.rebuilt',
    description: 'The memory index was rebuilt from the memory files.',
    weight: 1,
    fields: [
      field('rows', 'integer', true, (random) => between(random, 50, 900)),
      field('duration_ms', 'number', true, (random) => millis(random, 40, 4_000)),
      field('fts_rebuilt', 'boolean', true, (random) => random.next() < 0.3),
      field('trigger', 'string', false, (random) => random.pick(['startup', 'health-check', 'operator'])),
    ],
  },
  {
    name: 'embedding.generated',
    description: 'An embedding was computed (or served from cache) for one memory.',
    weight: 4,
    fields: [
      field('memory_id', 'integer', true, (random) => between(random, 1, 900)),
      field('model', 'string', true, (random) => random.pick(['nomic-embed-text-v1.5', 'text-embedding-3-small'])),
      field('dimensions', 'integer', true, (random) => random.pick([768, 1536])),
      field('latency_ms', 'number', true, (random) => millis(random, 5, 400)),
      field('cached', 'boolean', false, (random) => random.next() < 0.4),
    ],
  },
  {
    name: 'session.routed',
    description: 'A conversation was routed to a session and spec folder.',
    weight: 4,
    fields: [
      field('session_id', 'string', true, sessionId),
      field('spec_folder', 'string', true, (random) => random.pick(SPEC_FOLDERS)),
      field('candidates', 'integer', true, (random) => between(random, 1, 6)),
      field('confidence', 'number', true, (random) => Math.round(random.next() * 1000) / 1000),
      field('ambiguous', 'boolean', false, (random) => random.next() < 0.1),
    ],
  },
  {
    name: 'ledger.appended',
    description: 'An entry was appended to the mutation ledger.',
    weight: 3,
    fields: [
      field('ledger_id', 'integer', true, (_random, serial) => serial),
      field('mutation_type', 'string', true, (random) => random.pick(MUTATIONS)),
      field('actor', 'string', true, (random) => random.pick(['memory-server', 'memory-server', 'opsheal', 'operator'])),
      field('linked_memory_ids', 'array', true, (random) => [between(random, 1, 900)]),
      field('decision_meta', 'object', false, (random) => ({ source: random.pick(['save', 'cleanup', 'merge']) })),
    ],
  },
  {
    name: 'retrieval.health_checked',
    description: 'The retrieval health loop compared the index with the memory files.',
    weight: 1,
    fields: [
      field('checked_rows', 'integer', true, (random) => between(random, 50, 900)),
      field('divergent_rows', 'integer', true, (random) => (random.next() < 0.8 ? 0 : between(random, 1, 5))),
      field('healthy', 'boolean', true, (random) => random.next() < 0.85),
    ],
  },
];

/** The schema the sample writes. */
export function sampleTelemetrySchema(): TelemetrySchema {
  return {
    version: SAMPLE_SCHEMA_VERSION,
    events: SAMPLE_EVENTS.map(({ name, description, fields }) => ({
      name,
      description,
      fields: fields.map(({ name: fieldName, type, required }) => ({ name: fieldName, type, required })),
    })),
  };
}

/** What `writeSampleTelemetry` wrote. */
export interface SampleTelemetrySummary {
  readonly schemaEvents: number;
  readonly emittedEvents: number;
}

/**
 * Writes a consistent telemetry sample into the workspace: `schema.json` with eight memory-system
 * events, `README.md` with prose around an up-to-date generated section, and `events.jsonl` with
 * 50 to 200 valid events from the 24 hours before `now` (milliseconds since 1970). The same seed
 * and `now` give the same bytes. Each file is written atomically.
 */
export function writeSampleTelemetry(paths: WorkspacePaths, random: SeededRandom, now: number): SampleTelemetrySummary {
  const schema = sampleTelemetrySchema();
  writeFileAtomically(paths.telemetrySchema, formatTelemetrySchema(schema));
  writeFileAtomically(paths.telemetryDocs, sampleReadme(schema));
  const lines = sampleEventLines(random, now);
  writeFileAtomically(paths.telemetryEvents, lines.map((line) => `${line}\n`).join(''));
  return { schemaEvents: schema.events.length, emittedEvents: lines.length };
}

function sampleEventLines(random: SeededRandom, now: number): string[] {
  const firstSerial = between(random, 1_000, 9_000);
  const count = between(random, 50, 200);
  const dayMs = 24 * 60 * 60 * 1000;
  const offsets = Array.from({ length: count }, () => random.int(dayMs)).sort((a, b) => a - b);
  const totalWeight = SAMPLE_EVENTS.reduce((sum, event) => sum + event.weight, 0);
  return offsets.map((offset, index) => {
    let ticket = random.int(totalWeight);
    const event = SAMPLE_EVENTS.find((candidate) => (ticket -= candidate.weight) < 0) ?? (SAMPLE_EVENTS[0] as SampleEvent);
    const record: Record<string, unknown> = { event: event.name, timestamp: new Date(now - dayMs + offset).toISOString() };
    for (const sampleField of event.fields) {
      if (sampleField.required || random.next() < 0.5) record[sampleField.name] = sampleField.value(random, firstSerial + index);
    }
    return JSON.stringify(record);
  });
}

function sampleReadme(schema: TelemetrySchema): string {
  return [
    '# Telemetry',
    '',
    'The events the memory system emits, what each one means and the fields it carries. The event',
    'catalogue below is generated from `schema.json`: change the schema, then run',
    '`opsheal heal telemetry-drift` to bring this page into step. Edits inside the markers are overwritten.',
    '',
    '## Conventions',
    '',
    '- Every event carries `event` (its name) and `timestamp` (UTC, ISO 8601) beside its own fields.',
    '- Field names are snake_case; durations are milliseconds and end in `_ms`.',
    '- A new field ships optional for one release before it may become required.',
    '',
    '## Event catalogue',
    '',
    `${BEGIN_ANCHOR}${renderDocsSection(schema)}${END_ANCHOR}`,
    '',
    '## Retention',
    '',
    '`events.jsonl` holds the most recent events only; the release gate checks every line of it against',
    'the schema before a release ships.',
    '',
    '## Owners',
    '',
    'The Operations Lead owns the schema. Removing an event or a field goes to the Product Owner first.',
    '',
  ].join('\n');
}
