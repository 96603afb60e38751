import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { CONTEXT_TYPES, IMPORTANCE_TIERS, type ContextType, type ImportanceTier, type MemoryMetadata } from './memory-file.js';
import { detachedString } from './detached-string.js';
import { parseSimpleFrontMatter, simpleFrontMatterField, type FrontMatterFields } from './front-matter-lines.js';
import { parseWithLiteralBlocks } from './front-matter-literal-blocks.js';

/** The tier a memory gets when its front matter names none, or one opsheal does not know. */
export const DEFAULT_IMPORTANCE_TIER: ImportanceTier = 'normal';
/** The context type a memory gets when its front matter names none, or one opsheal does not know. */
export const DEFAULT_CONTEXT_TYPE: ContextType = 'general';

/** A file's front matter and where its body starts. */
export interface FrontMatterSplit {
  /** The text between the fences (no final newline), or `undefined` when the file has none. */
  readonly block: string | undefined;
  /** Offset in the text (BOM dropped) where the body starts: after the closing fence, or 0. */
  readonly bodyStart: number;
}

/**
 * Splits `text` (a leading BOM is ignored) into front matter and body. Front matter is present only
 * when the first line is `---` and a later line is `---` (trailing spaces and `\r` allowed on both).
 */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const source = withoutBom(text);
  const firstEnd = lineEnd(source, 0);
  if (!isFence(source, 0, firstEnd)) return { block: undefined, bodyStart: 0 };
  const blockStart = firstEnd + 1;
  let start = blockStart;
  while (start <= source.length) {
    const end = lineEnd(source, start);
    if (isFence(source, start, end)) {
      return { block: source.slice(blockStart, Math.max(blockStart, start - 1)), bodyStart: Math.min(end + 1, source.length) };
    }
    if (end >= source.length) break;
    start = end + 1;
  }
  // No closing fence: the opening `---` was a thematic break, not front matter.
  return { block: undefined, bodyStart: 0 };
}

/**
 * The fields of a front matter block: the fast line reader for the common shapes, the `yaml`
 * package for anything else. Invalid YAML, or YAML that is not a mapping, gives `undefined` (the
 * file is treated as having no front matter); never throws.
 */
export function parseFrontMatterFields(block: string): FrontMatterFields | undefined {
  return parseSimpleFrontMatter(block) ?? parseWithLiteralBlocks(block) ?? parseFrontMatterWithYaml(block);
}

let yamlModule: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded on the first front matter the fast reader declines: most workspaces
 * need it for a few files or none, and loading it costs every process (and every scan thread) tens
 * of milliseconds.
 */
function yaml(): typeof Yaml {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yamlModule;
}

/** The `yaml` package's reading of a front matter block; `undefined` when invalid or not a mapping. */
export function parseFrontMatterWithYaml(block: string | readonly string[]): FrontMatterFields | undefined {
  try {
    // parseDocument, not parse: it reports errors instead of throwing and logging them.
    const document = yaml().parseDocument(typeof block === 'string' ? block : block.join('\n'), { prettyErrors: false });
    if (document.errors.length > 0) return undefined;
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Map || value instanceof Set) return undefined;
    return value as FrontMatterFields;
  } catch {
    return undefined;
  }
}

/**
 * What a memory file says about itself. `fileName` is the file's name or path; its last segment,
 * less `.md`, is the title of last resort. Title: front matter `title`, else the first `# ` heading
 * outside code fences, else the file name. Unknown or absent tier and context type become
 * `normal` and `general` (matched case-insensitively); `sessionId` is `null` when absent.
 */
export function parseMemoryMetadata(text: string, fileName: string): MemoryMetadata {
  const { split, fields } = frontMatterOf(text);
  const title = textField(fields?.title) ?? firstHeading(withoutBom(text), split.bodyStart) ?? titleFromFileName(fileName);
  return metadataWithTitle(fields, title, split.block);
}

/**
 * parseMemoryMetadata of a file whose text is known only up to the end of its front matter's
 * closing fence (`head`): the same metadata when the front matter names a title, which settles it;
 * `undefined` when the rest of the text is needed (no front matter, or no title in it, so the
 * title comes from the first heading). Saves decoding the body of every memory file of a scan.
 */
export function parseFrontMatterMetadata(head: string): MemoryMetadata | undefined {
  const { split, fields } = frontMatterOf(head);
  const title = textField(fields?.title);
  return title === undefined ? undefined : metadataWithTitle(fields, title, split.block);
}

/**
 * parseMemoryMetadata's `sessionId` of a file whose text is known up to the end of its front
 * matter's closing fence (or, for a file with no front matter, not at all: `head` undefined). The
 * session comes from the front matter alone, so the body is never needed; a scan keeps only this.
 */
export function frontMatterSessionId(head: string | undefined): string | null {
  const block = head === undefined ? undefined : splitFrontMatter(head).block;
  if (block === undefined) return null;
  // Most memory files: the session found without reading the other fields into values.
  const common = simpleFrontMatterField(block, 'session_id');
  if (common !== undefined) return sessionIdOf(common.value);
  const fields = parseFrontMatterFields(block);
  return fields !== undefined ? sessionIdOf(fields.session_id) : sessionIdOfUnparsed(block);
}

/**
 * The session of a front matter block that is not valid YAML (an unclosed quote on another line, a
 * key given twice), from its `session_id:` lines as plain text: their one value, or null when there
 * is none or they disagree. Read as no front matter at all, the file would say "no session", and
 * session-ambiguity would take a correctly routed row's session away on the strength of a typo.
 */
function sessionIdOfUnparsed(block: string): string | null {
  const values = new Set<string>();
  for (const line of block.split(/\r?\n/)) {
    const match = /^session_id:[ \t]*(.*?)[ \t]*$/.exec(line);
    if (match === null) continue;
    const raw = (match[1] as string).replace(/[ \t]+#.*$/, '');
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    const value = quoted !== null ? (quoted[2] as string) : raw;
    if (value !== '' && value !== '~' && value !== 'null') values.add(value);
  }
  return values.size === 1 ? ([...values][0] as string) : null;
}

/** The text's front matter split off and read (`fields` undefined when there is none, or it is not YAML). */
function frontMatterOf(text: string): { split: FrontMatterSplit; fields: FrontMatterFields | undefined } {
  const split = splitFrontMatter(text);
  return { split, fields: split.block === undefined ? undefined : parseFrontMatterFields(split.block) };
}

function metadataWithTitle(fields: FrontMatterFields | undefined, title: string, block?: string): MemoryMetadata {
  return {
    title,
    triggerPhrases: phrasesField(fields?.trigger_phrases),
    importanceTier: oneOf(fields?.importance_tier, IMPORTANCE_TIERS) ?? DEFAULT_IMPORTANCE_TIER,
    contextType: oneOf(fields?.context_type, CONTEXT_TYPES) ?? DEFAULT_CONTEXT_TYPE,
    sessionId: fields === undefined && block !== undefined ? sessionIdOfUnparsed(block) : sessionIdOf(fields?.session_id),
  };
}

/** A `session_id` value as a memory's session: its text, or null. */
function sessionIdOf(value: unknown): string | null {
  return textField(value) ?? null;
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end === -1 ? text.length : end;
}

function isFence(text: string, start: number, end: number): boolean {
  if (!text.startsWith('---', start)) return false;
  for (let index = start + 3; index < end; index += 1) {
    const char = text[index];
    if (char !== ' ' && char !== '\t' && char !== '\r') return false;
  }
  return true;
}

/** A scalar as text: strings trimmed (empty means absent), numbers and booleans as written by JS. */
function textField(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : detachedString(trimmed);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

function phrasesField(value: unknown): string[] {
  // A lone string is taken as a one-phrase list rather than dropped: the author meant a phrase.
  const items: readonly unknown[] = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const phrases: string[] = [];
  for (const item of items) {
    const phrase = textField(item);
    if (phrase !== undefined) phrases.push(phrase);
  }
  return phrases;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string') return undefined;
  const wanted = value.trim().toLowerCase();
  return allowed.find((candidate) => candidate === wanted);
}

/** The first ATX level-one heading (`# Title`, up to three spaces of indent) outside fenced code. */
function firstHeading(text: string, from: number): string | undefined {
  let fence: string | undefined;
  let start = from;
  while (start < text.length) {
    const end = lineEnd(text, start);
    const line = text.slice(start, end).replace(/\r$/, '');
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch !== null) {
      const marker = fenceMatch[1] as string;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    } else if (fence === undefined) {
      const heading = /^ {0,3}# +(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
      const title = heading?.[1]?.trim();
      if (title !== undefined && title !== '') return detachedString(title);
    }
    start = end + 1;
  }
  return undefined;
}

function titleFromFileName(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  return detachedString(base.toLowerCase().endsWith('.md') ? base.slice(0, -3) : base);
}
