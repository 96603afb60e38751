import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../src/catalog/failure-classes.js';
import type { PreparedClass } from '../../src/cli/heal-command.js';
import { collectsAfterStep, healCollections, releaseMemoryFilesBefore } from '../../src/cli/heal-collections.js';
import { succeeded } from '../../src/core/step-outcome.js';
import type { MemoryFileSource } from '../../src/workspace/memory-file-source.js';
import { loadLiveClass } from '../../src/live/live-classes.js';

/** `heal`'s classes as prepared, the named steps of the named classes configured as commands. */
async function prepared(ids: readonly string[], commands: Readonly<Record<string, readonly string[]>> = {}): Promise<PreparedClass[]> {
  const classes: PreparedClass[] = [];
  for (const id of ids) {
    const failureClass = FAILURE_CLASSES.find((candidate) => candidate.id === id);
    if (failureClass === undefined) throw new Error(`no class ${id}`);
    const commandSteps = commands[id] ?? [];
    const allCommands = failureClass.steps.every((step) => commandSteps.includes(step.name));
    classes.push({
      failureClass,
      liveClass: allCommands ? undefined : await loadLiveClass(id),
      steps: failureClass.steps.map((step) => ({ name: step.name, command: '', action: () => { throw new Error('not run here'); } })),
      commandSteps,
    });
  }
  return classes;
}

const ALL = FAILURE_CLASSES.map((failureClass) => failureClass.id);

describe('releaseMemoryFilesBefore', () => {
  it('lets the scans go before the first class after the last one that reads memory files', async () => {
    expect(ALL).toEqual(['index-drift', 'session-ambiguity', 'ledger-mismatch', 'telemetry-drift']);
    expect(releaseMemoryFilesBefore(await prepared(ALL))).toBe(2);
    expect(releaseMemoryFilesBefore(await prepared(['index-drift', 'ledger-mismatch']))).toBe(1);
  });

  it('keeps them when no class follows a reader, or none reads them', async () => {
    for (const id of ALL) expect(releaseMemoryFilesBefore(await prepared([id]))).toBeUndefined();
    expect(releaseMemoryFilesBefore(await prepared(['ledger-mismatch', 'index-drift']))).toBeUndefined();
    expect(releaseMemoryFilesBefore(await prepared(['ledger-mismatch', 'telemetry-drift']))).toBeUndefined();
  });

  it('does not count a class whose every step runs a configured command', async () => {
    const sessionSteps = FAILURE_CLASSES.find((failureClass) => failureClass.id === 'session-ambiguity')?.steps.map((step) => step.name) ?? [];
    expect(releaseMemoryFilesBefore(await prepared(ALL, { 'session-ambiguity': sessionSteps }))).toBe(1);
    // One step still built in: that step may scan.
    expect(releaseMemoryFilesBefore(await prepared(ALL, { 'session-ambiguity': sessionSteps.slice(1) }))).toBe(2);
  });
});

describe('collectsAfterStep', () => {
  /** The steps of each class that a full collection follows. */
  const collectedAfter = (classes: readonly PreparedClass[]): string[] =>
    classes.flatMap((entry) => entry.steps.filter((step) => collectsAfterStep(entry, step.name)).map((step) => `${entry.failureClass.id}/${step.name}`));

  it('follows the built-in repair of the classes that scan the memory files, and nothing else', async () => {
    expect(collectedAfter(await prepared(ALL))).toEqual(['index-drift/rebuild-index', 'session-ambiguity/refresh-session-candidates']);
  });

  it('does not follow a repair that runs a configured command', async () => {
    expect(collectedAfter(await prepared(ALL, { 'index-drift': ['rebuild-index'] }))).toEqual(['session-ambiguity/refresh-session-candidates']);
  });
});

describe('healCollections', () => {
  const attempt = { failureClass: 'index-drift', step: 'rebuild-index', attempt: 1, maxAttempts: 3, attemptsLeft: 2 };

  it('lets the scans go and collects before the class after the last file reader, and only there', async () => {
    const events: string[] = [];
    const memoryFiles: MemoryFileSource = { scan: () => ({ files: [], unreadable: [] }), release: () => events.push('release') };
    const collections = healCollections(await prepared(ALL), memoryFiles, () => events.push('collect'));
    for (let index = 0; index < ALL.length; index += 1) {
      events.push(`class ${index}`);
      collections.beforeClass(index);
    }
    expect(events).toEqual(['class 0', 'class 1', 'class 2', 'release', 'collect', 'class 3']);
  });

  it('collects after the wrapped repair, with the outcome it returns or the error it throws', async () => {
    let collections = 0;
    const memoryFiles: MemoryFileSource = { scan: () => ({ files: [], unreadable: [] }) };
    const [indexDrift] = await prepared(['index-drift']);
    if (indexDrift === undefined) throw new Error('not prepared');
    const outcome = succeeded({ inserted: 3 });
    let fail = false;
    const entry: PreparedClass = {
      ...indexDrift,
      steps: indexDrift.steps.map((step) => ({
        ...step,
        action: () => {
          if (fail) throw new Error('repair broke');
          return outcome;
        },
      })),
    };
    const steps = healCollections([entry], memoryFiles, () => (collections += 1)).steps(entry);
    const [detect, repair] = steps;
    expect(await detect?.action(attempt)).toBe(outcome);
    expect(collections).toBe(0);
    expect(await repair?.action(attempt)).toBe(outcome);
    expect(collections).toBe(1);
    fail = true;
    await expect(Promise.resolve(repair?.action(attempt))).rejects.toThrow('repair broke');
    expect(collections).toBe(2);
    // A source without release is left alone, even before the class that follows the last file reader.
    const all = await prepared(ALL);
    const releasePoint = releaseMemoryFilesBefore(all);
    expect(releasePoint).toBe(2);
    healCollections(all, memoryFiles, () => (collections += 1)).beforeClass(releasePoint as number);
    expect(collections).toBe(2);
  });
});

