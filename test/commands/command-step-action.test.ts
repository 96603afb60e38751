import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../src/catalog/failure-classes.js';
import { commandStepAction } from '../../src/commands/command-step-action.js';
import { isGone } from '../support/process-gone.js';
import { formatArgv } from '../../src/commands/format-argv.js';
import type { CommandStepConfig } from '../../src/config/opsheal-config.js';
import type { AttemptContext } from '../../src/core/step-action.js';
import type { StepOutcome } from '../../src/core/step-outcome.js';
import { runClass, type ClassRunPlan, type RunnableStep } from '../../src/core/step-runner.js';

const node = process.execPath;
let dir: string;
/** Pids a test started that must not outlive it, killed in afterEach whatever happened. */
const strays: number[] = [];

/** Small child programs, written once to the temp folder. */
const SCRIPTS: Record<string, string> = {
  'flaky.mjs': `
    import { readFileSync, writeFileSync } from 'node:fs';
    const counter = process.argv[2];
    let n = 0;
    try { n = Number(readFileSync(counter, 'utf8')); } catch {}
    n += 1;
    writeFileSync(counter, String(n));
    if (n <= 2) { console.error('attempt ' + n + ': index busy'); process.exit(1); }
    console.log('rebuilt on attempt ' + n);
  `,
  'argv.mjs': `
    import { writeFileSync } from 'node:fs';
    writeFileSync(process.argv[2], JSON.stringify(process.argv.slice(3)));
  `,
  'where.mjs': `
    import { writeFileSync } from 'node:fs';
    let stdin = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { stdin += chunk; });
    process.stdin.on('end', () => {
      writeFileSync(process.argv[2], JSON.stringify({
        cwd: process.cwd(), custom: process.env.OPSHEAL_TEST_VALUE ?? null, home: process.env.HOME ?? null,
        path: process.env.PATH ?? null, stdin,
      }));
    });
  `,
  'exit.mjs': `
    const [code, ...lines] = process.argv.slice(2);
    for (const line of lines) console.error(line);
    process.exit(Number(code));
  `,
  'noisy.mjs': `
    process.stdout.write('out: progress\\n');
    for (let i = 1; i <= 30; i++) process.stderr.write('err line ' + i + '\\n');
    process.stderr.write('x'.repeat(3000) + '\\n');
    process.exit(2);
  `,
  'hang.mjs': `
    import { spawn } from 'node:child_process';
    import { writeFileSync } from 'node:fs';
    const [pidFile, grandchildPidFile, mode] = process.argv.slice(2);
    if (mode === 'ignore-term') process.on('SIGTERM', () => { console.error('ignoring SIGTERM'); });
    const grandchild = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(grandchildPidFile, String(grandchild.pid));
    writeFileSync(pidFile, String(process.pid));
    console.error('working...');
    setInterval(() => {}, 1000);
  `,
  'leave-pipe-open.mjs': `
    import { spawn } from 'node:child_process';
    import { writeFileSync } from 'node:fs';
    const grandchild = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: ['ignore', 'inherit', 'inherit'] });
    writeFileSync(process.argv[2], String(grandchild.pid));
    grandchild.unref();
    console.log('left a grandchild holding stdout');
  `,
  'self-kill.mjs': `
    console.error('about to die');
    process.kill(process.pid, 'SIGKILL');
  `,
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'opsheal-commands-'));
  for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(path.join(dir, name), text);
});
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const script = (name: string): string => path.join(dir, name);
const context: AttemptContext = Object.freeze({ failureClass: 'index-drift', step: 'rebuild-index', attempt: 1, maxAttempts: 1, attemptsLeft: 0 });

async function run(step: CommandStepConfig, options: Partial<Parameters<typeof commandStepAction>[1]> = {}): Promise<StepOutcome> {
  return commandStepAction(step, { baseDir: dir, ...options })(context);
}

function stderrTail(outcome: StepOutcome): string {
  const tail = outcome.extras?.['stderr_tail'];
  if (typeof tail !== 'string') throw new Error(`no stderr_tail in ${JSON.stringify(outcome)}`);
  return tail;
}

function readPid(file: string): number {
  const pid = Number(readFileSync(file, 'utf8'));
  strays.push(pid);
  return pid;
}

/** A plan for index-drift whose steps run these commands; every other step passes at once. */
function plan(commands: Partial<Record<string, CommandStepConfig>>, maxAttempts: number): ClassRunPlan {
  const failureClass = FAILURE_CLASSES[0]!;
  const steps: RunnableStep[] = failureClass.steps.map((step) => {
    const config = commands[step.name] ?? { command: [node, '-e', ''] };
    return { name: step.name, command: formatArgv(config.command), action: commandStepAction(config, { baseDir: dir }) };
  });
  return {
    failureClass: failureClass.id,
    owner: failureClass.owner,
    scenario: 'live',
    recoverySummary: failureClass.summary,
    healthySummary: failureClass.healthySummary,
    steps,
    policy: { maxAttempts, backoffSeconds: 7 },
  };
}

/** A runner environment in virtual time: the clock only moves when the fake sleep is called. */
function fakeEnvironment() {
  let now = Date.UTC(2026, 1, 22);
  const sleeps: number[] = [];
  return {
    sleeps,
    env: {
      now: () => now,
      sleep: async (seconds: number) => {
        sleeps.push(seconds);
        now += seconds * 1000;
      },
      emit: () => {},
    },
  };
}

describe('commandStepAction through runClass', () => {
  it('recovers on attempt 3 when the command fails twice and then succeeds', async () => {
    const counter = path.join(dir, 'flaky-counter');
    const { env, sleeps } = fakeEnvironment();
    const result = await runClass(plan({ 'rebuild-index': { command: [node, script('flaky.mjs'), counter] } }, 3), env);

    expect(result.outcome).toBe('recovered');
    expect(readFileSync(counter, 'utf8')).toBe('3');
    expect(sleeps).toEqual([7, 7]);
    expect(result.attempts.map((a) => [a.step, a.attempt, a.outcome, a.message])).toEqual([
      ['detect-divergence', 1, 'success', undefined],
      ['rebuild-index', 1, 'retryable-failure', 'exited with code 1'],
      ['rebuild-index', 2, 'retryable-failure', 'exited with code 1'],
      ['rebuild-index', 3, 'success', undefined],
      ['verify-parity', 1, 'success', undefined],
    ]);
    expect(JSON.parse(result.payload)).toMatchObject({ event: 'RECOVERY_COMPLETE', failure_class: 'index-drift' });
  });

  it('escalates after one attempt, reason non-retryable-error, on an exit code listed as non-retryable', async () => {
    const command = [node, script('exit.mjs'), '3', 'fatal: schema is locked by a migration', 'see ops/runbook.md'];
    const { env, sleeps } = fakeEnvironment();
    const result = await runClass(plan({ 'detect-divergence': { command, nonRetryableExitCodes: [3, 4] } }, 3), env);

    expect(result.outcome).toBe('escalated');
    expect(sleeps).toEqual([]);
    expect(result.attempts).toHaveLength(1);
    expect(JSON.parse(result.payload)).toEqual({
      event: 'ESCALATION',
      failure_class: 'index-drift',
      step: 'detect-divergence',
      attempts: 1,
      owner: 'Engineering Lead',
      reason: 'non-retryable-error',
      next_action: 'operator-ack-required',
      command: formatArgv(command),
      timestamp: '2026-02-22T00:00:00Z',
      error: 'exited with code 3',
      exit_code: 3,
      stderr_tail: 'fatal: schema is locked by a migration\nsee ops/runbook.md',
    });
  });

  it('exhausts the retries, reason bounded-retry-exhausted, on an exit code not listed', async () => {
    const { env, sleeps } = fakeEnvironment();
    const result = await runClass(
      plan({ 'verify-parity': { command: [node, script('exit.mjs'), '5', 'parity 97%'], nonRetryableExitCodes: [3] } }, 2),
      env,
    );
    expect(result.outcome).toBe('escalated');
    expect(sleeps).toEqual([7]);
    expect(JSON.parse(result.payload)).toMatchObject({
      step: 'verify-parity',
      attempts: 2,
      reason: 'bounded-retry-exhausted',
      error: 'exited with code 5',
      exit_code: 5,
      stderr_tail: 'parity 97%',
    });
  });
});

describe('commandStepAction outcomes', () => {
  it('passes on exit 0, with no details', async () => {
    expect(await run({ command: [node, '-e', 'process.exit(0)'] })).toEqual({ kind: 'success' });
  });

  it('times out: a retryable failure, and the child and its grandchild are gone afterwards', async () => {
    const pidFile = path.join(dir, 'hang.pid');
    const grandchildPidFile = path.join(dir, 'hang-grandchild.pid');
    const started = Date.now();
    const outcome = await run({ command: [node, script('hang.mjs'), pidFile, grandchildPidFile], timeoutSeconds: 1 }, { killGraceMs: 300 });
    const elapsed = Date.now() - started;

    expect(outcome).toEqual({
      kind: 'retryable-failure',
      message: 'timed out after 1s',
      extras: { timeout_seconds: 1, stderr_tail: 'working...' },
    });
    expect(elapsed).toBeLessThan(10_000);
    const pid = readPid(pidFile);
    const grandchild = readPid(grandchildPidFile);
    expect(isGone(pid)).toBe(true);
    // The grandchild ignores SIGTERM, so it took the SIGKILL; give the kernel a moment to finish it.
    await expect.poll(() => isGone(grandchild), { timeout: 2000, interval: 50 }).toBe(true);
  });

  it('a child that ignores SIGTERM on timeout is killed after the grace period', async () => {
    const pidFile = path.join(dir, 'stubborn.pid');
    const grandchildPidFile = path.join(dir, 'stubborn-grandchild.pid');
    const started = Date.now();
    const outcome = await run(
      { command: [node, script('hang.mjs'), pidFile, grandchildPidFile, 'ignore-term'], timeoutSeconds: 0.5 },
      { killGraceMs: 700 },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
    expect(outcome).toMatchObject({ kind: 'retryable-failure', message: 'timed out after 0.5s' });
    expect(isGone(readPid(pidFile))).toBe(true);
    const grandchild = readPid(grandchildPidFile);
    await expect.poll(() => isGone(grandchild), { timeout: 2000, interval: 50 }).toBe(true);
  });

  it('a child killed by a signal is a retryable failure', async () => {
    expect(await run({ command: [node, script('self-kill.mjs')] })).toEqual({
      kind: 'retryable-failure',
      message: 'killed by signal SIGKILL',
      extras: { signal: 'SIGKILL', stderr_tail: 'about to die' },
    });
  });

  it('a program that does not exist cannot start: non-retryable', async () => {
    const missing = path.join(dir, 'no-such-program');
    expect(await run({ command: [missing, '--flag'] })).toEqual({
      kind: 'non-retryable-failure',
      message: `could not start: spawn ${missing} ENOENT`,
      extras: { error_code: 'ENOENT' },
    });
    expect(await run({ command: ['opsheal-no-such-program-on-path'] })).toMatchObject({
      kind: 'non-retryable-failure',
      message: 'could not start: spawn opsheal-no-such-program-on-path ENOENT',
    });
  });

  it('a file that is not executable cannot start: non-retryable', async () => {
    const file = path.join(dir, 'not-executable.sh');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    expect(await run({ command: [file] })).toEqual({
      kind: 'non-retryable-failure',
      message: `could not start: spawn ${file} EACCES`,
      extras: { error_code: 'EACCES' },
    });
  });

  it('a working folder that does not exist cannot start, and says it is the folder', async () => {
    expect(await run({ command: [node, '-e', ''], cwd: 'nowhere' })).toEqual({
      kind: 'non-retryable-failure',
      message: `could not start: no such working folder: ${path.join(dir, 'nowhere')}`,
      extras: { cwd: path.join(dir, 'nowhere') },
    });
  });

  it('forwards stdout and stderr, and keeps the last 20 lines of stderr, at most 2048 characters', async () => {
    const chunks: string[] = [];
    const outcome = await run({ command: [node, script('noisy.mjs')] }, { onOutput: (chunk) => chunks.push(chunk) });
    const forwarded = chunks.join('');
    expect(forwarded).toContain('out: progress\n');
    expect(forwarded).toContain('err line 1\n');
    expect(forwarded).toContain('x'.repeat(3000));

    expect(outcome.kind).toBe('retryable-failure');
    const tail = stderrTail(outcome);
    expect(tail).toHaveLength(2048);
    expect(tail).toBe(`${['err line 30', 'x'.repeat(3000)].join('\n')}`.slice(-2048));

    const short = await run({ command: [node, '-e', 'for (let i = 1; i <= 30; i++) console.error("line " + i); process.exit(1)'] });
    const lines = stderrTail(short).split('\n');
    expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 11}`));
  });

  it('survives an output sink that throws', async () => {
    const outcome = await run({ command: [node, '-e', 'console.log("hi"); console.error("there")'] }, {
      onOutput: () => {
        throw new Error('sink broke');
      },
    });
    expect(outcome).toEqual({ kind: 'success' });
  });

  it('does not wait for a grandchild that keeps the pipes open after the child exits', async () => {
    const pidFile = path.join(dir, 'pipe-holder.pid');
    const started = Date.now();
    const outcome = await run({ command: [node, script('leave-pipe-open.mjs'), pidFile], timeoutSeconds: 20 });
    readPid(pidFile);
    expect(outcome).toEqual({ kind: 'success' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('commandStepAction passes the command through untouched', () => {
  it('hands every argument to the child byte for byte, with no shell in between', async () => {
    const out = path.join(dir, 'argv.json');
    const args = [
      'two words', "it's", '"double"', '$HOME', '${PATH}', '`id`', '$(id)', 'a;b', 'x|y', '&&', '*', '?', '~',
      '>out.txt', 'line1\nline2', '\ttab', '', ' ', '\\', 'é ✓ 🎉', '--flag=va lue',
    ];
    expect(await run({ command: [node, script('argv.mjs'), out, ...args] })).toEqual({ kind: 'success' });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(args);
    expect(existsSync(path.join(dir, 'out.txt'))).toBe(false);
  });

  it('runs in cwd resolved against baseDir, with step.env over the environment and stdin closed', async () => {
    const sub = path.join(dir, 'tools', 'sub folder');
    mkdirSync(sub, { recursive: true });
    const out = path.join(dir, 'where.json');
    const outcome = await run({
      command: [node, script('where.mjs'), out],
      cwd: 'tools/sub folder',
      env: { OPSHEAL_TEST_VALUE: 'a b $HOME ;', HOME: '/nonexistent-home' },
    });
    expect(outcome).toEqual({ kind: 'success' });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({
      cwd: sub,
      custom: 'a b $HOME ;',
      home: '/nonexistent-home',
      path: process.env.PATH ?? null,
      stdin: '',
    });
  });

  it('runs in baseDir when no cwd is given', async () => {
    const out = path.join(dir, 'where-default.json');
    await run({ command: [node, script('where.mjs'), out] });
    expect(JSON.parse(readFileSync(out, 'utf8')).cwd).toBe(dir);
  });
});
