/** The marker lines around the generated section of `telemetry/README.md`. */
export const BEGIN_ANCHOR = '<!-- ANCHOR:telemetry-events -->';
export const END_ANCHOR = '<!-- /ANCHOR:telemetry-events -->';

// Spaces and tabs only, not `\s`: the search runs over latin1 text, where `\s` would also match
// bytes (0x85, 0xA0) that belong to UTF-8 characters.
const BEGIN_PATTERN = /<!--[ \t]*ANCHOR:telemetry-events[ \t]*-->/gi;
const END_PATTERN = /<!--[ \t]*\/ANCHOR:telemetry-events[ \t]*-->/gi;

/** Where the generated section lies: the bytes strictly between the two markers. */
export interface DocsSectionLocation {
  /** Byte offset just after the begin marker. */
  readonly start: number;
  /** Byte offset of the end marker. */
  readonly end: number;
  /** The line ending the section is written with: the one after the begin marker. */
  readonly eol: '\n' | '\r\n';
  /** 1-based line number of the begin marker, which is also the section's first line. */
  readonly firstLine: number;
}

export type AnchorLookup =
  | { readonly found: true; readonly location: DocsSectionLocation }
  | { readonly found: false; readonly problem: string };

/**
 * Finds the one anchor pair in the docs' bytes. Offsets are bytes, so the prose around the section
 * can be kept byte for byte whatever its encoding; the markers themselves are ASCII.
 */
export function locateDocsSection(bytes: Uint8Array): AnchorLookup {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const begins = [...text.matchAll(BEGIN_PATTERN)];
  const ends = [...text.matchAll(END_PATTERN)];
  if (begins.length === 0 && ends.length === 0) return { found: false, problem: `no ${BEGIN_ANCHOR} … ${END_ANCHOR} pair` };
  if (begins.length === 0) return { found: false, problem: `no ${BEGIN_ANCHOR} marker` };
  if (ends.length === 0) return { found: false, problem: `no ${END_ANCHOR} marker` };
  if (begins.length > 1 || ends.length > 1) {
    return { found: false, problem: `${begins.length} begin and ${ends.length} end markers, expected one of each` };
  }
  const begin = begins[0] as RegExpExecArray;
  const end = ends[0] as RegExpExecArray;
  const start = begin.index + begin[0].length;
  if (end.index < start) return { found: false, problem: `${END_ANCHOR} comes before ${BEGIN_ANCHOR}` };
  const eol = text.startsWith('\r\n', start) ? '\r\n' : '\n';
  const firstLine = countNewlines(text, begin.index) + 1;
  return { found: true, location: { start, end: end.index, eol, firstLine } };
}

function countNewlines(text: string, before: number): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < before; index = text.indexOf('\n', index + 1)) count++;
  return count;
}
