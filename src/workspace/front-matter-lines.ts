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
 */

/** A parsed front matter: a plain mapping (null prototype, so no key can reach `Object.prototype`). */
export type FrontMatterFields = Record<string, unknown>;

/** A value that made the line unreadable to the fast path. */
const DECLINE: unique symbol = Symbol('decline');
type Scalar = string | number | boolean | null;

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?:[ ]+(.*))?$/;
const LIST_ITEM = /^( *)- (.*)$/;
// Keys YAML would resolve to something other than the string we would use.
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);
const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);
const DECIMAL = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// Core-schema forms whose value we would rather let the real parser compute.
const OTHER_NUMBER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PLAIN_START = /^[A-Za-z0-9_./(~$]|^[-+][^ ]/;
// Anything but printable characters (YAML 1.2 c-printable, less tab, CR and the BOM).
const UNUSUAL_CHARACTER = /[^\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\ud800-\udfff]/;

/**
 * Reads front-matter lines (without the `---` fences, `\r` already removed or not) in the common
 * shapes; `undefined` when any line is outside them (then use the `yaml` package).
 */
export function parseSimpleFrontMatter(lines: readonly string[]): FrontMatterFields | undefined {
  const fields: FrontMatterFields = Object.create(null) as FrontMatterFields;
  // The key whose value is a block list being read, and that list's indentation once known.
  let listKey: string | undefined;
  let list: Scalar[] | undefined;
  let listIndent = -1;
  for (const rawLine of lines) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (isBlankOrComment(line)) continue;
    // Tabs, stray carriage returns and characters YAML calls non-printable all change how the
    // real parser reads a line; none of them occur in the shapes we handle.
    if (UNUSUAL_CHARACTER.test(line)) return undefined;
    const item = LIST_ITEM.exec(line);
    if (item !== null) {
      if (listKey === undefined || list === undefined) return undefined;
      const indent = (item[1] as string).length;
      if (listIndent === -1) listIndent = indent;
      else if (indent !== listIndent) return undefined;
      const value = readItemValue(item[2] as string);
      if (value === DECLINE) return undefined;
      list.push(value);
      fields[listKey] = list;
      continue;
    }
    const keyLine = KEY_LINE.exec(line);
    if (keyLine === null) return undefined;
    const key = keyLine[1] as string;
    // Duplicate keys are an error to the yaml package; let it say so.
    if (NON_STRING_KEYS.has(key) || Object.hasOwn(fields, key)) return undefined;
    const rest = stripComment(keyLine[2] ?? '');
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
    const value = rest.startsWith('[') ? readInlineList(rest) : readScalar(rest, false);
    if (value === DECLINE) return undefined;
    fields[key] = value;
  }
  return fields;
}

function isBlankOrComment(line: string): boolean {
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (char === ' ') continue;
    return char === '#';
  }
  return true;
}

/** The value text with a trailing comment and spaces removed; a comment needs a space before `#`. */
function stripComment(text: string): string {
  const value = text.trimEnd();
  if (value.startsWith('#')) return '';
  if (value.startsWith('"') || value.startsWith("'") || value.startsWith('[')) return value;
  const hash = value.indexOf(' #');
  return hash === -1 ? value : value.slice(0, hash).trimEnd();
}

function readItemValue(text: string): Scalar | typeof DECLINE {
  const value = stripComment(text);
  if (value === '' || value.startsWith('[')) return DECLINE;
  return readScalar(value, false);
}

/** A quoted string (with an optional trailing comment) or a plain scalar resolved as YAML 1.2 core. */
function readScalar(text: string, inFlow: boolean): Scalar | typeof DECLINE {
  const first = text[0];
  if (first === '"' || first === "'") {
    const quoted = first === '"' ? readDoubleQuoted(text) : readSingleQuoted(text);
    if (quoted === DECLINE) return DECLINE;
    const after = text.slice(quoted.end);
    if (!isTrailingSpaceOrComment(after)) return DECLINE;
    return quoted.value;
  }
  return readPlain(text, inFlow);
}

function isTrailingSpaceOrComment(after: string): boolean {
  if (after.trim() === '') return true;
  return /^ +#/.test(after);
}

function readPlain(text: string, inFlow: boolean): Scalar | typeof DECLINE {
  if (!PLAIN_START.test(text)) return DECLINE;
  if (text.includes(': ') || text.endsWith(':') || text.includes(' #')) return DECLINE;
  if (inFlow && /[[\]{},#:]/.test(text)) return DECLINE;
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  if (OTHER_NUMBER.test(text)) return DECLINE;
  if (DECIMAL.test(text)) return Number(text);
  return text;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t', r: '\r' };

function readDoubleQuoted(text: string): { value: string; end: number } | typeof DECLINE {
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
  for (let index = 1; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === "'") {
      if (text[index + 1] === "'") {
        value += "'";
        index += 1;
        continue;
      }
      return { value, end: index + 1 };
    }
    value += char;
  }
  return DECLINE;
}

/** `[a, "b", 'c']` on one line, optionally followed by a comment; nothing nested. */
function readInlineList(text: string): Scalar[] | typeof DECLINE {
  const items: Scalar[] = [];
  let index = 1;
  for (;;) {
    while (text[index] === ' ') index += 1;
    const char = text[index];
    if (char === undefined) return DECLINE;
    if (char === ']') break;
    let value: Scalar | typeof DECLINE;
    if (char === '"' || char === "'") {
      const quoted = char === '"' ? readDoubleQuoted(text.slice(index)) : readSingleQuoted(text.slice(index));
      if (quoted === DECLINE) return DECLINE;
      value = quoted.value;
      index += quoted.end;
    } else {
      let end = index;
      while (end < text.length && text[end] !== ',' && text[end] !== ']') end += 1;
      const plain = text.slice(index, end).trimEnd();
      if (plain === '') return DECLINE;
      value = readPlain(plain, true);
      index = end;
    }
    if (value === DECLINE) return DECLINE;
    items.push(value);
    while (text[index] === ' ') index += 1;
    if (text[index] === ',') {
      index += 1;
      continue;
    }
    if (text[index] === ']') break;
    return DECLINE;
  }
  const after = text.slice(index + 1);
  return isTrailingSpaceOrComment(after) ? items : DECLINE;
}
