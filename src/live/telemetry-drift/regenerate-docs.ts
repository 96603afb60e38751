import { locateDocsSection } from './docs-anchors.js';
import { renderDocsSection } from './render-docs-section.js';
import type { TelemetrySchema } from './telemetry-schema.js';

/** The docs with their section regenerated, or why they cannot be (no usable anchor pair: a person decides). */
export type Regeneration =
  | { readonly ok: true; readonly bytes: Buffer; readonly changed: boolean }
  | { readonly ok: false; readonly problem: string };

/**
 * Replaces the bytes between the markers with the section rendered from the schema, in the line
 * ending the section already uses. Every byte before the end of the begin marker and from the
 * end marker on is copied unchanged, whatever its encoding. Pure and idempotent: an up-to-date
 * section comes back as the same bytes, with `changed` false.
 */
export function regenerateDocs(docs: Uint8Array, schema: TelemetrySchema): Regeneration {
  const lookup = locateDocsSection(docs);
  if (!lookup.found) return { ok: false, problem: lookup.problem };
  const { start, end, eol } = lookup.location;
  const original = Buffer.from(docs.buffer, docs.byteOffset, docs.byteLength);
  const section = Buffer.from(renderDocsSection(schema, eol), 'utf8');
  if (original.subarray(start, end).equals(section)) return { ok: true, bytes: Buffer.from(original), changed: false };
  return { ok: true, bytes: Buffer.concat([original.subarray(0, start), section, original.subarray(end)]), changed: true };
}
