import { parseSimpleFrontMatter, type FrontMatterFields } from './front-matter-lines.js';

/**
 * A second fast path for front matter, for one shape the line reader declines and memory files use
 * (a `summary: |` paragraph): a top-level key whose value is a literal block scalar, `|` (clip) or
 * `|-` (strip), with every line of it indented alike and none blank. Each such scalar is rewritten
 * as the double-quoted string YAML would read it as, and the rewritten block goes to the line
 * reader, which judges everything else as it always does. Anything else about the scalar (a more
 * indented or blank line, an indentation or keep indicator, a comment after the `|`, a tab) and the
 * answer is `undefined`: the `yaml` package decides. Without a literal block there is nothing to
 * rewrite, and the answer is `undefined` too.
 */
export function parseWithLiteralBlocks(block: string): FrontMatterFields | undefined {
  const lines = block.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const rewritten: string[] = [];
  let rewrote = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] as string;
    const header = LITERAL_HEADER.exec(line);
    if (header === null) {
      rewritten.push(line);
      continue;
    }
    const first = lines[index + 1];
    const indent = first === undefined ? 0 : leadingSpaces(first);
    if (first === undefined || indent === 0 || indent === first.length) return undefined;
    const content: string[] = [];
    let next = index + 1;
    for (; next < lines.length; next += 1) {
      const candidate = lines[next] as string;
      const spaces = leadingSpaces(candidate);
      // Blank (or all-space) lines and lines indented more than the first are left to the yaml
      // package, as are lines indented less that do not start a new top-level entry.
      if (spaces === candidate.length) return undefined;
      if (spaces === 0) break;
      if (spaces !== indent) return undefined;
      const text = candidate.slice(indent);
      if (!PLAIN_CONTENT.test(text)) return undefined;
      content.push(text);
    }
    const value = content.join('\n') + (header[2] === '-' ? '' : '\n');
    rewritten.push(`${header[1]}: ${JSON.stringify(value)}`);
    rewrote = true;
    index = next - 1;
  }
  return rewrote ? parseSimpleFrontMatter(rewritten.join('\n')) : undefined;
}

/** `key: |` or `key: |-` at the top level, nothing after it but spaces. */
const LITERAL_HEADER = /^([A-Za-z_][A-Za-z0-9_-]*): \|(-?) *$/;
/**
 * Printable characters whose JSON form the line reader reads back exactly: no tab or other control,
 * no BOM, no lone surrogate, and no U+2028 or U+2029, which some readers take for line breaks.
 */
const PLAIN_CONTENT = /^(?:[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]|[\ud800-\udbff][\udc00-\udfff])*$/;

function leadingSpaces(line: string): number {
  let count = 0;
  while (count < line.length && line.charCodeAt(count) === 32) count += 1;
  return count;
}
