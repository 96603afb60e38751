import { UsageError } from '../core/usage-error.js';
import { displayValue } from './display-value.js';

/** `value` options take one argument (`--x v` or `--x=v`); `flag` options take none. */
export type OptionKind = 'value' | 'flag';

export interface CommandLineSpec {
  readonly options: Readonly<Record<string, OptionKind>>;
  /** How many positional words are accepted; any beyond are "Unknown option" errors, as in the reference. */
  readonly positionals?: number;
}

export interface CommandLine {
  readonly values: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
  readonly positionals: readonly string[];
  /** `--help` or `-h` came before any error. */
  readonly help: boolean;
}

/**
 * Reads arguments left to right, as the shell scripts' `case` loop did, and reports the first
 * problem in the reference's words: `Unknown option: X` for any word it does not know (positional
 * ones, `--`, `-x`, `-hx` and `--help=x` included), `--x requires a value` when a value option ends
 * the line. A value option takes the next word whatever it is (`--scenario --help` sets the
 * scenario to `--help`), or its `=value`. `--help`/`-h` stops reading, so `--help --bogus` shows
 * usage while `--bogus --help` is an error. A repeated option keeps its last value.
 *
 * Hand-written rather than node's `parseArgs`: the grammar is this small, parseArgs' own rules
 * (short-option groups, `--` terminator) had to be undone token by token, and importing `node:util`
 * into an ES module costs the drill start-up most of a millisecond.
 */
export function readCommandLine(args: readonly string[], spec: CommandLineSpec): CommandLine {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const word = args[index] ?? '';
    if (word === '--help' || word === '-h') return { values, flags, positionals, help: true };
    if (!word.startsWith('-') || word === '-') {
      if (positionals.length >= (spec.positionals ?? 0)) throw new UsageError(`Unknown option: ${displayValue(word)}`);
      positionals.push(word);
      continue;
    }
    const equals = word.indexOf('=');
    const name = word.startsWith('--') ? word.slice(2, equals === -1 ? undefined : equals) : '';
    const kind = name !== '' && Object.hasOwn(spec.options, name) ? spec.options[name] : undefined;
    if (kind === undefined) throw new UsageError(`Unknown option: ${displayValue(word)}`);
    if (kind === 'flag') {
      if (equals !== -1) throw new UsageError(`--${name} does not take a value (got: ${displayValue(word)})`);
      flags.add(name);
      continue;
    }
    if (equals !== -1) {
      values.set(name, word.slice(equals + 1));
      continue;
    }
    const value = args[index + 1];
    if (value === undefined) throw new UsageError(`--${name} requires a value`);
    values.set(name, value);
    index += 1;
  }
  return { values, flags, positionals, help: false };
}
