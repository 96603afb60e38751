import type { StepAction } from '../core/step-action.js';
import { withWorkspaceLock } from '../workspace/workspace-lock.js';
import type { LiveContext } from './live-class.js';
import { guarded } from './step-errors.js';

/**
 * A configured command that replaces a built-in repair, run under the workspace lock as a built-in
 * repair is: two healers never repair one workspace at once, whoever does the repairing. Another
 * healer holding the lock past `lockTimeoutSeconds` fails the attempt (retryable), as it does for
 * a built-in repair; detect and verify commands only read, and run without it.
 */
export function lockedCommandStep(context: LiveContext, command: StepAction): StepAction {
  return (attempt) => guarded(() => withWorkspaceLock(context.paths, context.config.lockTimeoutSeconds, () => command(attempt)));
}
