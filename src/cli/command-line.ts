import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';
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
 * Reads arguments left to right with node's own parser and reports the first problem in the
 * reference's words: `Unknown option: X` for any word it does not know (positional ones included),
 * `--x requires a value` when a value option ends the line. `--help`/`-h` stops reading, so
 * `--help --bogus` shows usage while `--bogus --help` is an error, exactly as the shell scripts did.
 */
export function readCommandLine(args: readonly string[], spec: CommandLineSpec): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, kind] of Object.entries(spec.options)) options[name] = { type: kind === 'value' ? 'string' : 'boolean' };
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });

  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  let afterTerminator = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      afterTerminator = true;
      continue;
    }
    const word = args[token.index] ?? '';
    if (token.kind === 'positional') {
      if (afterTerminator || positionals.length >= (spec.positionals ?? 0)) throw new UsageError(`Unknown option: ${displayValue(word)}`);
      positionals.push(token.value);
      continue;
    }
    if (token.name === 'help' || (token.name === 'h' && token.rawName === '-h')) {
      return { values, flags, positionals, help: true };
    }
    const kind = Object.hasOwn(spec.options, token.name) && token.rawName.startsWith('--') ? spec.options[token.name] : undefined;
    if (kind === undefined) throw new UsageError(`Unknown option: ${displayValue(word)}`);
    if (kind === 'flag') {
      if (token.inlineValue) throw new UsageError(`${token.rawName} does not take a value (got: ${word})`);
      flags.add(token.name);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${token.rawName} requires a value`);
    values.set(token.name, token.value);
  }
  return { values, flags, positionals, help: false };
}
