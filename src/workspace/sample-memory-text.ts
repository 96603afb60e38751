import type { SeededRandom } from './seeded-random.js';
import type { ContextType, ImportanceTier } from './memory-file.js';
import { PHRASE_WORDS, SENTENCE_WORDS, TITLE_CONTEXTS, TITLE_KINDS, TITLE_SUBJECTS } from './sample-vocabulary.js';

/** How a sample memory writes its front matter; real workspaces hold all of these. */
export type FrontMatterStyle = 'block-list' | 'inline-list' | 'partial' | 'block-scalar' | 'none';

/** What a sample memory says about itself, before it is rendered. */
export interface SampleMemoryFields {
  readonly title: string;
  readonly triggerPhrases: readonly string[];
  readonly importanceTier: ImportanceTier;
  readonly contextType: ContextType;
  readonly sessionId: string | null;
  readonly style: FrontMatterStyle;
  /** Roughly how long the file should be (bytes); the text stops at the first paragraph past it. */
  readonly targetBytes: number;
}

const TIERS: ReadonlyArray<readonly [ImportanceTier, number]> = [
  ['normal', 0.6],
  ['important', 0.15],
  ['critical', 0.07],
  ['temporary', 0.09],
  ['deprecated', 0.07],
  ['constitutional', 0.02],
];
const CONTEXTS: ReadonlyArray<readonly [ContextType, number]> = [
  ['general', 0.3],
  ['implementation', 0.25],
  ['decision', 0.2],
  ['research', 0.15],
  ['discovery', 0.1],
];

/** Draws a memory's fields (everything but its session, which the caller assigns). */
export function drawSampleMemory(random: SeededRandom, sessionId: string | null): SampleMemoryFields {
  const title = `${random.pick(TITLE_SUBJECTS)} ${random.pick(TITLE_KINDS)} ${random.pick(TITLE_CONTEXTS)}`;
  const phraseCount = 1 + random.int(4);
  const triggerPhrases: string[] = [];
  for (let index = 0; index < phraseCount; index += 1) {
    const words = 1 + random.int(3);
    const phrase = Array.from({ length: words }, () => random.pick(PHRASE_WORDS)).join(' ');
    if (!triggerPhrases.includes(phrase)) triggerPhrases.push(phrase);
  }
  const styleDraw = random.next();
  const style: FrontMatterStyle =
    styleDraw < 0.84 ? 'block-list' : styleDraw < 0.93 ? 'inline-list' : styleDraw < 0.965 ? 'partial' : styleDraw < 0.968 ? 'block-scalar' : 'none';
  return {
    title,
    triggerPhrases,
    importanceTier: weighted(random, TIERS),
    contextType: weighted(random, CONTEXTS),
    // A file without front matter cannot name its session.
    sessionId: style === 'none' || style === 'partial' ? null : sessionId,
    style,
    targetBytes: 500 + random.int(2500),
  };
}

/** The file's text: front matter in the memory's style, a `# ` heading, then paragraphs. */
export function renderSampleMemory(random: SeededRandom, fields: SampleMemoryFields): string {
  const parts: string[] = [];
  const quoted = (text: string): string => JSON.stringify(text);
  switch (fields.style) {
    case 'block-list':
      parts.push('---', `title: ${quoted(fields.title)}`, 'trigger_phrases:');
      for (const phrase of fields.triggerPhrases) parts.push(`  - ${quoted(phrase)}`);
      parts.push(`importance_tier: ${fields.importanceTier}`, `context_type: ${fields.contextType}`);
      if (fields.sessionId !== null) parts.push(`session_id: ${quoted(fields.sessionId)}`);
      parts.push('---');
      break;
    case 'inline-list':
      parts.push(
        '---',
        '# saved by memory_save',
        `title: ${fields.title}`,
        `trigger_phrases: [${fields.triggerPhrases.map((phrase, index) => (index % 2 === 0 ? phrase : quoted(phrase))).join(', ')}]`,
        `importance_tier: '${fields.importanceTier}'`,
        `context_type: ${fields.contextType}`,
      );
      if (fields.sessionId !== null) parts.push(`session_id: ${fields.sessionId}`);
      parts.push('---');
      break;
    case 'partial':
      parts.push('---', `title: ${quoted(fields.title)}`, `importance_tier: ${fields.importanceTier}`, `context_type: ${fields.contextType}`);
      parts.push(`trigger_phrases: [${fields.triggerPhrases.map(quoted).join(', ')}]`, '---');
      break;
    case 'block-scalar':
      // A shape outside the fast path: the scan falls back to the yaml package for these.
      parts.push('---', `title: ${quoted(fields.title)}`, 'summary: |', `  ${sentence(random)}`, `  ${sentence(random)}`, 'trigger_phrases:');
      for (const phrase of fields.triggerPhrases) parts.push(`- ${phrase}`);
      parts.push(`importance_tier: ${fields.importanceTier}`, `context_type: ${fields.contextType}`);
      if (fields.sessionId !== null) parts.push(`session_id: ${quoted(fields.sessionId)}`);
      parts.push('---');
      break;
    case 'none':
      break;
  }
  if (parts.length > 0) parts.push('');
  parts.push(`# ${fields.title}`, '');
  let length = parts.reduce((total, part) => total + part.length + 1, 0);
  let paragraphs = 0;
  while (length < fields.targetBytes || paragraphs < 2) {
    const block = paragraphs === 2 && random.next() < 0.25 ? codeBlock(random) : paragraph(random);
    parts.push(block, '');
    length += block.length + 2;
    paragraphs += 1;
  }
  return parts.join('\n');
}

function paragraph(random: SeededRandom): string {
  const sentences = 3 + random.int(4);
  let text = sentence(random);
  for (let index = 1; index < sentences; index += 1) text += ` ${sentence(random)}`;
  return text;
}

// Plain loops rather than Array.from/join: this runs some thirty million times for 100,000 memories.
function sentence(random: SeededRandom): string {
  const words = 8 + random.int(9);
  const first = random.pick(SENTENCE_WORDS);
  let text = first.charAt(0).toUpperCase() + first.slice(1);
  for (let index = 1; index < words; index += 1) text += ` ${random.pick(SENTENCE_WORDS)}`;
  return `${text}.`;
}

/** A fenced block with a `# ` line inside: not a heading, which the title fallback must know. */
function codeBlock(random: SeededRandom): string {
  return ['```bash', '# rerun the check', `opsheal check index-drift --sample-size ${100 + random.int(900)}`, '```'].join('\n');
}

function weighted<T>(random: SeededRandom, choices: ReadonlyArray<readonly [T, number]>): T {
  let draw = random.next();
  for (const [value, weight] of choices) {
    draw -= weight;
    if (draw < 0) return value;
  }
  return (choices[choices.length - 1] as readonly [T, number])[0];
}
