import { describe, expect, it } from 'vitest';
import { checkEmittedEvents } from '../../../src/live/telemetry-drift/emitted-events.js';
import type { TelemetrySchema } from '../../../src/live/telemetry-drift/telemetry-schema.js';

const SCHEMA: TelemetrySchema = {
  version: '1.0.0',
  events: [
    { name: 'memory.saved', description: '', fields: [
      { name: 'spec_folder', type: 'string', required: true },
      { name: 'content_bytes', type: 'integer', required: true },
      { name: 'latency_ms', type: 'number', required: false },
      { name: 'tags', type: 'array', required: false },
      { name: 'meta', type: 'object', required: false },
      { name: 'cached', type: 'boolean', required: false },
    ] },
  ],
};
const saved = (fields: Record<string, unknown>) => JSON.stringify({ event: 'memory.saved', timestamp: '2026-02-22T00:00:00Z', ...fields });
const valid = saved({ spec_folder: '001-a', content_bytes: 10, latency_ms: 1, tags: [], meta: {}, cached: false });

describe('checkEmittedEvents', () => {
  it('accepts valid events, blank lines, CRLF, a byte-order mark and null optional fields', () => {
    const text = `\uFEFF${valid}\r\n\n${saved({ spec_folder: 'x', content_bytes: 3, latency_ms: null })}\r\n`;
    expect(checkEmittedEvents(text, SCHEMA, 'events.jsonl')).toEqual({ findings: [], linesChecked: 2 });
  });

  it('groups an unknown event by name, first, with its line count and first line', () => {
    const text = [valid, '{"event":"memory.reranked","timestamp":"t"}', saved({ spec_folder: 1, content_bytes: 1.5 }), '{"event":"memory.reranked"}', ''].join('\n');
    expect(checkEmittedEvents(text, SCHEMA, 'events.jsonl').findings).toEqual([
      { kind: 'unknown-emitted-event', path: 'events.jsonl', subject: 'memory.reranked', detail: '2 lines, first at line 2' },
      { kind: 'invalid-emitted-event', path: 'events.jsonl', subject: 'memory.saved', detail: 'field "spec_folder" is integer, schema says string (1 line, first at line 3)' },
      { kind: 'invalid-emitted-event', path: 'events.jsonl', subject: 'memory.saved', detail: 'field "content_bytes" is number, schema says integer (1 line, first at line 3)' },
    ]);
  });

  it('reports lines that are not JSON objects with an event name, one by one', () => {
    const text = ['nope', '[1,2]', '{"timestamp":"t"}', '{"event":"memory.saved","spec_folder":"a"}'].join('\n');
    expect(checkEmittedEvents(text, SCHEMA, 'e').findings).toEqual([
      { kind: 'invalid-emitted-event', path: 'e', subject: 'memory.saved', detail: 'no "timestamp" string (1 line, first at line 4)' },
      { kind: 'invalid-emitted-event', path: 'e', subject: 'memory.saved', detail: 'missing required field "content_bytes" (1 line, first at line 4)' },
      { kind: 'invalid-emitted-event', path: 'e', subject: 'line 1', detail: 'not valid JSON' },
      { kind: 'invalid-emitted-event', path: 'e', subject: 'line 2', detail: 'not a JSON object' },
      { kind: 'invalid-emitted-event', path: 'e', subject: 'line 3', detail: 'no "event" name' },
    ]);
  });

  it('says a required field that is null is null, not missing (regression: both read "missing required field")', () => {
    const text = saved({ spec_folder: null, content_bytes: 3 });
    expect(checkEmittedEvents(text, SCHEMA, 'e').findings).toEqual([
      { kind: 'invalid-emitted-event', path: 'e', subject: 'memory.saved', detail: 'required field "spec_folder" is null (1 line, first at line 1)' },
    ]);
  });
});
