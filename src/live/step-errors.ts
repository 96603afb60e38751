import { nonRetryableFailure, retryableFailure, type StepOutcome } from '../core/step-outcome.js';
import { classifySqliteError } from '../workspace/index-database.js';
import { WorkspaceBusyError } from '../workspace/workspace-lock.js';

/** File errors a retry may cure: the file vanished or was busy mid-read. */
const TRANSIENT_FILE_ERRORS = new Set(['ENOENT', 'EBUSY', 'EAGAIN', 'EWOULDBLOCK', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EINTR']);

/**
 * What a live action reports when it hits an error: a busy or locked database, another healer's
 * lock, or a file that vanished mid-read is retryable; not a database, permission denied, a
 * missing table or anything unexpected escalates at once.
 */
export function outcomeForError(error: unknown): StepOutcome {
  if (error instanceof WorkspaceBusyError) return retryableFailure(error.message);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE')) {
    const { retryable, message } = classifySqliteError(error);
    return retryable ? retryableFailure(message) : nonRetryableFailure(message);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TRANSIENT_FILE_ERRORS.has(code)) return retryableFailure(message);
  if (error instanceof Error && 'retryable' in error && typeof error.retryable === 'boolean') {
    return error.retryable ? retryableFailure(message) : nonRetryableFailure(message);
  }
  return nonRetryableFailure(message);
}

/** Runs a live action's body, turning any error into the outcome `outcomeForError` gives it. */
export async function guarded(body: () => Promise<StepOutcome> | StepOutcome): Promise<StepOutcome> {
  try {
    return await body();
  } catch (error) {
    return outcomeForError(error);
  }
}
