import { describe, expect, it } from 'vitest';
import { locateDocsSection } from '../../../src/live/telemetry-drift/docs-anchors.js';
import { parseDocsSection } from '../../../src/live/telemetry-drift/documented-section.js';
import { renderDocsSection } from '../../../src/live/telemetry-drift/render-docs-section.js';
import { sampleTelemetrySchema } from '../../../src/live/telemetry-drift/sample-telemetry.js';
import { detectSchemaDocDrift } from '../../../src/live/telemetry-drift/schema-doc-drift.js';
import type { TelemetrySchema } from '../../../src/live/telemetry-drift/telemetry-schema.js';

const SCHEMA: TelemetrySchema = {
  version: '1.4.0',
  events: [
    { name: 'memory.saved', description: '', fields: [
      { name: 'spec_folder', type: 'string', required: true },
      { name: 'content_bytes', type: 'integer', required: true },
      { name: 'session_id', type: 'string', required: false },
    ] },
    { name: 'cache.cleared', description: '', fields: [] },
    { name: 'index.rebuilt', description: '', fields: [{ name: 'rows', type: 'integer', required: true }] },
  ],
};

const drift = (section: string) => detectSchemaDocDrift(SCHEMA, parseDocsSection(section), 'telemetry/README.md');

describe('renderDocsSection', () => {
  it('writes the version, then one row per field, events sorted by name and fields in schema order', () => {
    expect(renderDocsSection(SCHEMA)).toBe(
      [
        '',
        'Schema version: 1.4.0',
        '',
        '| event | field | type | required |',
        '| --- | --- | --- | --- |',
        '| cache.cleared | - | - | - |',
        '| index.rebuilt | rows | integer | yes |',
        '| memory.saved | spec_folder | string | yes |',
        '| memory.saved | content_bytes | integer | yes |',
        '| memory.saved | session_id | string | no |',
        '',
      ].join('\n'),
    );
  });

  it('uses the line ending it is given', () => {
    expect(renderDocsSection(SCHEMA, '\r\n')).toBe(renderDocsSection(SCHEMA).replaceAll('\n', '\r\n'));
  });

  it('reads back as no drift, for the sample schema and one with a field-less event', () => {
    expect(drift(renderDocsSection(SCHEMA))).toEqual([]);
    const sample = sampleTelemetrySchema();
    expect(detectSchemaDocDrift(sample, parseDocsSection(renderDocsSection(sample)), 'README.md')).toEqual([]);
  });
});

describe('parseDocsSection', () => {
  it('reads aligned columns, backticks, bold version, missing outer pipes and reordered columns alike', () => {
    const section = [
      '**Schema version:** `1.4.0`',
      '',
      ' required | type    | field         | event',
      ':-------: | :------ | :------------ | ---------------',
      '   yes    | string  | spec_folder   | `memory.saved`',
      '   yes    | integer | content_bytes | `memory.saved`',
      '   no     | string  | session_id    | `memory.saved`',
      '   -      | -       | —             | cache.cleared',
      '   yes    | integer | rows          | index.rebuilt',
    ].join('\r\n');
    expect(drift(section)).toEqual([]);
  });

  it('reports rows it cannot read as malformed, with their line, and does not throw', () => {
    const parsed = parseDocsSection(
      ['', '| event | field | type | required |', '|---|---|---|---|', '| memory.saved | spec_folder | string |', '| memory.saved | x | string | maybe |', '| | y | string | yes |', '| index.rebuilt | rows | integer | yes |', '| index.rebuilt | rows | integer | yes |', 'Schema version: 1.4.0', 'Schema version: 1.5.0'].join('\n'),
      10,
    );
    expect(parsed.malformed).toEqual([
      { line: 13, problem: 'expected 4 cells, found 3' },
      { line: 14, problem: 'required must be yes or no (got: maybe)' },
      { line: 15, problem: 'no event name' },
      { line: 17, problem: 'a second row for index.rebuilt:rows' },
      { line: 19, problem: 'a second "Schema version:" line' },
    ]);
    expect(parsed.version).toBe('1.4.0');
    expect(parsed.versionLine).toBe(18);
  });

  it('unescapes a pipe inside a cell', () => {
    const parsed = parseDocsSection('| a\\|b | c | string | yes |');
    expect(parsed.events).toEqual([{ name: 'a|b', fields: [{ name: 'c', type: 'string', required: true, line: 1 }] }]);
  });
});

describe('detectSchemaDocDrift', () => {
  it('reports each kind of drift with a stable subject and detail', () => {
    const section = [
      'Schema version: 1.3.0',
      '| event | field | type | required |',
      '| --- | --- | --- | --- |',
      '| memory.saved | spec_folder | integer | no |',
      '| memory.saved | legacy_flag | boolean | no |',
      '| memory.retired | reason | string | yes |',
      '| memory.retired | at | string | yes |',
      '| cache.cleared | - | - | - |',
      '| broken row |',
    ].join('\n');
    expect(drift(section)).toEqual([
      { kind: 'version-mismatch', path: 'telemetry/README.md', subject: 'version', detail: 'docs say 1.3.0, schema says 1.4.0' },
      { kind: 'undocumented-event', path: 'telemetry/README.md', subject: 'index.rebuilt', detail: 'in the schema with 1 field, not in the docs' },
      { kind: 'stale-doc-event', path: 'telemetry/README.md', subject: 'memory.retired', detail: 'in the docs with 2 fields, not in the schema' },
      { kind: 'field-type-mismatch', path: 'telemetry/README.md', subject: 'memory.saved:spec_folder', detail: 'docs say integer, schema says string' },
      { kind: 'field-required-mismatch', path: 'telemetry/README.md', subject: 'memory.saved:spec_folder', detail: 'docs say optional, schema says required' },
      { kind: 'undocumented-field', path: 'telemetry/README.md', subject: 'memory.saved:content_bytes', detail: 'in the schema (integer, required), not in the docs' },
      { kind: 'undocumented-field', path: 'telemetry/README.md', subject: 'memory.saved:session_id', detail: 'in the schema (string, optional), not in the docs' },
      { kind: 'stale-doc-field', path: 'telemetry/README.md', subject: 'memory.saved:legacy_flag', detail: 'in the docs (boolean, optional), not in the schema' },
      { kind: 'malformed-doc-row', path: 'telemetry/README.md', subject: 'line 9', detail: 'expected 4 cells, found 1' },
    ]);
  });

  it('reports a section without a version line as a version mismatch', () => {
    expect(drift(renderDocsSection(SCHEMA).replace('Schema version: 1.4.0', ''))).toEqual([
      { kind: 'version-mismatch', path: 'telemetry/README.md', subject: 'version', detail: 'docs say (none), schema says 1.4.0' },
    ]);
  });
});

describe('locateDocsSection', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it('finds the bytes strictly between the markers, the line ending and the first line', () => {
    const text = 'é\r\nintro\r\n<!-- ANCHOR:telemetry-events -->\r\nbody\r\n<!-- /ANCHOR:telemetry-events -->\r\n';
    const lookup = locateDocsSection(bytes(text));
    expect(lookup).toEqual({ found: true, location: { start: 43, end: 51, eol: '\r\n', firstLine: 3 } });
    expect(bytes(text).subarray(43, 51).toString()).toBe('\r\nbody\r\n');
  });

  it.each([
    ['no markers at all', 'just prose', 'no <!-- ANCHOR:telemetry-events --> … <!-- /ANCHOR:telemetry-events --> pair'],
    ['only the begin marker', '<!-- ANCHOR:telemetry-events -->\n', 'no <!-- /ANCHOR:telemetry-events --> marker'],
    ['only the end marker', '<!-- /ANCHOR:telemetry-events -->\n', 'no <!-- ANCHOR:telemetry-events --> marker'],
    ['two pairs', '<!-- ANCHOR:telemetry-events -->\n<!-- /ANCHOR:telemetry-events -->\n<!-- ANCHOR:telemetry-events -->\n<!-- /ANCHOR:telemetry-events -->', '2 begin and 2 end markers, expected one of each'],
    ['the end before the begin', '<!-- /ANCHOR:telemetry-events -->\n<!-- ANCHOR:telemetry-events -->', '<!-- /ANCHOR:telemetry-events --> comes before <!-- ANCHOR:telemetry-events -->'],
  ])('reports %s', (_label, text, problem) => {
    expect(locateDocsSection(bytes(text))).toEqual({ found: false, problem });
  });

  it('ignores other anchors and tolerates spacing inside the markers', () => {
    const text = '<!-- ANCHOR:overview -->\nx\n<!-- /ANCHOR:overview -->\n<!--ANCHOR:telemetry-events  -->\ny\n<!--\t/ANCHOR:telemetry-events-->';
    expect(locateDocsSection(bytes(text))).toMatchObject({ found: true, location: { firstLine: 4 } });
  });
});
