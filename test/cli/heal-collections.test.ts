import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../src/catalog/failure-classes.js';
import { collectsAfterStep, releaseMemoryFilesBefore, type PreparedClass } from '../../src/cli/heal-command.js';
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

