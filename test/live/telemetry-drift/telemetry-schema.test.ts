import { describe, expect, it } from 'vitest';
import { sampleTelemetrySchema } from '../../../src/live/telemetry-drift/sample-telemetry.js';
import { formatTelemetrySchema, parseTelemetrySchema } from '../../../src/live/telemetry-drift/telemetry-schema.js';

describe('parseTelemetrySchema', () => {
  it('reads back what formatTelemetrySchema wrote, fields in schema order', () => {
    const schema = sampleTelemetrySchema();
    expect(parseTelemetrySchema(formatTelemetrySchema(schema))).toEqual({ ok: true, schema });
  });

  it('defaults a missing description, fields and required, and drops a byte-order mark', () => {
    const parsed = parseTelemetrySchema('\uFEFF{"version":"2.0.0","events":{"cache.cleared":{},"memory.saved":{"fields":{"id":{"type":"integer"}}}}}');
    expect(parsed).toEqual({
      ok: true,
      schema: {
        version: '2.0.0',
        events: [
          { name: 'cache.cleared', description: '', fields: [] },
          { name: 'memory.saved', description: '', fields: [{ name: 'id', type: 'integer', required: false }] },
        ],
      },
    });
  });

  it('reports text that is not JSON instead of throwing', () => {
    const parsed = parseTelemetrySchema('{"version": ');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems[0]).toMatch(/^not valid JSON: /);
  });

  it('names every field that is not in the format', () => {
    const parsed = parseTelemetrySchema(
      JSON.stringify({ version: '', events: { 'a.b': { fields: { x: { type: 'uuid', required: 'yes' } } }, 'c.d': [] } }),
    );
    expect(parsed).toEqual({
      ok: false,
      problems: [
        '"version" must be a non-empty string',
        'events["a.b"].fields["x"].type must be one of string, integer, number, boolean, object, array (got: "uuid")',
        'events["a.b"].fields["x"].required must be true or false',
        'events["c.d"] must be an object',
      ],
    });
  });

  it('rejects a top level that is not an object, and events that are not an object', () => {
    expect(parseTelemetrySchema('[]')).toEqual({ ok: false, problems: ['the top level must be an object'] });
    expect(parseTelemetrySchema('{"version":"1.0.0","events":[]}')).toEqual({ ok: false, problems: ['"events" must be an object of events'] });
  });
});
