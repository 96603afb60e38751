import { existsSync } from 'node:fs';
import { formatTimestamp } from '../core/timestamp.js';
import type { StepAction } from '../core/step-action.js';
import { pruneBackups, takeBackup } from '../workspace/database-backup.js';
import { withWorkspaceLock } from '../workspace/workspace-lock.js';
import type { LiveContext } from './live-class.js';
import { guarded } from './step-errors.js';

/**
 * A configured command that replaces a built-in repair, run under the workspace lock as a built-in
 * repair is: two healers never repair one workspace at once, whoever does the repairing. Another
 * healer holding the lock past `lockTimeoutSeconds` fails the attempt (retryable), as it does for
 * a built-in repair; detect and verify commands only read, and run without it.
 *
 * Where the class's repair changes the index database (`backsUpDatabase`), the database is copied
 * first, as before a built-in repair (unless `--no-backup`): once, before the command's first
 * attempt, since opsheal cannot tell what an attempt changed before it failed. The copy is kept
 * whatever the command does, and the oldest beyond the five newest are pruned.
 */
export function lockedCommandStep(context: LiveContext, command: StepAction, backsUpDatabase: boolean): StepAction {
  let backedUp = !backsUpDatabase || !context.backup;
  return (attempt) =>
    guarded(() =>
      withWorkspaceLock(context.paths, context.config.lockTimeoutSeconds, async () => {
        if (!backedUp && existsSync(context.paths.db)) {
          await takeBackup(context.paths.db, context.paths.backupsDir, formatTimestamp(context.now()));
          pruneBackups(context.paths.db, context.paths.backupsDir);
          backedUp = true;
        }
        return command(attempt);
      }),
    );
}
