// Every line of /work/shared/CONTRACT.md, checked against the built executables run as child
// processes. Expected output is built from the contract's own tables (test/support), never from the
// project's code, and compared byte for byte under SOURCE_DATE_EPOCH=1771718400.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTRACT_CLASSES, CONTRACT_TIMESTAMP, contractClass } from '../support/contract-tables.js';
import { escalationLine, expectedDrill, expectedDrillAll, recoveryLine, type ExpectedRun } from '../support/expected-drill.js';
import { linesOf, runBin, type BinResult } from '../support/run-bin.js';

const HEALER_OPTIONS = ['--scenario', '--max-attempts', '--backoff-seconds', '--detect-failures', '--repair-failures', '--verify-failures'];

const scratch = mkdtempSync(join(tmpdir(), 'opsheal-contract-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A finished drill: stdout byte for byte, exit 1 exactly when it escalated, nothing on stderr. */
function expectRun(result: BinResult, expected: ExpectedRun): void {
  expect(result.stdout).toBe(expected.stdout);
  expect(result.stdoutBytes.equals(Buffer.from(expected.stdout, 'utf8'))).toBe(true);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(expected.escalated ? 1 : 0);
}

/** An argument error: the message on stderr, exit 2, nothing on stdout. */
function expectUsageError(result: BinResult, message: string): void {
  expect(result.stderr).toBe(`ERROR: ${message}\n`);
  expect(result.stdout).toBe('');
  expect(result.status).toBe(2);
}

describe('runbook list and show', () => {
  it('list prints the four class names in the contract order and exits 0', () => {
    const result = runBin('runbook', ['list']);
    expect(result.stdout).toBe(CONTRACT_CLASSES.map((entry) => `${entry.id}\n`).join(''));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(CONTRACT_CLASSES.map((entry) => [entry.id, entry] as const))('show %s prints exactly the five contract lines', (_id, entry) => {
    const result = runBin('runbook', ['show', entry.id]);
    expect(result.stdout).toBe(
      `CLASS: ${entry.id}\n` +
        `TRIGGER: ${entry.trigger}\n` +
        `OWNER: ${entry.owner}\n` +
        `ESCALATION: ${entry.escalation}\n` +
        `DRILL: runbook drill ${entry.id} --scenario success\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('show index-drift matches the contract example literally', () => {
    expect(runBin('runbook', ['show', 'index-drift']).stdout).toBe(
      [
        'CLASS: index-drift',
        'TRIGGER: index parity check fails or retrieval health loop reports divergence',
        'OWNER: Engineering Lead',
        'ESCALATION: Engineering Lead -> Operations Lead',
        'DRILL: runbook drill index-drift --scenario success',
        '',
      ].join('\n'),
    );
  });

  it('list --json prints one object per class, in order, with the contract table fields', () => {
    const result = runBin('runbook', ['list', '--json']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const objects = linesOf(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects.map((object) => object.class)).toEqual(CONTRACT_CLASSES.map((entry) => entry.id));
    for (const [index, entry] of CONTRACT_CLASSES.entries()) {
      expect(objects[index]).toMatchObject({
        class: entry.id,
        owner: entry.owner,
        escalation_path: entry.escalation,
        trigger: entry.trigger,
        summary: entry.summary,
        steps: entry.steps.map((step, stepIndex) => ({
          phase: ['detect', 'repair', 'verify'][stepIndex],
          name: step.name,
          drill_command: step.command,
        })),
        drill: `runbook drill ${entry.id} --scenario success`,
      });
    }
  });

  it('show <class> --json prints that class as one line, the same line list --json prints for it', () => {
    const listed = linesOf(runBin('runbook', ['list', '--json']).stdout);
    for (const [index, entry] of CONTRACT_CLASSES.entries()) {
      // --json before and after the class name both work.
      const args = index % 2 === 0 ? ['show', entry.id, '--json'] : ['show', '--json', entry.id];
      const result = runBin('runbook', args);
      expect(result.status).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`${listed[index]}\n`);
    }
  });
});

describe('opsheal usage', () => {
  it('names every command opsheal runs, each of which answers --help (regression: check, inject, workspace and demo were missing)', () => {
    const usage = runBin('opsheal', ['--help']);
    expect(usage.status).toBe(0);
    const commands = [...usage.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1]);
    expect(commands).toEqual(['list', 'show', 'drill', 'check', 'heal', 'inject', 'workspace', 'demo', 'help']);
    for (const command of commands.filter((name) => name !== 'help')) {
      const help = runBin('opsheal', [command as string, '--help']);
      expect(help.status, command).toBe(0);
      expect(help.stdout, command).toMatch(/Usage: /);
    }
  });
});

describe('runbook usage', () => {
  const usage = runBin('runbook', ['help']);

  it('help prints usage on stdout naming every command, nothing on stderr, exit 0', () => {
    expect(usage.status).toBe(0);
    expect(usage.stderr).toBe('');
    expect(usage.stdout).toMatch(/^Usage: runbook /);
    for (const word of ['list', 'show <class>', 'drill <class|all>', 'help']) expect(usage.stdout).toContain(word);
  });

  it.each([['--help'], ['-h'], ['help', 'ignored-extra']])('%s prints the same usage and exits 0', (...args) => {
    const result = runBin('runbook', args);
    expect(result).toMatchObject({ status: 0, stderr: '', stdout: usage.stdout });
  });

  it('no command at all prints usage on stdout and exits 2', () => {
    expect(runBin('runbook', [])).toMatchObject({ status: 2, stderr: '', stdout: usage.stdout });
  });

  it('an unknown command is an error on stderr with usage on stdout, exit 2', () => {
    expect(runBin('runbook', ['bogus', 'index-drift'])).toMatchObject({
      status: 2,
      stderr: 'ERROR: Unknown command: bogus\n',
      stdout: usage.stdout,
    });
  });

  it('an unknown command with a control character is shown escaped', () => {
    expect(runBin('runbook', ['\u001b[2J'])).toMatchObject({ status: 2, stderr: 'ERROR: Unknown command: \\x1b[2J\n' });
  });

  it.each([
    [['show'], 'show requires <failure-class>'],
    [['show', ''], 'show requires <failure-class>'],
    [['drill'], 'drill requires <failure-class|all>'],
    [['show', 'bogus'], 'Unknown failure class: bogus'],
    [['drill', 'bogus'], 'Unknown failure class: bogus'],
    [['drill', 'Index-Drift', '--scenario', 'escalate'], 'Unknown failure class: Index-Drift'],
    [['drill', 'heal-index-drift'], 'Unknown failure class: heal-index-drift'],
  ])('runbook %j: %s', (args, message) => {
    expectUsageError(runBin('runbook', args), message);
  });

  it.each([
    ['heal-index-drift', ['--help']],
    ['heal-session-ambiguity', ['-h']],
    ['heal-ledger-mismatch', ['--help', '--bogus']],
    ['heal-telemetry-drift', ['--max-attempts', '2', '-h']],
  ])('%s %j prints the healer usage with every contract option, exit 0', (bin, args) => {
    const result = runBin(bin, args);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: ${bin} `));
    for (const option of [...HEALER_OPTIONS, '--help', '-h']) expect(result.stdout).toContain(option);
  });

  it.each([
    [['drill', '--help']],
    [['drill', 'all', '--help']],
    [['drill', 'index-drift', '-h']],
  ])('runbook %j prints the drill usage with every contract option, exit 0', (args) => {
    const result = runBin('runbook', args);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: runbook drill /);
    for (const option of HEALER_OPTIONS) expect(result.stdout).toContain(option);
  });
});

// Each error case runs through one of these in turn, so every executable meets a share of them
// without multiplying the process count; `drill all` shows that nothing runs before validation.
const ERROR_RUNNERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['heal-index-drift', []],
  ['runbook', ['drill', 'all']],
  ['heal-session-ambiguity', []],
  ['runbook', ['drill', 'ledger-mismatch']],
  ['heal-ledger-mismatch', []],
  ['heal-telemetry-drift', []],
];

const ARGUMENT_ERRORS: ReadonlyArray<readonly [readonly string[], string]> = [
  // Unknown option: any unknown word, positional ones too, before anything else.
  [['--bogus'], 'Unknown option: --bogus'],
  [['extra'], 'Unknown option: extra'],
  [['--max-attempts', '3', 'index-drift'], 'Unknown option: index-drift'],
  [['--max-attempts', 'x', '--bogus'], 'Unknown option: --bogus'],
  [['--scenario', 'nope', '-x'], 'Unknown option: -x'],
  [['--bogus', '--max-attempts'], 'Unknown option: --bogus'],
  [['--bogus', '--help'], 'Unknown option: --bogus'],
  [['--max-attempts=3', '--Scenario=success'], 'Unknown option: --Scenario=success'],
  [['-m', '3'], 'Unknown option: -m'],
  [['--'], 'Unknown option: --'],
  [['-hx'], 'Unknown option: -hx'],
  [['--help=yes'], 'Unknown option: --help=yes'],
  [['\u001b[31mred'], 'Unknown option: \\x1b[31mred'],
  // Then a value option that ends the line, same form for each option.
  ...HEALER_OPTIONS.map((option) => [[option], `${option} requires a value`] as const),
  [['--max-attempts', '2', '--scenario'], '--scenario requires a value'],
  [['--scenario', 'bogus', '--verify-failures'], '--verify-failures requires a value'],
  [['--max-attempts', 'x', '--detect-failures'], '--detect-failures requires a value'],
  // Then max_attempts unsigned, backoff_seconds unsigned, max_attempts >= 1.
  [['--max-attempts', 'abc'], 'max_attempts must be an unsigned integer (got: abc)'],
  [['--max-attempts=-1'], 'max_attempts must be an unsigned integer (got: -1)'],
  [['--max-attempts', '1.5'], 'max_attempts must be an unsigned integer (got: 1.5)'],
  [['--max-attempts='], 'max_attempts must be an unsigned integer (got: )'],
  [['--max-attempts', '+3'], 'max_attempts must be an unsigned integer (got: +3)'],
  [['--max-attempts', '0x10'], 'max_attempts must be an unsigned integer (got: 0x10)'],
  [['--max-attempts', ' 3'], 'max_attempts must be an unsigned integer (got:  3)'],
  [['--max-attempts', '\u0663'], 'max_attempts must be an unsigned integer (got: \u0663)'],
  [['--max-attempts', '\u0007'], 'max_attempts must be an unsigned integer (got: \\x07)'],
  [['--backoff-seconds', 'soon'], 'backoff_seconds must be an unsigned integer (got: soon)'],
  [['--backoff-seconds', 'x', '--max-attempts', 'y'], 'max_attempts must be an unsigned integer (got: y)'],
  [['--max-attempts', '0', '--backoff-seconds', 'x'], 'backoff_seconds must be an unsigned integer (got: x)'],
  [['--max-attempts', '0'], 'max_attempts must be >= 1'],
  [['--max-attempts=000'], 'max_attempts must be >= 1'],
  [['--detect-failures', 'x', '--max-attempts', '0'], 'max_attempts must be >= 1'],
  // Then the failure counts, detect, repair, verify.
  [['--verify-failures', 'z', '--repair-failures', 'y', '--detect-failures', 'x'], 'detect_failures must be an unsigned integer (got: x)'],
  [['--verify-failures', 'z', '--repair-failures', 'y'], 'repair_failures must be an unsigned integer (got: y)'],
  [['--verify-failures=-2'], 'verify_failures must be an unsigned integer (got: -2)'],
  [['--scenario', 'bogus', '--verify-failures', 'z'], 'verify_failures must be an unsigned integer (got: z)'],
  // And last the scenario.
  [['--scenario', 'bogus'], 'scenario must be success or escalate'],
  [['--scenario='], 'scenario must be success or escalate'],
  [['--scenario', 'Success'], 'scenario must be success or escalate'],
  // Improvement: bounds.
  [['--max-attempts', '1001'], 'max_attempts must be at most 1000 (got: 1001)'],
  [['--max-attempts', '99999999999999999999'], 'max_attempts must be at most 1000 (got: 99999999999999999999)'],
  [['--backoff-seconds', '3601'], 'backoff_seconds must be at most 3600 (got: 3601)'],
  [['--backoff-seconds=86400'], 'backoff_seconds must be at most 3600 (got: 86400)'],
  [['--detect-failures', '1000001'], 'detect_failures must be at most 1000000 (got: 1000001)'],
  [['--repair-failures=18446744073709551616'], 'repair_failures must be at most 1000000 (got: 18446744073709551616)'],
  [['--verify-failures', '01000001'], 'verify_failures must be at most 1000000 (got: 01000001)'],
  [['--max-attempts', '1001', '--backoff-seconds', 'x'], 'backoff_seconds must be an unsigned integer (got: x)'],
  [['--scenario', 'bogus', '--max-attempts', '1001'], 'max_attempts must be at most 1000 (got: 1001)'],
  [['--scenario', 'bogus', '--detect-failures', '1000001'], 'detect_failures must be at most 1000000 (got: 1000001)'],
];

describe('argument errors: stderr, exit 2, nothing on stdout, in the contract order', () => {
  const cases = ARGUMENT_ERRORS.map(([args, message], index) => {
    const [bin, prefix] = ERROR_RUNNERS[index % ERROR_RUNNERS.length] ?? ['heal-index-drift', []];
    return [[bin, ...prefix, ...args].join(' '), bin, [...prefix, ...args], message] as const;
  });
  it.each(cases)('%j -> %s', (_label, bin, args, message) => {
    expectUsageError(runBin(bin, args), message);
  });

  it('runbook drill all with an argument error runs no class at all', () => {
    expectUsageError(runBin('runbook', ['drill', 'all', '--scenario', 'escalate', '--verify-failures', 'many']), 'verify_failures must be an unsigned integer (got: many)');
  });
});

describe('drill output, byte for byte', () => {
  it.each(CONTRACT_CLASSES.map((entry) => [entry.id] as const))(
    'heal-%s with the defaults shows one retryable detect failure, then recovery, and runbook drill prints the same bytes',
    (id) => {
      const healer = runBin(`heal-${id}`);
      const expected = expectedDrill(id);
      expectRun(healer, expected);
      expect(healer.stdout.match(/\| WARN \|/g)).toHaveLength(1);
      const viaRunbook = runBin('runbook', ['drill', id]);
      expectRun(viaRunbook, expected);
      expect(viaRunbook.stdoutBytes.equals(healer.stdoutBytes)).toBe(true);
    },
  );

  it('the default index-drift drill is exactly these lines', () => {
    const ts = CONTRACT_TIMESTAMP;
    const detect = 'node dist/memory/reindex-embeddings.js --health-check --target index';
    expect(runBin('heal-index-drift').stdout).toBe(
      [
        `${ts} | STATE | class=index-drift scenario=success max_attempts=3`,
        `${ts} | ACTION | class=index-drift step=detect-divergence attempt=1/3 command=${detect}`,
        `${ts} | WARN | class=index-drift step=detect-divergence outcome=retryable-failure`,
        `${ts} | ACTION | class=index-drift step=detect-divergence attempt=2/3 command=${detect}`,
        `${ts} | OK | class=index-drift step=detect-divergence outcome=success`,
        `${ts} | ACTION | class=index-drift step=rebuild-index attempt=1/3 command=node dist/memory/reindex-embeddings.js --rebuild --target index`,
        `${ts} | OK | class=index-drift step=rebuild-index outcome=success`,
        `${ts} | ACTION | class=index-drift step=verify-parity attempt=1/3 command=node dist/memory/reindex-embeddings.js --verify --target index`,
        `${ts} | OK | class=index-drift step=verify-parity outcome=success`,
        '{"event":"RECOVERY_COMPLETE","failure_class":"index-drift","owner":"Engineering Lead","summary":"index parity restored and verified","timestamp":"2026-02-22T00:00:00Z"}',
        '',
      ].join('\n'),
    );
  });

  it('telemetry-drift --scenario escalate --max-attempts 2 ends with the contract example payload, exit 1', () => {
    const result = runBin('heal-telemetry-drift', ['--scenario', 'escalate', '--max-attempts', '2']);
    expectRun(result, expectedDrill('telemetry-drift', { scenario: 'escalate', maxAttempts: 2 }));
    expect(linesOf(result.stdout).at(-1)).toBe(
      '{"event":"ESCALATION","failure_class":"telemetry-drift","step":"detect-schema-doc-drift","attempts":2,"owner":"Operations Lead","reason":"bounded-retry-exhausted","next_action":"operator-ack-required","command":"node dist/evals/run-phase3-telemetry-dashboard.js --check schema-doc-parity","timestamp":"2026-02-22T00:00:00Z"}',
    );
    const viaRunbook = runBin('runbook', ['drill', 'telemetry-drift', '--scenario', 'escalate', '--max-attempts', '2']);
    expect(viaRunbook.stdoutBytes.equals(result.stdoutBytes)).toBe(true);
    expect(viaRunbook.status).toBe(1);
  });

  it('the index-drift recovery payload matches the contract example', () => {
    expect(recoveryLine(contractClass('index-drift'))).toBe(
      '{"event":"RECOVERY_COMPLETE","failure_class":"index-drift","owner":"Engineering Lead","summary":"index parity restored and verified","timestamp":"2026-02-22T00:00:00Z"}',
    );
  });

  const RUNS: ReadonlyArray<readonly [string, string, readonly string[], ExpectedRun]> = [
    ['--max-attempts 1 with the defaults escalates at detect after one attempt', 'heal-index-drift', ['--max-attempts', '1'], expectedDrill('index-drift', { maxAttempts: 1 })],
    ['--scenario escalate with the default bound exhausts detect after 3 attempts', 'heal-ledger-mismatch', ['--scenario', 'escalate'], expectedDrill('ledger-mismatch', { scenario: 'escalate' })],
    [
      'escalate overrides failure flags given after it',
      'heal-session-ambiguity',
      ['--scenario', 'escalate', '--detect-failures', '0', '--repair-failures', '0', '--verify-failures', '0'],
      expectedDrill('session-ambiguity', { scenario: 'escalate' }),
    ],
    [
      'escalate overrides failure flags given before it',
      'heal-telemetry-drift',
      ['--detect-failures=0', '--max-attempts=5', '--scenario=escalate'],
      expectedDrill('telemetry-drift', { scenario: 'escalate', maxAttempts: 5 }),
    ],
    ['no detect failure: no WARN line at all', 'heal-ledger-mismatch', ['--detect-failures', '0'], expectedDrill('ledger-mismatch', { detectFailures: 0 })],
    ['detect failing every attempt escalates at detect', 'heal-index-drift', ['--detect-failures', '2', '--max-attempts', '2'], expectedDrill('index-drift', { detectFailures: 2, maxAttempts: 2 })],
    ['repair failing twice of three recovers', 'heal-index-drift', ['--repair-failures', '2'], expectedDrill('index-drift', { repairFailures: 2 })],
    ['repair failing every attempt escalates at the repair step', 'heal-session-ambiguity', ['--repair-failures', '3'], expectedDrill('session-ambiguity', { repairFailures: 3 })],
    ['verify failing once recovers', 'heal-ledger-mismatch', ['--verify-failures', '1'], expectedDrill('ledger-mismatch', { verifyFailures: 1 })],
    [
      'verify failing every attempt escalates at the verify step',
      'heal-telemetry-drift',
      ['--detect-failures', '0', '--verify-failures', '3'],
      expectedDrill('telemetry-drift', { detectFailures: 0, verifyFailures: 3 }),
    ],
    [
      'failures in every step within the bound recover',
      'runbook',
      ['drill', 'ledger-mismatch', '--max-attempts', '4', '--detect-failures', '3', '--repair-failures', '2', '--verify-failures', '3'],
      expectedDrill('ledger-mismatch', { maxAttempts: 4, detectFailures: 3, repairFailures: 2, verifyFailures: 3 }),
    ],
    ['--max-attempts 08 means 8 and prints "attempts":8', 'heal-index-drift', ['--max-attempts', '08', '--scenario', 'escalate'], expectedDrill('index-drift', { scenario: 'escalate', maxAttempts: 8 })],
    ['a 20-digit --max-attempts with leading zeros means 3', 'heal-session-ambiguity', ['--max-attempts=00000000000000000003'], expectedDrill('session-ambiguity')],
    ['--max-attempts 1000 is accepted', 'heal-telemetry-drift', ['--max-attempts', '1000', '--detect-failures', '0'], expectedDrill('telemetry-drift', { maxAttempts: 1000, detectFailures: 0 })],
    ['--detect-failures 1000000 is accepted', 'heal-ledger-mismatch', ['--detect-failures', '1000000'], expectedDrill('ledger-mismatch', { detectFailures: 1_000_000 })],
    // With no failing attempt there is nothing to wait after, so even the largest backoff returns at once.
    ['--backoff-seconds 3600 is accepted and never waited when nothing fails', 'heal-index-drift', ['--backoff-seconds', '3600', '--detect-failures', '0'], expectedDrill('index-drift', { detectFailures: 0 })],
    ['no wait after the last attempt, even with a backoff', 'heal-index-drift', ['--backoff-seconds=3600', '--max-attempts=1'], expectedDrill('index-drift', { maxAttempts: 1 })],
    ['a backoff between attempts does not change the lines', 'heal-session-ambiguity', ['--backoff-seconds', '1'], expectedDrill('session-ambiguity')],
  ];

  it.each(RUNS)('%s', (_name, bin, args, expected) => {
    expectRun(runBin(bin, args), expected);
  });

  // Each option in both `--opt v` and `--opt=v` forms, with a value that changes the output.
  const FORMS: ReadonlyArray<readonly [string, string, ExpectedRun]> = [
    ['--scenario', 'escalate', expectedDrill('session-ambiguity', { scenario: 'escalate' })],
    ['--max-attempts', '2', expectedDrill('session-ambiguity', { maxAttempts: 2 })],
    ['--detect-failures', '2', expectedDrill('session-ambiguity', { detectFailures: 2 })],
    ['--repair-failures', '1', expectedDrill('session-ambiguity', { repairFailures: 1 })],
    ['--verify-failures', '2', expectedDrill('session-ambiguity', { verifyFailures: 2 })],
  ];
  it.each(FORMS)('%s %s and %s=%s print the same expected bytes', (option, value, expected) => {
    const spaced = runBin('heal-session-ambiguity', [option, value]);
    const joined = runBin('heal-session-ambiguity', [`${option}=${value}`]);
    expectRun(spaced, expected);
    expectRun(joined, expected);
  });

  it('--backoff-seconds is read in both forms (its value shows in --json BACKOFF lines and its bound)', () => {
    const spaced = runBin('heal-index-drift', ['--json', '--backoff-seconds', '1']);
    expect(spaced.status).toBe(0);
    const backoffs = linesOf(spaced.stdout)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((object) => object.level === 'BACKOFF');
    expect(backoffs).toHaveLength(1);
    expect(backoffs[0]).toMatchObject({ class: 'index-drift', step: 'detect-divergence', attempt: 1, seconds: 1 });
    expectUsageError(runBin('heal-index-drift', ['--backoff-seconds=3601']), 'backoff_seconds must be at most 3600 (got: 3601)');
  });
});

describe('runbook drill all', () => {
  it('runs the four classes in order and exits 0 when all recover', () => {
    const first = runBin('runbook', ['drill', 'all']);
    expectRun(first, expectedDrillAll());
    expect(first.stdout.match(/^\{"event":"RECOVERY_COMPLETE","failure_class":"([a-z-]+)"/gm)).toHaveLength(4);
    // A second run prints the same bytes.
    expect(runBin('runbook', ['drill', 'all']).stdoutBytes.equals(first.stdoutBytes)).toBe(true);
  });

  it('goes on after an escalation, runs all four and exits 1', () => {
    const first = runBin('runbook', ['drill', 'all', '--scenario', 'escalate', '--max-attempts', '2']);
    const expected = expectedDrillAll({ scenario: 'escalate', maxAttempts: 2 });
    expectRun(first, expected);
    expect(expected.payloads.map((payload) => (JSON.parse(payload) as { failure_class: string }).failure_class)).toEqual(
      CONTRACT_CLASSES.map((entry) => entry.id),
    );
    expect(runBin('runbook', ['drill', 'all', '--scenario', 'escalate', '--max-attempts', '2']).stdoutBytes.equals(first.stdoutBytes)).toBe(true);
  });

  it('exits 1 when one bound makes every class escalate at verify', () => {
    expectRun(
      runBin('runbook', ['drill', 'all', '--detect-failures=0', '--verify-failures=1', '--max-attempts=1']),
      expectedDrillAll({ detectFailures: 0, verifyFailures: 1, maxAttempts: 1 }),
    );
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  it('0 stamps every line with 1970-01-01T00:00:00Z', () => {
    expectRun(
      runBin('heal-ledger-mismatch', ['--scenario', 'escalate', '--max-attempts', '1'], { SOURCE_DATE_EPOCH: '0' }),
      expectedDrill('ledger-mismatch', { scenario: 'escalate', maxAttempts: 1, timestamp: '1970-01-01T00:00:00Z' }),
    );
  });

  it('unset, every timestamp is the real time in UTC to the second', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const result = runBin('heal-index-drift', [], { SOURCE_DATE_EPOCH: undefined });
    const after = Date.now();
    expect(result.status).toBe(0);
    const stamps = [
      ...linesOf(result.stdout)
        .filter((line) => !line.startsWith('{'))
        .map((line) => line.split(' | ')[0] ?? ''),
      (JSON.parse(linesOf(result.stdout).at(-1) ?? '{}') as { timestamp: string }).timestamp,
    ];
    expect(stamps).toHaveLength(10);
    for (const stamp of stamps) {
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const ms = Date.parse(stamp);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
  });

  it('a value that is not seconds is a usage error, nothing run', () => {
    expectUsageError(runBin('heal-index-drift', [], { SOURCE_DATE_EPOCH: 'yesterday' }), 'SOURCE_DATE_EPOCH must be an unsigned integer (got: yesterday)');
  });
});

describe('ESCALATION_FILE', () => {
  const telemetryEscalation = escalationLine(contractClass('telemetry-drift'), 0, 2);

  it('receives the escalation line whole, creating missing parent folders and leaving no temp file', () => {
    const folder = join(scratch, 'missing', 'parents');
    const file = join(folder, 'escalation.json');
    const result = runBin('heal-telemetry-drift', ['--scenario', 'escalate', '--max-attempts', '2'], { ESCALATION_FILE: file });
    expectRun(result, expectedDrill('telemetry-drift', { scenario: 'escalate', maxAttempts: 2 }));
    expect(readFileSync(file, 'utf8')).toBe(`${telemetryEscalation}\n`);
    expect(readdirSync(folder)).toEqual(['escalation.json']);
  });

  it('replaces what the file held; with drill all it ends holding the last escalation', () => {
    const file = join(scratch, 'replaced.json');
    writeFileSync(file, 'old content that is longer than nothing\n'.repeat(100));
    const result = runBin('runbook', ['drill', 'all', '--scenario', 'escalate', '--max-attempts', '2'], { ESCALATION_FILE: file });
    expectRun(result, expectedDrillAll({ scenario: 'escalate', maxAttempts: 2 }));
    expect(readFileSync(file, 'utf8')).toBe(`${telemetryEscalation}\n`);
  });

  it('is not written by a run that recovers', () => {
    const file = join(scratch, 'never', 'written.json');
    expectRun(runBin('heal-index-drift', [], { ESCALATION_FILE: file }), expectedDrill('index-drift'));
    expect(() => readFileSync(file)).toThrow();
  });

  it.each([
    ['under a regular file', () => {
      const blocker = join(scratch, 'a-file');
      writeFileSync(blocker, 'not a folder\n');
      return join(blocker, 'escalation.json');
    }],
    ['naming a folder', () => {
      const folder = join(scratch, 'a-folder');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'keep.txt'), 'x');
      return folder;
    }],
  ])('unwritable (%s): reported on stderr, exit still 1, payload still on stdout', (_name, makePath) => {
    const path = makePath();
    const result = runBin('heal-telemetry-drift', ['--scenario', 'escalate', '--max-attempts', '2'], { ESCALATION_FILE: path });
    expect(result.stdout).toBe(expectedDrill('telemetry-drift', { scenario: 'escalate', maxAttempts: 2 }).stdout);
    expect(result.status).toBe(1);
    expect(linesOf(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^ERROR: .*ESCALATION_FILE/);
    expect(result.stderr).toContain(path);
  });
});

/** Rebuilds the contract's text line from a `--json` event line, or `undefined` for events text mode never prints. */
function textFromJson(object: Record<string, unknown>): string | undefined {
  const ts = String(object.timestamp);
  switch (object.level) {
    case 'STATE':
      return `${ts} | STATE | class=${object.class} scenario=${object.scenario} max_attempts=${object.max_attempts}`;
    case 'ACTION':
      return `${ts} | ACTION | class=${object.class} step=${object.step} attempt=${object.attempt}/${object.max_attempts} command=${object.command}`;
    case 'WARN':
    case 'OK':
      return `${ts} | ${object.level} | class=${object.class} step=${object.step} outcome=${object.outcome}`;
    case 'BACKOFF':
      return undefined;
    default:
      throw new Error(`unexpected level ${String(object.level)}`);
  }
}

describe('--json', () => {
  const cases: ReadonlyArray<readonly [string, string, readonly string[], ExpectedRun]> = [
    ['heal-index-drift --json', 'heal-index-drift', ['--json'], expectedDrill('index-drift')],
    [
      'runbook drill all --json --scenario escalate',
      'runbook',
      ['drill', 'all', '--json', '--scenario', 'escalate', '--max-attempts', '2'],
      expectedDrillAll({ scenario: 'escalate', maxAttempts: 2 }),
    ],
    ['heal-ledger-mismatch --repair-failures 1 --json', 'heal-ledger-mismatch', ['--repair-failures', '1', '--json'], expectedDrill('ledger-mismatch', { repairFailures: 1 })],
  ];

  it.each(cases)('%s: every line is JSON, events carry their fields, payload lines are unchanged', (_name, bin, args, expected) => {
    const result = runBin(bin, args);
    expect(result.status).toBe(expected.escalated ? 1 : 0);
    expect(result.stderr).toBe('');
    const lines = linesOf(result.stdout);
    const payloads: string[] = [];
    const rebuilt: string[] = [];
    for (const line of lines) {
      const object = JSON.parse(line) as Record<string, unknown>;
      if ('event' in object) {
        payloads.push(line);
        rebuilt.push(line);
        continue;
      }
      expect(object).toHaveProperty('level');
      expect(object).toHaveProperty('class');
      expect(object.timestamp).toBe(CONTRACT_TIMESTAMP);
      if (object.level !== 'STATE') {
        for (const key of ['step', 'attempt', 'command']) expect(object).toHaveProperty(key);
      }
      if (object.level === 'OK' || object.level === 'WARN') {
        expect(object.outcome).toBe(object.level === 'OK' ? 'success' : 'retryable-failure');
      }
      const text = textFromJson(object);
      if (text !== undefined) rebuilt.push(text);
    }
    expect(payloads).toEqual(expected.payloads);
    expect(rebuilt.map((line) => `${line}\n`).join('')).toBe(expected.stdout);
    // The default backoff is 0: every wait between attempts is reported as zero seconds.
    const backoffs = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((object) => object.level === 'BACKOFF');
    expect(backoffs.length).toBeGreaterThan(0);
    for (const backoff of backoffs) expect(backoff.seconds).toBe(0);
    // Reproducible in this mode too.
    expect(runBin(bin, args).stdoutBytes.equals(result.stdoutBytes)).toBe(true);
  });
});
