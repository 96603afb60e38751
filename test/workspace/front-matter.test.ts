import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frontMatterSessionId, parseFrontMatterWithYaml, parseMemoryMetadata, splitFrontMatter } from '../../src/workspace/front-matter.js';
import { parseSimpleFrontMatter, simpleFrontMatterField } from '../../src/workspace/front-matter-lines.js';

const plain = (fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
  fields === undefined ? undefined : { ...fields };

describe('parseMemoryMetadata', () => {
  it('reads every field from block-list front matter with quoted values', () => {
    const text = [
      '---',
      'title: "Retry backoff decision"',
      'trigger_phrases:',
      '  - "retry backoff"',
      '  - "busy database"',
      'importance_tier: critical',
      'context_type: decision',
      'session_id: "ses_01"',
      '---',
      '',
      '# A different heading',
      'Body.',
    ].join('\n');
    expect(parseMemoryMetadata(text, 'notes.md')).toEqual({
      title: 'Retry backoff decision',
      triggerPhrases: ['retry backoff', 'busy database'],
      importanceTier: 'critical',
      contextType: 'decision',
      sessionId: 'ses_01',
    });
  });

  it('reads inline lists, single quotes, unquoted values and comments', () => {
    const text = [
      '---',
      '# saved by the server',
      "title: Index rebuild notes # trailing comment",
      "trigger_phrases: [index, 'fts sync', \"vector\"]",
      "importance_tier: 'important'",
      'context_type: research',
      'session_id: ses_02',
      '---',
      'Body.',
    ].join('\n');
    expect(parseMemoryMetadata(text, 'x.md')).toEqual({
      title: 'Index rebuild notes',
      triggerPhrases: ['index', 'fts sync', 'vector'],
      importanceTier: 'important',
      contextType: 'research',
      sessionId: 'ses_02',
    });
  });

  it('takes the first # heading when the front matter has no title, skipping code fences', () => {
    const text = ['---', 'importance_tier: normal', '---', '```bash', '# not a heading', '```', '## Sub', '# Real title #', ''].join('\n');
    expect(parseMemoryMetadata(text, 'x.md').title).toBe('Real title');
  });

  it('falls back to the file name without .md when there is neither title nor heading', () => {
    expect(parseMemoryMetadata('just text\n', 'specs/a/memory/2026-01-02__notes.md').title).toBe('2026-01-02__notes');
  });

  it('gives the defaults without front matter, and for unknown tier and context values', () => {
    expect(parseMemoryMetadata('# Title\n', 'x.md')).toEqual({
      title: 'Title',
      triggerPhrases: [],
      importanceTier: 'normal',
      contextType: 'general',
      sessionId: null,
    });
    const unknown = parseMemoryMetadata('---\nimportance_tier: urgent\ncontext_type: gossip\n---\n', 'x.md');
    expect([unknown.importanceTier, unknown.contextType]).toEqual(['normal', 'general']);
  });

  it('matches tier and context type case-insensitively', () => {
    const metadata = parseMemoryMetadata('---\nimportance_tier: Critical\ncontext_type: DECISION\n---\n', 'x.md');
    expect([metadata.importanceTier, metadata.contextType]).toEqual(['critical', 'decision']);
  });

  it('treats invalid YAML as no front matter, and never takes a YAML comment for the title', () => {
    const text = ['---', '# looks like a heading', 'title: [unclosed', '---', 'No heading here'].join('\n');
    expect(parseMemoryMetadata(text, 'broken.md')).toEqual({
      title: 'broken',
      triggerPhrases: [],
      importanceTier: 'normal',
      contextType: 'general',
      sessionId: null,
    });
  });

  it('treats duplicate keys as invalid YAML, as the yaml package does', () => {
    const metadata = parseMemoryMetadata('---\ntitle: a\ntitle: b\nimportance_tier: critical\n---\n', 'dup.md');
    expect([metadata.title, metadata.importanceTier]).toEqual(['dup', 'normal']);
  });

  it('falls back to the yaml package for block scalars and nested maps', () => {
    const text = ['---', 'title: Notes', 'summary: |', '  line one', '  line two', 'extra:', '  nested: true', 'trigger_phrases:', '- a', '- b', 'session_id: 42', '---', ''].join('\n');
    expect(parseMemoryMetadata(text, 'x.md')).toMatchObject({ title: 'Notes', triggerPhrases: ['a', 'b'], sessionId: '42' });
  });

  it('ignores a byte-order mark and CRLF line endings', () => {
    const text = '\uFEFF---\r\ntitle: "Windows notes"\r\ntrigger_phrases:\r\n  - "crlf"\r\n---\r\n# Heading\r\n';
    expect(parseMemoryMetadata(text, 'x.md')).toMatchObject({ title: 'Windows notes', triggerPhrases: ['crlf'] });
  });

  it('reads no front matter when the opening fence is never closed', () => {
    const text = '---\ntitle: Never closed\n# Heading after\n';
    expect(splitFrontMatter(text).block).toBeUndefined();
    expect(parseMemoryMetadata(text, 'x.md').title).toBe('Heading after');
  });

  it('turns a scalar trigger_phrases into a one-phrase list and drops empty or non-scalar items', () => {
    expect(parseMemoryMetadata('---\ntrigger_phrases: retry\n---\n', 'x.md').triggerPhrases).toEqual(['retry']);
    expect(parseMemoryMetadata('---\ntrigger_phrases: ["", a, 3, [x]]\n---\n', 'x.md').triggerPhrases).toEqual(['a', '3']);
  });

  it('has a null session id when the front matter names none or an empty one', () => {
    expect(parseMemoryMetadata('---\ntitle: a\n---\n', 'x.md').sessionId).toBeNull();
    expect(parseMemoryMetadata('---\nsession_id: ""\n---\n', 'x.md').sessionId).toBeNull();
    expect(parseMemoryMetadata('---\nsession_id:\n---\n', 'x.md').sessionId).toBeNull();
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (body) => {
        parseMemoryMetadata(`---\n${body}\n---\n${body}`, 'x.md');
        parseMemoryMetadata(body, 'x.md');
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseSimpleFrontMatter (the fast path)', () => {
  it('reads the common shapes itself', () => {
    const lines = ['title: "A"', "b: 'it''s'", 'c: plain words', 'd: [x, "y"]', 'e:', '  - "p"', '  - q', 'f:', 'g: 12', 'h: true', 'i: ~'];
    expect(plain(parseSimpleFrontMatter(lines))).toEqual({
      title: 'A',
      b: "it's",
      c: 'plain words',
      d: ['x', 'y'],
      e: ['p', 'q'],
      f: null,
      g: 12,
      h: true,
      i: null,
    });
  });

  it.each([
    ['a block scalar', ['summary: |', '  text']],
    ['a nested map', ['extra:', '  nested: 1']],
    ['an anchor', ['a: &x 1']],
    ['a hex number', ['a: 0x1F']],
    ['a multi-line quoted string', ['a: "open', '  close"']],
    ['an unknown escape', ['a: "\\u00e9"']],
    ['a tab', ['a:\tb']],
    ['a quoted key', ['"a": b']],
    ['a duplicate key', ['a: 1', 'a: 2']],
    ['a list item after a scalar', ['a: 1', '  - b']],
    ['a flow map', ['a: {b: 1}']],
    ['a nested inline list', ['a: [[1]]']],
  ])('declines %s', (_name, lines) => {
    expect(parseSimpleFrontMatter(lines)).toBeUndefined();
  });
});

describe('simpleFrontMatterField (one field of the commonest shapes)', () => {
  // The front matter opsheal's sample workspaces write, in each of their styles.
  const samples = [
    ['title: "Retry backoff decision"', 'trigger_phrases:', '  - "retry backoff"', '  - "busy database"', 'importance_tier: critical', 'session_id: "ses_01"'],
    ['# saved by memory_save', 'title: Error budget review with SQLite', 'trigger_phrases: [backoff, "stale index", ledger]', "importance_tier: 'critical'", 'session_id: ses_02'],
    ['title: "Health check trade-offs in CI"', 'context_type: decision', 'trigger_phrases: ["retry hash"]', 'session_id: "ses_é日"'],
    ['title: "No session here"', 'trigger_phrases:', '- "at column zero"', '- plain item'],
    // Comments are skipped, not read as keys (these two would look like one key given twice).
    ['# note: first', '# note: again', 'session_id: "ses_03"'],
  ];

  it.each(samples.map((lines, index) => [index, lines] as const))('finds the session of sample %i, as the line reader does', (_index, lines) => {
    const block = lines.join('\n');
    const found = simpleFrontMatterField(block, 'session_id');
    expect(found).toBeDefined();
    expect(found?.value).toEqual(parseSimpleFrontMatter(block)?.session_id);
  });

  it('gives the value the line reader gives, plain scalars resolved by YAML\'s rules', () => {
    for (const [value, expected] of [['12', undefined], ['true', true], ['null', null], ["'12'", '12'], ['"a: b # c"', 'a: b # c'], ['word.v2/x-y', 'word.v2/x-y']] as const) {
      const block = `title: t\nsession_id: ${value}`;
      const found = simpleFrontMatterField(block, 'session_id');
      // A number is not a plain scalar of words: that block is left to the line reader.
      if (expected === undefined) expect(found).toBeUndefined();
      else expect(found).toEqual({ value: expected });
    }
    expect(simpleFrontMatterField('title: t', 'session_id')).toEqual({ value: undefined });
    expect(simpleFrontMatterField('session_id:\ntitle: t', 'session_id')).toEqual({ value: null });
  });

  it.each([
    ['a key given twice', ['session_id: a', 'session_id: b']],
    ['a key YAML reads as a boolean', ['true: a', 'session_id: b']],
    ['a block list under the key', ['session_id:', '  - a']],
    ['an inline list under the key', ['session_id: [a]']],
    ['a carriage return', ['title: a\r', 'session_id: b']],
    ['a blank line', ['title: a', '', 'session_id: b']],
    ['a tab', ['title:\ta', 'session_id: b']],
    ['a trailing space', ['title: a ', 'session_id: b']],
    ['list items at two indentations', ['tags:', '  - a', '    - b', 'session_id: c']],
    ['a list item after a scalar', ['title: a', '  - b', 'session_id: c']],
    ['an escape', ['title: "a\\nb"', 'session_id: c']],
    ['a block scalar', ['summary: |', '  text', 'session_id: c']],
    ['an empty block', ['']],
  ])('leaves %s to the whole parse', (_name, lines) => {
    expect(simpleFrontMatterField(lines.join('\n'), 'session_id')).toBeUndefined();
  });

  it('agrees with the line reader on every block it answers for', () => {
    const character = fc.constantFrom(...'abcXYZ019 _-./:#\'",[]{}!&*|%~\\\té日\u2028\ud83d\ude00\ud800'.split(''));
    const scalar = fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./-]{0,6}(?: [A-Za-z0-9_./-]{1,4}){0,2}$/) },
      fc.constantFrom('true', 'False', 'null', '~', '12', 'yes', 'a: b', 'x #y'),
      fc.string({ unit: character, maxLength: 8 }).map((text) => JSON.stringify(text)),
      fc.string({ unit: character, maxLength: 8 }).map((text) => `"${text}"`),
      fc.string({ unit: character, maxLength: 8 }).map((text) => `'${text}'`),
    );
    const key = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('title', 'session_id', 'tags', 'K1', '_x', 'a-b', 'context_type', 'importance_tier') },
      { weight: 1, arbitrary: fc.constantFrom('true', '__proto__') },
    );
    // Mostly lines of the shapes it answers for, and now and then one that the line reader reads
    // otherwise or declines.
    const line = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(key, scalar).map(([k, v]) => [`${k}: ${v}`]) },
      { weight: 3, arbitrary: fc.tuple(key, fc.array(scalar, { maxLength: 3 })).map(([k, items]) => [`${k}: [${items.join(', ')}]`]) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(key, fc.array(scalar, { maxLength: 3 }), fc.constantFrom('', '  ', '    '))
          .map(([k, items, indent]) => [`${k}:`, ...items.map((item) => `${indent}- ${item}`)]),
      },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('  ', ''), scalar).map(([indent, item]) => [`${indent}- ${item}`]) },
      { weight: 2, arbitrary: fc.string({ unit: character, maxLength: 10 }).map((text) => [`#${text}`]) },
      { weight: 1, arbitrary: fc.constantFrom([''], ['  '], ['title: a\r'], ['title: a ']) },
    );
    const block = fc.array(line, { minLength: 1, maxLength: 6 }).map((lines) => lines.flat().join('\n'));
    let answered = 0;
    fc.assert(
      fc.property(block, fc.constantFrom('session_id', 'title', 'tags'), (text, wanted) => {
        const found = simpleFrontMatterField(text, wanted);
        if (found === undefined) return;
        answered += 1;
        const whole = parseSimpleFrontMatter(text);
        expect(whole).toBeDefined();
        expect(found.value).toEqual(whole?.[wanted]);
      }),
      { numRuns: 4000 },
    );
    // The comparison must have been made, and often: about 800 times in 4,000 on average, rarely
    // fewer than 740.
    expect(answered).toBeGreaterThan(500);
  });

  it('leaves every session as the whole parse reads it, whatever the text', () => {
    const character = fc.constantFrom(...'ab: -#\'"[],\\\r\n\t_é'.split(''));
    const text = fc.oneof(
      fc.array(fc.constantFrom('title: a', 'session_id: s', "session_id: 's'", 'session_id:', '  - x', '- y', '# c', 'tags: [a, b]', '', 'session_id: "a\\"b"'), { maxLength: 6 }).map((lines) => `---\n${lines.join('\n')}\n---\nbody`),
      fc.string({ unit: character, maxLength: 60 }).map((body) => `---\n${body}\n---\n`),
    );
    fc.assert(
      fc.property(text, (source) => {
        expect(frontMatterSessionId(source)).toBe(parseMemoryMetadata(source, 'x.md').sessionId);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('fast path and yaml package', () => {
  // Characters chosen to hit the edges: quotes, colons, hashes, brackets, commas, dashes, spaces.
  const character = fc.constantFrom(...'abcXYZ019 _-.:#\'",[]{}!&*|>%@`?~/()+é日'.split(''));
  const scalarText = fc.oneof(
    fc.string({ unit: character, maxLength: 12 }),
    fc.constantFrom('true', 'False', 'null', '~', '12', '-0.5', '1e3', '007', '0x1F', '0o17', '.inf', '1_000', '12:30', '2026-01-02', 'yes'),
  );
  const renderScalar = fc.tuple(scalarText, fc.constantFrom('plain', 'double', 'single')).map(([text, style]) =>
    style === 'plain' ? text : style === 'double' ? JSON.stringify(text) : `'${text.replace(/'/g, "''")}'`,
  );
  const key = fc.constantFrom('title', 'trigger_phrases', 'importance_tier', 'context_type', 'session_id', 'extra-key', '_x', 'true', 'K1');
  const entry = fc.oneof(
    fc.tuple(key, renderScalar).map(([k, v]) => [`${k}: ${v}`]),
    fc.tuple(key, fc.array(renderScalar, { maxLength: 4 })).map(([k, items]) => [`${k}: [${items.join(', ')}]`]),
    fc
      .tuple(key, fc.array(renderScalar, { maxLength: 4 }), fc.constantFrom('', '  ', '    '))
      .map(([k, items, indent]) => [`${k}:`, ...items.map((item) => `${indent}- ${item}`)]),
    fc.tuple(key, renderScalar).map(([k, v]) => [`${k}: ${v} # note`]),
    fc.constant(['# a comment']),
    fc.constant(['']),
  );
  const block = fc.array(entry, { maxLength: 6 }).map((entries) => entries.flat());

  it('agree whenever the fast path accepts a block', () => {
    fc.assert(
      fc.property(block, (lines) => {
        const fast = parseSimpleFrontMatter(lines);
        if (fast === undefined) return;
        expect(plain(fast)).toEqual(parseFrontMatterWithYaml(lines));
      }),
      { numRuns: 3000 },
    );
  });

  it('agree on the common shapes, which the fast path always accepts', () => {
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,20}$/).filter((text) => !/^(true|false|null|yes)$/i.test(text.trim()));
    const common = fc
      .record({
        title: fc.string({ maxLength: 40 }),
        phrases: fc.array(fc.string({ maxLength: 15 }), { maxLength: 5 }),
        tier: word,
        session: word,
        inline: fc.boolean(),
      })
      .map(({ title, phrases, tier, session, inline }) => [
        `title: ${JSON.stringify(title.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\\]/g, ''))}`,
        ...(inline
          ? [`trigger_phrases: [${phrases.map((phrase) => JSON.stringify(phrase.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\\]/g, ''))).join(', ')}]`]
          : ['trigger_phrases:', ...phrases.map((phrase) => `  - ${JSON.stringify(phrase.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\\]/g, ''))}`)]),
        `importance_tier: ${tier.trim()}`,
        `session_id: ${session.trim()}`,
      ]);
    fc.assert(
      fc.property(common, (lines) => {
        const fast = parseSimpleFrontMatter(lines);
        expect(fast).toBeDefined();
        expect(plain(fast)).toEqual(parseFrontMatterWithYaml(lines));
      }),
      { numRuns: 1000 },
    );
  });
});
