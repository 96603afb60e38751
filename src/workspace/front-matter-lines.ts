/**
 * The fast path of front-matter parsing: a line-based reader for the few YAML shapes memory files
 * actually use. It returns exactly what the `yaml` package would (YAML 1.2 core schema), or
 * `undefined` the moment a line is outside those shapes, so the caller can fall back to the full
 * parser. Being wrong is worse than being slow here, so anything unusual is declined rather than
 * guessed at.
 *
 * Accepted, one per line: blank lines and `#` comment lines; `key: value` at column 0 where key is
 * `[A-Za-z_][A-Za-z0-9_-]*` and value is a double- or single-quoted string, a plain scalar, an
 * inline list `[a, "b"]`, or nothing (null, or the start of a block list); block list items
 * `  - value` (quoted or plain) under a key with no value, all at one indentation.
 *
 * It runs for every memory a repair writes into the index, and for every file of a scan whose front
 * matter is not in the narrower shapes {@link simpleFrontMatterField} takes the session from, so it
 * avoids regular expressions with captures and per-character string building on the common paths.
 */

/** A parsed front matter: a plain mapping of its top-level keys. */
export type FrontMatterFields = Record<string, unknown>;

/** A value that made the line unreadable to the fast path. */
const DECLINE: unique symbol = Symbol('decline');
type Scalar = string | number | boolean | null;

// Keys YAML would resolve to something other than the string we would use, or that would reach
// Object.prototype if assigned.
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);
const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);
const DECIMAL = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// Core-schema forms whose value we would rather let the real parser compute.
const OTHER_NUMBER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PLAIN_START = /^[A-Za-z0-9_./(~$]|^[-+][^ ]/;
const FLOW_SPECIAL = /[[\]{},#:]/;
// Tabs, carriage returns not ending a line, and characters YAML calls non-printable (c-printable
// less the BOM) all change how the real parser reads a block; none occurs in the shapes we handle.
const UNUSUAL_CHARACTER = /[^\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\ud800-\udfff]|\r(?!\n|$)/;
const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;

/**
 * Reads a front-matter block (the text between the fences, or its lines) in the common shapes;
 * `undefined` when any line is outside them (then use the `yaml` package).
 */
export function parseSimpleFrontMatter(block: string | readonly string[]): FrontMatterFields | undefined {
  const text = typeof block === 'string' ? block : block.join('\n');
  if (UNUSUAL_CHARACTER.test(text)) return undefined;
  const fields: FrontMatterFields = {};
  // The key whose value is a block list being read, and that list's indentation once known.
  let listKey: string | undefined;
  let list: Scalar[] | undefined;
  let listIndent = -1;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const line = text.slice(start, lineEnd);
    start = end + 1;
    let indent = 0;
    while (indent < line.length && line.charCodeAt(indent) === SPACE) indent += 1;
    if (indent === line.length || line.charCodeAt(indent) === HASH) continue;
    if (line.charCodeAt(indent) === DASH && line.charCodeAt(indent + 1) === SPACE) {
      if (listKey === undefined || list === undefined) return undefined;
      if (listIndent === -1) listIndent = indent;
      else if (indent !== listIndent) return undefined;
      const value = readItemValue(line.slice(indent + 2));
      if (value === DECLINE) return undefined;
      list.push(value);
      fields[listKey] = list;
      continue;
    }
    if (indent > 0) return undefined;
    const colon = keyLength(line);
    if (colon === -1) return undefined;
    const key = line.slice(0, colon);
    // Duplicate keys are an error to the yaml package; let it say so.
    if (NON_STRING_KEYS.has(key) || Object.hasOwn(fields, key)) return undefined;
    const rest = stripComment(line.slice(colon + 1));
    listKey = undefined;
    list = undefined;
    listIndent = -1;
    if (rest === '') {
      // Nothing after the colon: null unless list items follow.
      fields[key] = null;
      listKey = key;
      list = [];
      continue;
    }
    const value = rest.charCodeAt(0) === 91 /* [ */ ? readInlineList(rest) : readScalar(rest, false);
    if (value === DECLINE) return undefined;
    fields[key] = value;
  }
  return fields;
}

// The pieces of COMMONEST_BLOCK. WIDE and PAIR are the characters beyond ASCII that the line reader
// takes as they are (see UNUSUAL_CHARACTER): a class range, and a surrogate pair; each quoted form
// adds the ASCII it allows.
const WIDE = String.raw`\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd`;
const PAIR = String.raw`[\ud800-\udbff][\udc00-\udfff]`;
const DOUBLE_QUOTED = String.raw`"(?:[\x20\x21\x23-\x5b\x5d-\x7e${WIDE}]|${PAIR})*"`;
const SINGLE_QUOTED = String.raw`'(?:[\x20-\x26\x28-\x7e${WIDE}]|${PAIR})*'`;
const PLAIN = String.raw`[A-Za-z][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*`;
const SCALAR = `(?:${DOUBLE_QUOTED}|${SINGLE_QUOTED}|${PLAIN})`;
const INLINE_LIST = String.raw`\[(?:${SCALAR}(?:, ${SCALAR})*)?\]`;
const COMMENT = String.raw`#(?:[\x20-\x7e${WIDE}]|${PAIR})*`;
const ENTRY = String.raw`[A-Za-z_][A-Za-z0-9_-]*(?:: (?:${SCALAR}|${INLINE_LIST})|:(?:\n( *)- ${SCALAR}(?:\n\1- ${SCALAR})*)?)`;

/**
 * The commonest shapes of all, as one pattern over a whole block. Every line is a `#` comment at
 * the start of the line, a `key: value`, a `key:` alone, or a block list item under such a key (one
 * indentation per list). A value is a scalar or an inline list of scalars (`[a, "b c"]`); a list
 * item is a scalar. A scalar is a double-quoted string without escapes, a single-quoted one without
 * a doubled quote, or a plain scalar of words (a letter first; letters, digits and `_./-`; single
 * spaces between words). No blank line, tab, carriage return or trailing space. The line reader
 * accepts every block of this shape, except one with a key YAML reads as something other than a
 * string or a key given twice, which {@link simpleFrontMatterField} checks. ENTRY appears once, so
 * that its back-reference is to its own list's indentation.
 */
const COMMONEST_BLOCK = new RegExp(String.raw`^(?:(?:${COMMENT}|${ENTRY})(?:\n|$))+$`);

/**
 * One top-level field of a front-matter block, found without reading the others into values, when
 * the block is in the commonest shapes (COMMONEST_BLOCK): `{ value }`, the very value
 * {@link parseSimpleFrontMatter} gives the key (`undefined` when the block does not have it).
 * `undefined` when the block is in any other shape, or the key holds a list: then parse the block
 * whole. A scan wants one field (the session) of every memory file: this finds it in half the
 * time a whole parse takes (docs/performance.md).
 */
export function simpleFrontMatterField(block: string, key: string): { readonly value: unknown } | undefined {
  if (!COMMONEST_BLOCK.test(block)) return undefined;
  const keys: string[] = [];
  let value: unknown;
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf('\n', start);
    if (end === -1) end = block.length;
    const first = block.charCodeAt(start);
    // List items start with a space or a dash, comments with a hash; every other line is a key's.
    if (first !== SPACE && first !== DASH && first !== HASH) {
      const colon = block.indexOf(':', start);
      const name = block.slice(start, colon);
      if (NON_STRING_KEYS.has(name) || keys.includes(name)) return undefined;
      keys.push(name);
      if (name === key) {
        if (colon + 1 < end) {
          const read = readScalar(block.slice(colon + 2, end), false);
          if (read === DECLINE) return undefined;
          value = read;
        } else {
          const next = block.charCodeAt(end + 1);
          if (next === SPACE || next === DASH) return undefined;
          value = null;
        }
      }
    }
    start = end + 1;
  }
  return { value };
}

/** Where the colon after a plain key sits (it must be followed by a space or end the line), else -1. */
function keyLength(line: string): number {
  const first = line.charCodeAt(0);
  if (!(isLetter(first) || first === 95)) return -1;
  for (let index = 1; index < line.length; index += 1) {
    const code = line.charCodeAt(index);
    if (code === COLON) {
      const next = line.charCodeAt(index + 1);
      return index + 1 === line.length || next === SPACE ? index : -1;
    }
    if (!(isLetter(code) || isDigit(code) || code === 95 || code === DASH)) return -1;
  }
  return -1;
}

/** The value text with a trailing comment and spaces removed; a comment needs a space before `#`. */
function stripComment(text: string): string {
  const value = text.trim();
  const first = value.charCodeAt(0);
  if (first === HASH) return '';
  // Quoted strings and inline lists find their own end, and any comment after it.
  if (first === 34 || first === 39 || first === 91) return value;
  const hash = value.indexOf(' #');
  return hash === -1 ? value : value.slice(0, hash).trimEnd();
}

function readItemValue(text: string): Scalar | typeof DECLINE {
  const value = stripComment(text);
  if (value === '' || value.charCodeAt(0) === 91) return DECLINE;
  return readScalar(value, false);
}

/** A quoted string (with an optional trailing comment) or a plain scalar resolved as YAML 1.2 core. */
function readScalar(text: string, inFlow: boolean): Scalar | typeof DECLINE {
  const first = text.charCodeAt(0);
  if (first === 34 || first === 39) {
    const quoted = first === 34 ? readDoubleQuoted(text) : readSingleQuoted(text);
    if (quoted === DECLINE) return DECLINE;
    return isTrailingSpaceOrComment(text, quoted.end) ? quoted.value : DECLINE;
  }
  return readPlain(text, inFlow);
}

/** Nothing but spaces after `from`, or spaces and then a comment. */
function isTrailingSpaceOrComment(text: string, from: number): boolean {
  let index = from;
  while (index < text.length && text.charCodeAt(index) === SPACE) index += 1;
  return index === text.length || (index > from && text.charCodeAt(index) === HASH);
}

function readPlain(text: string, inFlow: boolean): Scalar | typeof DECLINE {
  const first = text.charCodeAt(0);
  const startsWithLetter = isLetter(first) || first === 95;
  if (!startsWithLetter && !PLAIN_START.test(text)) return DECLINE;
  if (text.includes(': ') || text.charCodeAt(text.length - 1) === COLON || text.includes(' #')) return DECLINE;
  if (inFlow && FLOW_SPECIAL.test(text)) return DECLINE;
  if (text.length <= 5) {
    if (NULLS.has(text)) return null;
    if (TRUES.has(text)) return true;
    if (FALSES.has(text)) return false;
  }
  // Numbers start with a digit, a sign or a dot; a letter rules them out without a regex.
  if (!startsWithLetter) {
    if (OTHER_NUMBER.test(text)) return DECLINE;
    if (DECIMAL.test(text)) return Number(text);
  }
  return text;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r' };

function readDoubleQuoted(text: string): { value: string; end: number } | typeof DECLINE {
  const close = text.indexOf('"', 1);
  if (close === -1) return DECLINE;
  const backslash = text.indexOf('\\', 1);
  // The common case: no escapes before the closing quote.
  if (backslash === -1 || backslash > close) return { value: text.slice(1, close), end: close + 1 };
  let value = '';
  for (let index = 1; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === '"') return { value, end: index + 1 };
    if (char === '\\') {
      const escaped = SIMPLE_ESCAPES[text[index + 1] ?? ''];
      if (escaped === undefined) return DECLINE;
      value += escaped;
      index += 1;
      continue;
    }
    value += char;
  }
  // No closing quote on this line: a multi-line string, the real parser's business.
  return DECLINE;
}

function readSingleQuoted(text: string): { value: string; end: number } | typeof DECLINE {
  let value = '';
  let from = 1;
  for (;;) {
    const quote = text.indexOf("'", from);
    if (quote === -1) return DECLINE;
    value += text.slice(from, quote);
    if (text.charCodeAt(quote + 1) !== 39) return { value, end: quote + 1 };
    value += "'";
    from = quote + 2;
  }
}

/** `[a, "b", 'c']` on one line, optionally followed by a comment; nothing nested. */
function readInlineList(text: string): Scalar[] | typeof DECLINE {
  const items: Scalar[] = [];
  let index = 1;
  for (;;) {
    while (text.charCodeAt(index) === SPACE) index += 1;
    if (index >= text.length) return DECLINE;
    const code = text.charCodeAt(index);
    if (code === 93 /* ] */) break;
    let value: Scalar | typeof DECLINE;
    if (code === 34 || code === 39) {
      const rest = text.slice(index);
      const quoted = code === 34 ? readDoubleQuoted(rest) : readSingleQuoted(rest);
      if (quoted === DECLINE) return DECLINE;
      value = quoted.value;
      index += quoted.end;
    } else {
      let end = index;
      while (end < text.length && text.charCodeAt(end) !== 44 && text.charCodeAt(end) !== 93) end += 1;
      const plain = text.slice(index, end).trimEnd();
      if (plain === '') return DECLINE;
      value = readPlain(plain, true);
      index = end;
    }
    if (value === DECLINE) return DECLINE;
    items.push(value);
    while (text.charCodeAt(index) === SPACE) index += 1;
    const separator = text.charCodeAt(index);
    if (separator === 44 /* , */) {
      index += 1;
      continue;
    }
    if (separator === 93) break;
    return DECLINE;
  }
  return isTrailingSpaceOrComment(text, index + 1) ? items : DECLINE;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
