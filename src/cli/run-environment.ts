import type { RunnerEnvironment } from '../core/step-runner.js';
import type { RunEvent } from '../core/run-events.js';
import { UsageError } from '../core/usage-error.js';
import { displayValue } from './display-value.js';

/**
 * 9999-12-31T23:59:59Z, in seconds: the last instant the contract's timestamp form
 * (`2026-02-22T00:00:00Z`, four-digit years) can write. Past it, dates print as `+010000-01-01...`.
 */
const MAX_EPOCH_SECONDS = 253_402_300_799;

/**
 * The clock the CLI gives the runner: the real one, or, when `SOURCE_DATE_EPOCH` is set (seconds
 * since 1970), that instant for every timestamp, so output is byte-for-byte reproducible.
 */
export function clockFromEnvironment(env: NodeJS.ProcessEnv): () => number {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return Date.now;
  if (!/^[0-9]+$/.test(raw)) throw new UsageError(`SOURCE_DATE_EPOCH must be an unsigned integer (got: ${displayValue(raw)})`);
  const seconds = Number(raw);
  if (seconds > MAX_EPOCH_SECONDS) throw new UsageError(`SOURCE_DATE_EPOCH must be at most ${MAX_EPOCH_SECONDS} (got: ${raw})`);
  return () => seconds * 1000;
}

/** Real waiting, used only by the CLI; a wait of 0 resolves without touching a timer. */
export function realSleep(seconds: number): Promise<void> {
  return seconds > 0 ? new Promise((resolve) => setTimeout(resolve, seconds * 1000)) : Promise.resolve();
}

/** The runner's environment for a CLI run: the given clock, real sleep, and the renderer. */
export function cliRunnerEnvironment(now: () => number, emit: (event: RunEvent) => void): RunnerEnvironment {
  return { now, sleep: realSleep, emit };
}
