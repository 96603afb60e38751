// Every option a command accepts is one its --help names, under a usage line that starts with the
// program as called. `workspace generate` took --json (and the README listed it) while its help did
// not, and `list --help` said `Usage: list`; this checks every command the same way: the options the
// command actually hands the parser are captured in-process, then looked for in its help.
import { describe, expect, it, vi } from 'vitest';
import type { CommandLineSpec } from '../../src/cli/command-line.js';

const specs: CommandLineSpec[] = [];

vi.mock('../../src/cli/command-line.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/cli/command-line.js')>();
  return {
    ...original,
    readCommandLine: (args: readonly string[], spec: CommandLineSpec) => {
      specs.push(spec);
      return original.readCommandLine(args, spec);
    },
  };
});

const { main } = await import('../../src/cli/main.js');

/** The help a command prints, and the options it handed the parser on the way. */
async function helpOf(program: string, args: readonly string[]): Promise<{ code: number; help: string; options: string[] }> {
  specs.length = 0;
  const out: string[] = [];
  const sink = { out: (line: string) => void out.push(line), err: () => undefined, interactive: false };
  const code = await main(program, args, sink, {});
  return { code, help: out.join('\n'), options: specs.flatMap((spec) => Object.keys(spec.options)) };
}

const COMMANDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['opsheal', ['list', '--help']],
  ['opsheal', ['show', '--help']],
  ['opsheal', ['drill', 'all', '--help']],
  ['opsheal', ['drill', 'all', '--live', '--help']],
  ['opsheal', ['check', '--help']],
  ['opsheal', ['heal', '--help']],
  ['opsheal', ['inject', '--help']],
  ['opsheal', ['demo', '--help']],
  ['opsheal', ['workspace', 'generate', '--help']],
  ['runbook', ['drill', 'all', '--help']],
  ['heal-index-drift', ['--help']],
];

describe('--help names every option the command accepts', () => {
  it.each(COMMANDS)('%s %j', async (program, args) => {
    const { code, help, options } = await helpOf(program, args);
    expect(code).toBe(0);
    // Named as it was called, so the line can be copied as it stands.
    expect(help.split('\n')[0]).toMatch(new RegExp(`^Usage: ${program} `));
    // The parser was reached: the options below are the command's own, not an empty list.
    expect(options.length).toBeGreaterThan(0);
    const unnamed = options.filter((name) => !new RegExp(`(^|[\\s\\[])--${name}(?![\\w-])`, 'm').test(help));
    expect(unnamed).toEqual([]);
  });
});

describe('help points to what is there but not on the page', () => {
  it("opsheal's drill help names --live, which the shell helper's does not have; opsheal's help says inject takes all", async () => {
    expect((await helpOf('opsheal', ['drill', '--help'])).help).toContain('opsheal drill <class|all> --live (opsheal drill --live --help)');
    expect((await helpOf('runbook', ['drill', '--help'])).help).not.toContain('--live');
    expect((await helpOf('opsheal', ['--help'])).help).toContain('inject <class|all> [options]');
  });
});
