import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrontMatterFields, parseFrontMatterWithYaml, parseMemoryMetadata } from '../../src/workspace/front-matter.js';
import { parseWithLiteralBlocks } from '../../src/workspace/front-matter-literal-blocks.js';

const plain = (fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  fields === undefined ? undefined : { ...fields };

describe('parseWithLiteralBlocks (the fast path for `key: |` paragraphs)', () => {
  it('reads a literal block as the yaml package does, clip and strip', () => {
    const block = ['title: "Notes"', 'summary: |', '  line one: not a key', '  # not a comment', '  "quoted" \\ back', 'tail: |-', '  last', 'session_id: s1'].join('\n');
    expect(plain(parseWithLiteralBlocks(block))).toEqual({
      title: 'Notes',
      summary: 'line one: not a key\n# not a comment\n"quoted" \\ back\n',
      tail: 'last',
      session_id: 's1',
    });
    expect(plain(parseWithLiteralBlocks(block))).toEqual(parseFrontMatterWithYaml(block));
  });

  it.each([
    ['no literal block at all', ['title: x']],
    ['a blank line inside', ['summary: |', '  a', '', '  b']],
    ['a more indented line', ['summary: |', '  a', '    b']],
    ['a less indented line', ['summary: |', '    a', '  b']],
    ['an indentation indicator', ['summary: |2', '  a']],
    ['a keep indicator', ['summary: |+', '  a']],
    ['a comment after the indicator', ['summary: | # note', '  a']],
    ['an empty block', ['summary: |', 'title: x']],
    ['a tab', ['summary: |', '  a\tb']],
    ['a folded block', ['summary: >', '  a']],
    ['a duplicate key', ['summary: |', '  a', 'summary: b']],
  ])('leaves %s to the yaml package', (_name, lines) => {
    expect(parseWithLiteralBlocks(lines.join('\n'))).toBeUndefined();
  });

  it('reads what the yaml package reads for the whole metadata', () => {
    const text = ['---', 'title: Notes', 'summary: |', '  line one', '  line two', 'trigger_phrases:', '- a', '- b', 'session_id: 42', '---', '', '# Heading', ''].join('\n');
    expect(parseMemoryMetadata(text, 'x.md')).toMatchObject({ title: 'Notes', triggerPhrases: ['a', 'b'], sessionId: '42' });
  });

  // Content characters chosen to hit the edges: quotes, backslashes, colons, hashes, dashes, brackets, non-ASCII.
  const character = fc.constantFrom(...'abcXYZ019 _-.:#\'"\\,[]{}!&*|>%@`?~/()+é日\u2028\u00a0'.split(''));
  const contentLine = fc.string({ unit: character, minLength: 1, maxLength: 16 });
  const literal = fc
    .tuple(
      fc.constantFrom('summary', 'title', 'notes', 'session_id'),
      fc.constantFrom('|', '|-', '| ', '|- ', '|+', '|2'),
      fc.integer({ min: 1, max: 4 }),
      // Mostly the same indentation; sometimes one more or one less, which must be left to yaml.
      fc.array(fc.tuple(contentLine, fc.oneof({ arbitrary: fc.constant(0), weight: 8 }, { arbitrary: fc.constantFrom(-1, 1), weight: 1 })), {
        minLength: 0,
        maxLength: 4,
      }),
    )
    .map(([key, header, indent, lines]) => [`${key}: ${header}`, ...lines.map(([text, shift]) => `${' '.repeat(Math.max(0, indent + shift))}${text}`)]);
  const other = fc.constantFrom(['title: "T"'], ['trigger_phrases:', '- a', '- b'], ['session_id: ses_1'], ['importance_tier: normal'], ['# a comment'], ['']);
  const block = fc.array(fc.oneof(literal, other), { maxLength: 5 }).map((entries) => entries.flat().join('\n'));

  it('agrees with the yaml package whenever it accepts a block', () => {
    let accepted = 0;
    fc.assert(
      fc.property(block, (text) => {
        const fast = parseWithLiteralBlocks(text);
        if (fast === undefined) return;
        accepted += 1;
        expect(plain(fast)).toEqual(parseFrontMatterWithYaml(text));
      }),
      { numRuns: 3000 },
    );
    // The generator is meant to be accepted often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves parseFrontMatterFields answering as the yaml package would', () => {
    fc.assert(
      fc.property(block, (text) => {
        expect(plain(parseFrontMatterFields(text))).toEqual(parseFrontMatterWithYaml(text));
      }),
      { numRuns: 1000 },
    );
  });
});
