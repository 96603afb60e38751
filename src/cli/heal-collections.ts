import { phaseOfStep } from '../catalog/failure-classes.js';
import type { RunnableStep } from '../core/step-runner.js';
import { fullCollection } from '../io/full-collection.js';
import { readsMemoryFiles } from '../live/live-classes.js';
import type { MemoryFileSource } from '../workspace/memory-file-source.js';
import type { PreparedClass } from './heal-command.js';

/**
 * Where a heal gives memory back, beyond V8's own schedule (which, in a heal of a large workspace,
 * would carry what the first steps dropped to the end of the run): before the class that follows
 * the last one to scan the memory files, the scans are let go and collected; after the built-in
 * repair of a class that scans them, the repair's garbage is collected. The first full read's
 * garbage is left to V8: collecting it as well made no heal's peak lower, and cost a collection.
 */
export interface HealCollections {
  /** To run before class `index` of the heal starts. */
  beforeClass(index: number): void;
  /** The class's steps, each that a collection follows wrapped to collect once it returns or throws. */
  steps(entry: PreparedClass): readonly RunnableStep[];
}

export function healCollections(classes: readonly PreparedClass[], memoryFiles: MemoryFileSource, collect: () => void = fullCollection()): HealCollections {
  const releaseBefore = releaseMemoryFilesBefore(classes);
  return {
    beforeClass(index) {
      if (index !== releaseBefore || memoryFiles.release === undefined) return;
      memoryFiles.release();
      collect();
    },
    steps: (entry) => entry.steps.map((step) => (collectsAfterStep(entry, step.name) ? withCollectionAfter(step, collect) : step)),
  };
}

/**
 * The position of the class before which the memory files' scans are let go: the first class after
 * the last one whose own actions scan the files; `undefined` when no class follows one. What the
 * scans keep for later steps (each file's record, the folder listings: some 60 MB at 100,000
 * files) is then released and collected before the next class reads its own tables, instead of
 * being carried to the end of the run.
 */
export function releaseMemoryFilesBefore(classes: readonly PreparedClass[]): number | undefined {
  const last = classes.findLastIndex(readsFilesItself);
  return last >= 0 && last + 1 < classes.length ? last + 1 : undefined;
}

/**
 * Whether a full collection follows the step: the built-in repair of a class that scans the memory
 * files. Its verify reads every row (and the FTS and vector ids) again, and it can do so in the
 * space the repair and the detect before it leave as garbage (the superseded rows, the plan, the
 * files read again: at 100,000 memories the heal's peak memory came out some 10 MB lower, for
 * 60 to 90 ms) instead of growing the heap while V8 waits for a larger one before it collects.
 */
export function collectsAfterStep(entry: PreparedClass, stepName: string): boolean {
  return phaseOfStep(entry.failureClass, stepName) === 'repair' && readsFilesItself(entry) && !entry.commandSteps.includes(stepName);
}

function withCollectionAfter(step: RunnableStep, collect: () => void): RunnableStep {
  return {
    ...step,
    action: async (attempt) => {
      try {
        return await step.action(attempt);
      } finally {
        collect();
      }
    },
  };
}

/** Whether the class's own built-in actions scan the memory files (a configured command does what it does). */
function readsFilesItself(entry: PreparedClass): boolean {
  return entry.liveClass !== undefined && readsMemoryFiles(entry.failureClass.id) && entry.steps.length > entry.commandSteps.length;
}
