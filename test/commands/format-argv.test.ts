import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatArgv } from '../../src/commands/format-argv.js';

// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A half of a surrogate pair on its own: it cannot survive UTF-8, so no argv can carry it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Characters that quoting and escaping must get right, drawn often. */
const awkwardCharacter = fc.constantFrom('a', ' ', "'", '"', '\\', '$', '\n', '\r', '\t', '\u0000', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029', 'é');

/** What bash makes of the displayed words: the argv it would pass on. */
function bashReadsBack(display: string): string[] {
  const result = spawnSync('bash', ['-c', `printf '%s\\0' ${display}`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
  });
  expect(result.status).toBe(0);
  return result.stdout.split('\0').slice(0, -1);
}

describe('formatArgv', () => {
  it('leaves plain words as they are', () => {
    expect(formatArgv(['node', 'dist/memory/reindex-embeddings.js', '--rebuild', '--target=index', 'a,b:c@d%e+f'])).toBe(
      'node dist/memory/reindex-embeddings.js --rebuild --target=index a,b:c@d%e+f',
    );
  });

  it('single-quotes words a shell would touch, and shows an empty argument as two quotes', () => {
    expect(formatArgv(['echo', 'two words', '$HOME', 'a;b', 'x|y', '*', '', "it's"])).toBe(
      `echo 'two words' '$HOME' 'a;b' 'x|y' '*' '' 'it'\\''s'`,
    );
  });

  it('shows control characters escaped, in bash $\'…\' form, so the line never breaks', () => {
    expect(formatArgv(['printf', 'a\nb', 'tab\there', "q'\\\u0001", 'nel\u0085', 'ls\u2028'])).toBe(
      "printf $'a\\nb' $'tab\\there' $'q\\'\\\\\\x01' $'nel\\u0085' $'ls\\u2028'",
    );
  });

  it('is the empty string for an empty argv', () => {
    expect(formatArgv([])).toBe('');
  });

  it('is always one line with no control characters, whatever the arguments hold', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: awkwardCharacter }))), (argv) => {
        const display = formatArgv(argv);
        expect(LINE_BREAKING.test(display)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives back the same argv when pasted into bash', () => {
    const argument = fc
      .oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: awkwardCharacter, maxLength: 12 }))
      .filter((value) => !value.includes('\u0000') && !LONE_SURROGATE.test(value));
    fc.assert(
      fc.property(fc.array(argument, { minLength: 1, maxLength: 4 }), (argv) => {
        expect(bashReadsBack(formatArgv(argv))).toEqual(argv);
      }),
      { numRuns: 25 },
    );
    const tricky = ['', ' ', "'", '"', '\\', '$HOME', '`id`', 'a\nb', '\r\n', '\u001b[31m', '\u007f', '\u0085\u2028', 'é ✓ 🎉', '!', '*?[]'];
    expect(bashReadsBack(formatArgv(tricky))).toEqual(tricky);
  });
});
