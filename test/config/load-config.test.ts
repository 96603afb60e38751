import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../src/catalog/failure-classes.js';
import { UsageError } from '../../src/core/usage-error.js';
import { findWorkspaceConfig, loadConfig } from '../../src/config/load-config.js';
import { defaultConfig } from '../../src/config/opsheal-config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'opsheal-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The message loadConfig throws for this file, asserting it is a UsageError. */
function errorFor(file: string): string {
  try {
    loadConfig(file);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`expected ${file} to be rejected`);
}

/** The message for a JSON config with this content; the `config <file>: ` prefix is checked and dropped. */
function jsonProblem(config: unknown): string {
  const file = write('x.json', JSON.stringify(config));
  const message = errorFor(file);
  expect(message.startsWith(`config ${file}: `)).toBe(true);
  return message.slice(`config ${file}: `.length);
}

describe('loadConfig: valid files', () => {
  it('fills every default for an empty JSON object, with baseDir the file folder and source the file', () => {
    const file = write('opsheal.config.json', '{}');
    expect(loadConfig(file)).toEqual({ ...defaultConfig(dir), source: file });
  });

  it('lays a full JSON config over the defaults', () => {
    const file = write('opsheal.config.json', JSON.stringify({
      db: 'data/index.sqlite',
      specsRoot: 'docs/specs',
      telemetry: { docs: 'docs/TELEMETRY.md' },
      policy: { maxAttempts: 5, backoffSeconds: 2 },
      thresholds: { misrouteRate: 0.05, maxOrphanedShare: 0.25 },
      lockTimeoutSeconds: 0,
      owners: { 'index-drift': 'Platform on-call' },
      steps: {
        'index-drift': {
          'rebuild-index': {
            command: ['node', 'scripts/reindex.js', '--all'],
            timeoutSeconds: 600,
            cwd: 'tools',
            env: { REINDEX_MODE: 'full' },
            nonRetryableExitCodes: [2, 64],
          },
        },
      },
    }));
    expect(loadConfig(file)).toEqual({
      source: file,
      baseDir: dir,
      db: 'data/index.sqlite',
      specsRoot: 'docs/specs',
      telemetry: { schema: 'telemetry/schema.json', docs: 'docs/TELEMETRY.md', events: 'telemetry/events.jsonl' },
      policy: { maxAttempts: 5, backoffSeconds: 2 },
      thresholds: { misrouteRate: 0.05, lookupP95Ms: 5, sampleSize: 500, maxOrphanedShare: 0.25 },
      lockTimeoutSeconds: 0,
      owners: { 'index-drift': 'Platform on-call' },
      steps: {
        'index-drift': {
          'rebuild-index': {
            command: ['node', 'scripts/reindex.js', '--all'],
            timeoutSeconds: 600,
            cwd: 'tools',
            env: { REINDEX_MODE: 'full' },
            nonRetryableExitCodes: [2, 64],
          },
        },
      },
    });
  });

  it('reads YAML, keeping the defaults it does not mention', () => {
    const file = write('opsheal.config.yaml', [
      '# the workspace config',
      'thresholds:',
      '  lookupP95Ms: 12.5',
      'steps:',
      '  telemetry-drift:',
      '    verify-release-gate:',
      '      command: [node, gate.js, "--strict"]',
      '      timeoutSeconds: 30',
      '',
    ].join('\n'));
    const config = loadConfig(file);
    expect(config.thresholds).toEqual({ misrouteRate: 0.02, lookupP95Ms: 12.5, sampleSize: 500, maxOrphanedShare: 0.5 });
    expect(config.specsRoot).toBe('specs');
    expect(config.policy).toBeUndefined();
    expect(config.db).toBeUndefined();
    expect(config.steps).toEqual({
      'telemetry-drift': { 'verify-release-gate': { command: ['node', 'gate.js', '--strict'], timeoutSeconds: 30 } },
    });
  });

  it('reads .yml and an unknown extension as YAML, and a UTF-8 byte-order mark is ignored', () => {
    expect(loadConfig(write('c.yml', 'specsRoot: a')).specsRoot).toBe('a');
    expect(loadConfig(write('c.conf', 'specsRoot: b')).specsRoot).toBe('b');
    expect(loadConfig(write('c.json', '\uFEFF{"specsRoot": "c"}')).specsRoot).toBe('c');
  });

  it('treats an empty YAML file, or one with only comments, as all defaults', () => {
    expect(loadConfig(write('empty.yaml', ''))).toEqual({ ...defaultConfig(dir), source: path.join(dir, 'empty.yaml') });
    expect(loadConfig(write('comments.yaml', '# nothing yet\n')).lockTimeoutSeconds).toBe(10);
  });

  it('accepts a command for every step of every class in the catalog', () => {
    const steps = Object.fromEntries(FAILURE_CLASSES.map((failureClass) => [
      failureClass.id,
      Object.fromEntries(failureClass.steps.map((step) => [step.name, { command: ['true'] }])),
    ]));
    expect(loadConfig(write('all.json', JSON.stringify({ steps }))).steps).toEqual(steps);
  });

  it('resolves baseDir to an absolute folder even for a relative file name', () => {
    const file = write('rel.json', '{}');
    const relative = path.relative(process.cwd(), file);
    const config = loadConfig(relative);
    expect(config.baseDir).toBe(dir);
    expect(config.source).toBe(relative);
  });
});

describe('loadConfig: messages name the file, the dotted path, what was expected and what was found', () => {
  it('a file that cannot be read', () => {
    const file = path.join(dir, 'missing.json');
    expect(errorFor(file)).toBe(`config ${file}: cannot read: ENOENT: no such file or directory, open '${file}'`);
  });

  it('a folder where the file should be', () => {
    const folder = path.join(dir, 'opsheal.config.json');
    mkdirSync(folder);
    expect(errorFor(folder)).toBe(`config ${folder}: cannot read: EISDIR: illegal operation on a directory, read`);
  });

  it('JSON that does not parse, with the parser message', () => {
    const text = '{"specsRoot": }';
    let parserMessage = '';
    try {
      JSON.parse(text);
    } catch (error) {
      parserMessage = (error as Error).message;
    }
    const file = write('x.json', text);
    expect(errorFor(file)).toBe(`config ${file}: not valid JSON: ${parserMessage}`);
  });

  it('YAML that does not parse: the first line of the parser message, with its position', () => {
    const file = write('opsheal.yaml', 'specsRoot: a\nspecsRoot: b\n');
    expect(errorFor(file)).toBe(`config ${file}: not valid YAML: Map keys must be unique at line 2, column 1`);
  });

  it('YAML with several documents', () => {
    const file = write('opsheal.yaml', 'specsRoot: a\n---\nspecsRoot: b\n');
    expect(errorFor(file)).toBe(
      `config ${file}: not valid YAML: Source contains multiple documents; please use YAML.parseAllDocuments() at line 2, column 1`,
    );
  });

  it('YAML with an alias to no anchor', () => {
    const file = write('opsheal.yaml', 'specsRoot: *nowhere\n');
    expect(errorFor(file)).toMatch(new RegExp(`^config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid YAML: .*nowhere`));
  });

  it('a step timeout that is not a number (the example from the brief)', () => {
    const file = write('opsheal.yaml', [
      'steps:',
      '  index-drift:',
      '    detect-divergence:',
      '      command: [node, check.js]',
      '      timeoutSeconds: soon',
    ].join('\n'));
    expect(errorFor(file)).toBe(`config ${file}: steps.index-drift.detect-divergence.timeoutSeconds: expected a number > 0 (got: "soon")`);
  });

  it('a step timeout out of range, or not a real number', () => {
    const step = (timeoutSeconds: unknown) => ({ steps: { 'index-drift': { 'detect-divergence': { command: ['x'], timeoutSeconds } } } });
    expect(jsonProblem(step(0))).toBe('steps.index-drift.detect-divergence.timeoutSeconds: expected a number > 0 (got: 0)');
    expect(jsonProblem(step(90000))).toBe('steps.index-drift.detect-divergence.timeoutSeconds: expected a number <= 86400 (got: 90000)');
    const file = write('nan.yaml', 'steps: {index-drift: {detect-divergence: {command: [x], timeoutSeconds: .nan}}}');
    expect(errorFor(file)).toBe(`config ${file}: steps.index-drift.detect-divergence.timeoutSeconds: expected a number > 0 (got: NaN)`);
  });

  it('an unknown step, naming the steps the class has', () => {
    expect(jsonProblem({ steps: { 'index-drift': { 'bogus-step': { command: ['x'] } } } })).toBe(
      'steps.index-drift.bogus-step: unknown step (index-drift has detect-divergence, rebuild-index, verify-parity)',
    );
  });

  it('a step filed under the wrong class, saying which class it belongs to', () => {
    expect(jsonProblem({ steps: { 'index-drift': { 'replay-ledger': { command: ['x'] } } } })).toBe(
      'steps.index-drift.replay-ledger: unknown step (index-drift has detect-divergence, rebuild-index, verify-parity; replay-ledger is a ledger-mismatch step)',
    );
  });

  it('an unknown failure class', () => {
    expect(jsonProblem({ steps: { 'index-drfit': {} } })).toBe(
      'steps.index-drfit: unknown failure class (expected one of index-drift, session-ambiguity, ledger-mismatch, telemetry-drift)',
    );
  });

  it('owners: a failure class it does not know, or an owner that is not a non-empty string', () => {
    expect(jsonProblem({ owners: { 'index-drfit': 'Alice' } })).toBe(
      'owners.index-drfit: unknown failure class (expected one of index-drift, session-ambiguity, ledger-mismatch, telemetry-drift)',
    );
    expect(jsonProblem({ owners: { 'index-drift': '' } })).toMatch(/^owners\.index-drift: expected a non-empty string/);
    expect(jsonProblem({ owners: 'Alice' })).toBe('owners: expected an object of failure classes to owners (got: "Alice")');
  });

  it('unknown fields at the top, in a section and in a step', () => {
    expect(jsonProblem({ specRoot: 'specs' })).toBe(
      'specRoot: unknown field (expected one of db, specsRoot, telemetry, policy, thresholds, lockTimeoutSeconds, owners, steps)',
    );
    expect(jsonProblem({ telemetry: { doc: 'x' } })).toBe('telemetry.doc: unknown field (expected one of schema, docs, events)');
    expect(jsonProblem({ steps: { 'ledger-mismatch': { 'replay-ledger': { command: ['x'], shell: true } } } })).toBe(
      'steps.ledger-mismatch.replay-ledger.shell: unknown field (expected one of command, timeoutSeconds, cwd, env, nonRetryableExitCodes)',
    );
  });

  it('a command that is missing, empty, a string, or holds an empty or non-string argument', () => {
    const step = (body: unknown) => ({ steps: { 'index-drift': { 'rebuild-index': body } } });
    const at = 'steps.index-drift.rebuild-index';
    expect(jsonProblem(step({}))).toBe(`${at}.command: expected a non-empty list of non-empty strings (missing)`);
    expect(jsonProblem(step({ command: [] }))).toBe(`${at}.command: expected a non-empty list of non-empty strings (got: [])`);
    expect(jsonProblem(step({ command: 'node x.js' }))).toBe(`${at}.command: expected a non-empty list of non-empty strings (got: "node x.js")`);
    expect(jsonProblem(step({ command: ['node', ''] }))).toBe(`${at}.command.1: expected a non-empty string (got: "")`);
    expect(jsonProblem(step({ command: ['node', 3] }))).toBe(`${at}.command.1: expected a non-empty string (got: 3)`);
    expect(jsonProblem(step({ command: ['node', 'a\u0000b'] }))).toBe(`${at}.command.1: expected a string without NUL characters`);
    expect(jsonProblem(step('node x.js'))).toBe(`${at}: expected an object with a command (got: "node x.js")`);
  });

  it('a bad cwd, env or exit-code list', () => {
    const step = (extra: object) => ({ steps: { 'index-drift': { 'rebuild-index': { command: ['x'], ...extra } } } });
    const at = 'steps.index-drift.rebuild-index';
    expect(jsonProblem(step({ cwd: '' }))).toBe(`${at}.cwd: expected a non-empty string (got: "")`);
    expect(jsonProblem(step({ env: ['A=1'] }))).toBe(`${at}.env: expected an object of variable names to strings (got: ["A=1"])`);
    expect(jsonProblem(step({ env: { RETRIES: 3 } }))).toBe(`${at}.env.RETRIES: expected a string (got: 3)`);
    expect(jsonProblem(step({ env: { 'A=B': 'x' } }))).toBe(`${at}.env.A=B: expected a variable name without "=" or NUL`);
    expect(jsonProblem(step({ nonRetryableExitCodes: 2 }))).toBe(`${at}.nonRetryableExitCodes: expected a list of integers from 1 to 255 (got: 2)`);
    expect(jsonProblem(step({ nonRetryableExitCodes: [2, 0] }))).toBe(`${at}.nonRetryableExitCodes.1: expected an integer from 1 to 255 (got: 0)`);
    expect(jsonProblem(step({ nonRetryableExitCodes: [256] }))).toBe(`${at}.nonRetryableExitCodes.0: expected an integer from 1 to 255 (got: 256)`);
  });

  it('policy, thresholds and lock timeout out of range', () => {
    expect(jsonProblem({ policy: { maxAttempts: 0 } })).toBe('policy.maxAttempts: expected an integer from 1 to 1000 (got: 0)');
    expect(jsonProblem({ policy: { maxAttempts: 2.5 } })).toBe('policy.maxAttempts: expected an integer from 1 to 1000 (got: 2.5)');
    expect(jsonProblem({ policy: { maxAttempts: '3' } })).toBe('policy.maxAttempts: expected an integer from 1 to 1000 (got: "3")');
    expect(jsonProblem({ policy: { backoffSeconds: 3601 } })).toBe('policy.backoffSeconds: expected an integer from 0 to 3600 (got: 3601)');
    expect(jsonProblem({ thresholds: { misrouteRate: 2 } })).toBe('thresholds.misrouteRate: expected a number from 0 to 1 (got: 2)');
    expect(jsonProblem({ thresholds: { lookupP95Ms: 0 } })).toBe('thresholds.lookupP95Ms: expected a number > 0 (got: 0)');
    expect(jsonProblem({ thresholds: { sampleSize: 1000001 } })).toBe('thresholds.sampleSize: expected an integer from 1 to 1000000 (got: 1000001)');
    expect(jsonProblem({ thresholds: { maxOrphanedShare: 1.5 } })).toBe('thresholds.maxOrphanedShare: expected a number from 0 to 1 (got: 1.5)');
    expect(jsonProblem({ lockTimeoutSeconds: -1 })).toBe('lockTimeoutSeconds: expected a number from 0 to 3600 (got: -1)');
    expect(jsonProblem({ thresholds: 0.02 })).toBe('thresholds: expected an object (got: 0.02)');
    expect(jsonProblem({ db: '' })).toBe('db: expected a non-empty string (got: "")');
  });

  it('a file that is not an object of settings', () => {
    expect(jsonProblem([1, 2])).toBe('expected an object of settings (got: [1,2])');
    const file = write('scalar.yaml', 'just words\n');
    expect(errorFor(file)).toBe(`config ${file}: expected an object of settings (got: "just words")`);
  });

  it('several problems: the first, and how many more', () => {
    expect(jsonProblem({ specsRoot: 1, lockTimeoutSeconds: 'x', bogus: true })).toBe(
      'specsRoot: expected a non-empty string (got: 1) (and 2 more problems)',
    );
    expect(jsonProblem({ specsRoot: 1, lockTimeoutSeconds: 'x' })).toBe('specsRoot: expected a non-empty string (got: 1) (and 1 more problem)');
  });

  it('a long bad value is cut short', () => {
    expect(jsonProblem({ specsRoot: ['x'.repeat(100)] })).toBe(`specsRoot: expected a non-empty string (got: ["${'x'.repeat(57)}…)`);
  });

  it('stays on one line when a key or value holds a line break', () => {
    const file = write('nl.yaml', '"spec\\nRoot": 1\n');
    expect(errorFor(file)).toBe(
      `config ${file}: spec\\u000aRoot: unknown field (expected one of db, specsRoot, telemetry, policy, thresholds, lockTimeoutSeconds, owners, steps)`,
    );
    expect(jsonProblem({ db: 7, specsRoot: 'ok' }).includes('\n')).toBe(false);
    const file2 = write('nl2.json', JSON.stringify({ lockTimeoutSeconds: 'a\nb' }));
    expect(errorFor(file2)).toBe(`config ${file2}: lockTimeoutSeconds: expected a number from 0 to 3600 (got: "a\\nb")`);
  });
});

describe('findWorkspaceConfig', () => {
  it('finds nothing in a workspace without a config', () => {
    expect(findWorkspaceConfig(dir)).toBeUndefined();
  });

  it('finds whichever one of opsheal.config.json, .yaml and .yml there is, and refuses two at once', () => {
    write('opsheal.config.yml', '{}');
    expect(findWorkspaceConfig(dir)).toBe(path.join(dir, 'opsheal.config.yml'));
    write('opsheal.config.json', '{}');
    expect(() => findWorkspaceConfig(dir)).toThrow('the workspace has 2 config files (opsheal.config.json, opsheal.config.yml): keep one, or name it with --config FILE');
  });
});
