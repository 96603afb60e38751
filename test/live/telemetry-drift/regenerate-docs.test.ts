import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BEGIN_ANCHOR, END_ANCHOR } from '../../../src/live/telemetry-drift/docs-anchors.js';
import { regenerateDocs } from '../../../src/live/telemetry-drift/regenerate-docs.js';
import { renderDocsSection } from '../../../src/live/telemetry-drift/render-docs-section.js';
import { sampleTelemetrySchema } from '../../../src/live/telemetry-drift/sample-telemetry.js';

const schema = sampleTelemetrySchema();
const markerFree = (prose: Buffer): boolean => !/ANCHOR:telemetry-events/i.test(prose.toString('latin1'));

/** Text that cannot be mistaken for a marker: any Unicode, or any bytes at all (not even UTF-8). */
const proseArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }).map((text) => Buffer.from(text, 'utf8')),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('', '\n', '\r\n', '# Telemetry\n\n<!-- ANCHOR:other -->\n| a | b |\n').map((text) => Buffer.from(text)),
).filter(markerFree);

/** Whatever was between the markers: stale tables, prose, nothing, garbage. */
const sectionArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom('', '\n', renderDocsSection(schema), '\n| memory.saved | x | y | z |\nSchema version: 0.1\n'),
).filter((text) => markerFree(Buffer.from(text)));

const docs = (before: Buffer, section: string, after: Buffer): Buffer =>
  Buffer.concat([before, Buffer.from(BEGIN_ANCHOR), Buffer.from(section), Buffer.from(END_ANCHOR), after]);

describe('regenerateDocs', () => {
  it('leaves every byte before and after the anchors identical, for any prose (property)', () => {
    fc.assert(
      fc.property(proseArb, sectionArb, proseArb, (before, section, after) => {
        const result = regenerateDocs(docs(before, section, after), schema);
        if (!result.ok) return false;
        const head = Buffer.concat([before, Buffer.from(BEGIN_ANCHOR)]);
        const tail = Buffer.concat([Buffer.from(END_ANCHOR), after]);
        return (
          result.bytes.subarray(0, head.length).equals(head) &&
          result.bytes.subarray(result.bytes.length - tail.length).equals(tail) &&
          result.bytes.subarray(head.length, result.bytes.length - tail.length).toString('utf8').includes('Schema version: 1.4.0')
        );
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent: regenerating an up-to-date section changes no byte (property)', () => {
    fc.assert(
      fc.property(proseArb, sectionArb, proseArb, (before, section, after) => {
        const first = regenerateDocs(docs(before, section, after), schema);
        if (!first.ok) return false;
        const second = regenerateDocs(first.bytes, schema);
        return second.ok && !second.changed && second.bytes.equals(first.bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('says when a section was already up to date', () => {
    const upToDate = docs(Buffer.from('# T\n'), renderDocsSection(schema), Buffer.from('\n'));
    expect(regenerateDocs(upToDate, schema)).toEqual({ ok: true, bytes: upToDate, changed: false });
  });

  it('refuses docs without an anchor pair rather than guess where the table goes', () => {
    expect(regenerateDocs(Buffer.from('# Telemetry\n\nNo markers here.\n'), schema)).toEqual({
      ok: false,
      problem: `no ${BEGIN_ANCHOR} … ${END_ANCHOR} pair`,
    });
  });
});
