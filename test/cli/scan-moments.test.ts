import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../src/catalog/failure-classes.js';
import type { PreparedClass } from '../../src/cli/heal-command.js';
import { withScanMoments } from '../../src/cli/scan-moments.js';
import { retryableFailure, succeeded, type StepOutcome } from '../../src/core/step-outcome.js';
import type { RunnableStep } from '../../src/core/step-runner.js';
import type { MemoryFileSource } from '../../src/workspace/memory-file-source.js';

const indexDrift = FAILURE_CLASSES.find((failureClass) => failureClass.id === 'index-drift');
if (indexDrift === undefined) throw new Error('index-drift missing from the catalog');
const [detect, repair, verify] = indexDrift.steps.map((step) => step.name) as [string, string, string];

/** index-drift prepared with each step's action giving what `outcomes` says (by step name), the named steps as commands. */
function prepared(outcomes: Record<string, () => StepOutcome>, commandSteps: readonly string[] = []): PreparedClass {
  return {
    failureClass: indexDrift as PreparedClass['failureClass'],
    liveClass: undefined,
    steps: indexDrift?.steps.map((step): RunnableStep => ({ name: step.name, command: '', action: async () => (outcomes[step.name] ?? (() => succeeded()))() })) ?? [],
    commandSteps,
  };
}

/** Runs each named step once through the wrapper and says after which of them the moment ended. */
async function momentsEndedAfter(entry: PreparedClass, run: readonly string[]): Promise<string[]> {
  const ended: string[] = [];
  let current = '';
  const memoryFiles: MemoryFileSource = { scan: () => ({ files: [], unreadable: [] }), nextMoment: () => ended.push(current) };
  const steps = withScanMoments(entry, entry.steps, memoryFiles);
  for (const name of run) {
    current = name;
    const step = steps.find((candidate) => candidate.name === name);
    try {
      await step?.action({ failureClass: 'index-drift', step: name, attempt: 1, maxAttempts: 3, attemptsLeft: 2 });
    } catch {
      // A throwing action is the runner's business; here only the moment counts.
    }
  }
  return ended;
}

describe('withScanMoments', () => {
  it('ends the moment after a repair, and not after a detect or verify that succeeds', async () => {
    expect(await momentsEndedAfter(prepared({}), [detect, repair, verify])).toEqual([repair]);
  });

  it('ends it after any attempt that fails, so that its retry looks again', async () => {
    const failing = () => retryableFailure('still there');
    expect(await momentsEndedAfter(prepared({ [detect]: failing, [verify]: failing }), [detect, verify])).toEqual([detect, verify]);
  });

  it('ends it after an action that throws, and passes the error on', async () => {
    const entry = prepared({ [verify]: () => { throw new Error('boom'); } });
    const ended: string[] = [];
    const steps = withScanMoments(entry, entry.steps, { scan: () => ({ files: [], unreadable: [] }), nextMoment: () => ended.push('ended') });
    await expect(steps[2]?.action({ failureClass: 'index-drift', step: verify, attempt: 1, maxAttempts: 3, attemptsLeft: 2 })).rejects.toThrow('boom');
    expect(ended).toEqual(['ended']);
  });

  it('ends it after every configured command, which may write memory files', async () => {
    expect(await momentsEndedAfter(prepared({}, [detect, verify]), [detect, repair, verify])).toEqual([detect, repair, verify]);
  });

  it('keeps the outcome the step gave', async () => {
    const entry = prepared({ [verify]: () => succeeded({ integrity: 'ok' }) });
    const steps = withScanMoments(entry, entry.steps, { scan: () => ({ files: [], unreadable: [] }) });
    expect(await steps[2]?.action({ failureClass: 'index-drift', step: verify, attempt: 1, maxAttempts: 3, attemptsLeft: 2 })).toEqual(succeeded({ integrity: 'ok' }));
  });
});
