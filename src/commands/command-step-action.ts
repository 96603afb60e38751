import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { StepAction } from '../core/step-action.js';
import { nonRetryableFailure, retryableFailure, succeeded, type StepOutcome } from '../core/step-outcome.js';
import type { CommandStepConfig } from '../config/opsheal-config.js';

export interface CommandStepOptions {
  /** The folder a relative `cwd` is resolved against (the config file's folder); also the default cwd. */
  readonly baseDir: string;
  /** Receives the child's stdout and stderr as they arrive (the CLI sends them to its stderr). */
  readonly onOutput?: (chunk: string) => void;
  /** After a timeout's SIGTERM, milliseconds before SIGKILL (default 2000). */
  readonly killGraceMs?: number;
}

/** How much of the child's stderr an escalation carries: the last lines, at most this many characters. */
export const STDERR_TAIL_CHARS = 2048;
export const STDERR_TAIL_LINES = 20;

const DEFAULT_KILL_GRACE_MS = 2000;
/** After the child exits, how long to wait for its pipes to close (a grandchild may hold them). */
const PIPE_DRAIN_MS = 500;

/**
 * A step action that runs `step.command` without a shell (arguments reach the child untouched), in
 * its own process group, with `step.env` over opsheal's environment and stdin closed. Exit 0 passes;
 * an exit code in `nonRetryableExitCodes`, or a command that cannot start, escalates at once; any
 * other exit, a death by signal or a timeout (the whole group is sent SIGTERM, then SIGKILL after
 * `killGraceMs`) is a retryable failure. Failures carry the tail of stderr. It never throws.
 */
export function commandStepAction(step: CommandStepConfig, options: CommandStepOptions): StepAction {
  return () => runCommand(step, options).catch((error: unknown) =>
    nonRetryableFailure(`could not start: ${error instanceof Error ? error.message : String(error)}`),
  );
}

async function runCommand(step: CommandStepConfig, options: CommandStepOptions): Promise<StepOutcome> {
  const [program, ...args] = step.command;
  if (program === undefined || program === '') return nonRetryableFailure('could not start: empty command');
  const cwd = path.resolve(options.baseDir, step.cwd ?? '.');
  const cwdProblem = folderProblem(cwd);
  if (cwdProblem) return nonRetryableFailure(`could not start: ${cwdProblem}`, undefined, { cwd });

  return new Promise((resolve) => {
    const stderr = new TailBuffer();
    let child: ChildProcess;
    try {
      child = spawn(program, args, {
        cwd,
        env: { ...process.env, ...step.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a timeout can kill the grandchildren too.
        detached: true,
        shell: false,
        windowsHide: true,
      });
    } catch (error) {
      resolve(cannotStart(error));
      return;
    }

    const forward = (chunk: string): void => {
      try {
        options.onOutput?.(chunk);
      } catch {
        // A broken sink must not take the step (or opsheal) down with it.
      }
    };
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', forward);
    child.stderr?.on('data', (chunk: string) => {
      stderr.append(chunk);
      forward(chunk);
    });

    let settled = false;
    let started = false;
    let timedOut = false;
    let killed = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, run: () => void): void => {
      timers.push(setTimeout(run, ms));
    };

    const settle = (outcome: StepOutcome): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      untrackGroup(child.pid);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(outcome);
    };

    let polling = false;
    const finish = (): void => {
      if (!exit || settled) return;
      if (timedOut && !killed && groupAlive(child.pid)) {
        // After a timeout, the leader has gone but others in its group have not: wait until they go
        // too, or until the SIGKILL timer fires (which calls finish again).
        if (!polling) {
          polling = true;
          const poll = setInterval(() => {
            if (!groupAlive(child.pid)) finish();
          }, 50);
          timers.push(poll);
        }
        return;
      }
      settle(exitOutcome(step, exit, timedOut, stderr.tail()));
    };

    child.once('spawn', () => {
      started = true;
      trackGroup(child.pid);
      const timeoutSeconds = step.timeoutSeconds;
      if (timeoutSeconds === undefined) return;
      later(timeoutSeconds * 1000, () => {
        // A child that already exited on its own is not timed out, even if its pipes are still draining.
        if (exit) return;
        timedOut = true;
        signalGroup(child, 'SIGTERM');
        later(options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, () => {
          signalGroup(child, 'SIGKILL');
          killed = true;
          finish();
        });
      });
    });
    child.on('error', (error) => {
      // Before 'spawn' this means the program could not start; after, a failed kill, which the
      // exit that follows will account for.
      if (!started) settle(cannotStart(error));
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // 'close' follows once the pipes are drained, unless a grandchild still holds them open.
      later(PIPE_DRAIN_MS, finish);
    });
    child.once('close', finish);
  });
}

function exitOutcome(
  step: CommandStepConfig,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  timedOut: boolean,
  stderrTail: string,
): StepOutcome {
  if (timedOut) {
    return retryableFailure(`timed out after ${step.timeoutSeconds}s`, undefined, {
      timeout_seconds: step.timeoutSeconds,
      stderr_tail: stderrTail,
    });
  }
  if (exit.code === 0) return succeeded();
  if (exit.code !== null) {
    const extras = { exit_code: exit.code, stderr_tail: stderrTail };
    const message = `exited with code ${exit.code}`;
    return step.nonRetryableExitCodes?.includes(exit.code)
      ? nonRetryableFailure(message, undefined, extras)
      : retryableFailure(message, undefined, extras);
  }
  const signal = exit.signal ?? 'unknown';
  return retryableFailure(`killed by signal ${signal}`, undefined, { signal, stderr_tail: stderrTail });
}

function cannotStart(error: unknown): StepOutcome {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return nonRetryableFailure(`could not start: ${message}`, undefined, typeof code === 'string' ? { error_code: code } : undefined);
}

/** Node reports a missing cwd as the program being missing (`spawn node ENOENT`); say what it is. */
function folderProblem(folder: string): string | undefined {
  try {
    return statSync(folder).isDirectory() ? undefined : `working folder is not a folder: ${folder}`;
  } catch {
    return `no such working folder: ${folder}`;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone. Fall back to the child alone in case it left its group.
    try {
      child.kill(signal);
    } catch {
      // Gone as well.
    }
  }
}

function groupAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but is not ours to signal; count it as alive.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

// Each child runs in its own process group, so a Ctrl-C at the terminal does not reach it. If opsheal
// exits while one runs, take the group down with it: on 'exit', and on SIGINT and SIGTERM, which
// would otherwise end opsheal by their default action without a word to the group. The signal
// listeners are there only while a command runs (opsheal waits on it, so they run at once); the rest
// of the time the default action ends opsheal at once, even inside synchronous work.
const runningGroups = new Set<number>();
let exitHookInstalled = false;

/** Exit codes for a run cut short by a signal, as shells report them (128 + signal number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
const SIGNALS = Object.keys(SIGNAL_EXIT) as Array<keyof typeof SIGNAL_EXIT>;

function exitOnSignal(signal: NodeJS.Signals): void {
  killRunningCommands();
  process.exit(SIGNAL_EXIT[signal as keyof typeof SIGNAL_EXIT]);
}

function trackGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  if (runningGroups.size === 0) for (const signal of SIGNALS) process.on(signal, exitOnSignal);
  runningGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killRunningCommands);
  }
}

function untrackGroup(pid: number | undefined): void {
  if (pid === undefined || !runningGroups.delete(pid)) return;
  if (runningGroups.size === 0) for (const signal of SIGNALS) process.off(signal, exitOnSignal);
}

/** Sends SIGKILL to the process group of every step command still running. Safe to call at any time. */
export function killRunningCommands(): void {
  for (const pid of runningGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    untrackGroup(pid);
  }
}

/** The end of a stream of text, bounded while it grows. */
class TailBuffer {
  private text = '';

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > STDERR_TAIL_CHARS * 4) this.text = this.text.slice(-STDERR_TAIL_CHARS * 2);
  }

  /** The last `STDERR_TAIL_LINES` lines, at most `STDERR_TAIL_CHARS` characters, without the final newline. */
  tail(): string {
    const lines = this.text.replace(/\r?\n$/, '').split('\n');
    const last = lines.slice(-STDERR_TAIL_LINES).join('\n');
    return last.length > STDERR_TAIL_CHARS ? last.slice(-STDERR_TAIL_CHARS) : last;
  }
}
