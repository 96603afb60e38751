import { phaseOfStep } from '../catalog/failure-classes.js';
import type { RunnableStep } from '../core/step-runner.js';
import type { MemoryFileSource } from '../workspace/memory-file-source.js';
import type { PreparedClass } from './heal-command.js';

/**
 * When a heal looks at the memory files again. Its file source holds each scan for later steps
 * (cached-memory-files.ts, `holdScans`), and a scan stands until something that could change what
 * the steps judge: each repair (a built-in one commits to the index; a command may do anything),
 * each failed attempt (its retry must see what made it fail), each configured command (it may write
 * memory files); and, told by the source itself, anyone's commit to the index database (the memory
 * server at work writes files too). Between them the steps judge one moment: a repair plans from
 * its detect's scan (the files it writes rows from are read again under the lock, and one that
 * changed since stops it before its first write); a verify looks again, since a repair came before
 * it; the next class's detect uses the verify's scan. A file changed in between is found by the
 * next step that looks again, as one changed a moment after a scan always is.
 */
export function withScanMoments(entry: PreparedClass, steps: readonly RunnableStep[], memoryFiles: MemoryFileSource): RunnableStep[] {
  return steps.map((step) => {
    const endsMoment = entry.commandSteps.includes(step.name) || phaseOfStep(entry.failureClass, step.name) === 'repair';
    return {
      ...step,
      action: async (attempt) => {
        let failed = true;
        try {
          const outcome = await step.action(attempt);
          failed = outcome.kind !== 'success';
          return outcome;
        } finally {
          if (endsMoment || failed) memoryFiles.nextMoment?.();
        }
      },
    };
  });
}
