/** Words that need no quoting in a POSIX shell (the set Python's `shlex.quote` leaves alone). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Characters that would break a log line or a terminal: C0, DEL, C1, and the Unicode line separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * An argv as one line for the `command=` field of an ACTION line: plain words as they are, other
 * arguments single-quoted POSIX-style (`'it'\''s'`, `''` for an empty one), and arguments holding
 * control characters in bash's `$'…'` form with the characters escaped (`$'a\nb'`). The result never
 * contains a line break, and pasted into bash it gives back the same argv.
 */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(formatWord).join(' ');
}

function formatWord(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  if (!CONTROL.test(word)) return `'${word.replaceAll("'", `'\\''`)}'`;
  return `$'${[...word].map(escapeForAnsiC).join('')}'`;
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
  '\u001b': '\\E',
  '\\': '\\\\',
  "'": "\\'",
};

function escapeForAnsiC(char: string): string {
  const named = NAMED_ESCAPES[char];
  if (named !== undefined) return named;
  if (!CONTROL.test(char)) return char;
  const code = char.codePointAt(0) ?? 0;
  // \xHH is a byte in bash; above 0x7f the character is a Unicode one, so it takes \uHHHH.
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
