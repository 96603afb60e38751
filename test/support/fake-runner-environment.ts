import type { RunEvent } from '../../src/core/run-events.js';
import type { RunnerEnvironment } from '../../src/core/step-runner.js';

/** A runner environment in virtual time: the clock only moves when the runner sleeps. */
export interface FakeRunnerEnvironment extends RunnerEnvironment {
  /** Every sleep asked for, in seconds, in order. */
  readonly sleeps: number[];
  /** Every event emitted, in order. */
  readonly events: RunEvent[];
}

/** `startMs` is milliseconds since 1970; each sleep advances the clock by exactly its length. */
export function fakeRunnerEnvironment(startMs = Date.UTC(2026, 1, 22)): FakeRunnerEnvironment {
  let clock = startMs;
  const sleeps: number[] = [];
  const events: RunEvent[] = [];
  return {
    sleeps,
    events,
    now: () => clock,
    sleep: async (seconds) => {
      sleeps.push(seconds);
      clock += seconds * 1000;
    },
    emit: (event) => void events.push(event),
  };
}
