import { describe, expect, it } from 'vitest';
import { readCommandLine, type CommandLineSpec } from '../../src/cli/command-line.js';

const SPEC: CommandLineSpec = { options: { scenario: 'value', 'max-attempts': 'value', json: 'flag' }, positionals: 1 };

function errorOf(args: string[], spec: CommandLineSpec = SPEC): string {
  try {
    readCommandLine(args, spec);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(args)}`);
}

describe('readCommandLine', () => {
  it('reads --opt v and --opt=v alike, the last of a repeated option winning', () => {
    const line = readCommandLine(['--scenario', 'escalate', '--max-attempts=2', 'index-drift', '--json', '--scenario=success'], SPEC);
    expect([...line.values]).toEqual([
      ['scenario', 'success'],
      ['max-attempts', '2'],
    ]);
    expect([...line.flags]).toEqual(['json']);
    expect(line.positionals).toEqual(['index-drift']);
    expect(line.help).toBe(false);
  });

  it('gives a value option the next word whatever it looks like, as the shell loop did', () => {
    expect(readCommandLine(['--scenario', '--help'], SPEC).values.get('scenario')).toBe('--help');
    expect(readCommandLine(['--max-attempts', '-1'], SPEC).values.get('max-attempts')).toBe('-1');
    expect(readCommandLine(['--max-attempts=a=b'], SPEC).values.get('max-attempts')).toBe('a=b');
    expect(readCommandLine(['--max-attempts='], SPEC).values.get('max-attempts')).toBe('');
  });

  it('stops at --help or -h, so later mistakes are not reported but earlier ones are', () => {
    expect(readCommandLine(['--json', '-h', '--bogus'], SPEC).help).toBe(true);
    expect(readCommandLine(['--help', 'a', 'b'], SPEC).help).toBe(true);
    expect(errorOf(['--bogus', '--help'])).toBe('Unknown option: --bogus');
  });

  it.each([
    [['--bogus'], 'Unknown option: --bogus'],
    [['a', 'b'], 'Unknown option: b'],
    [['--'], 'Unknown option: --'],
    [['-x'], 'Unknown option: -x'],
    [['-hx'], 'Unknown option: -hx'],
    [['--help=1'], 'Unknown option: --help=1'],
    [['--=x'], 'Unknown option: --=x'],
    [['--__proto__'], 'Unknown option: --__proto__'],
    [['--toString=1'], 'Unknown option: --toString=1'],
    [['-scenario', 'x'], 'Unknown option: -scenario'],
    [['--bogus\u001b'], 'Unknown option: --bogus\\x1b'],
    [['--scenario'], '--scenario requires a value'],
    [['--json=1'], '--json does not take a value (got: --json=1)'],
  ])('%j: %s', (args, message) => {
    expect(errorOf(args)).toBe(message);
  });

  it('takes no positional words unless the spec says so', () => {
    expect(errorOf(['-'], { options: {} })).toBe('Unknown option: -');
    expect(readCommandLine(['-'], { options: {}, positionals: 1 }).positionals).toEqual(['-']);
  });
});
