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
  if (error instanceof WorkspaceBusyError) return retryableFailure(error.message, undefined, decided(DECISIONS.healerBusy));
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE')) {
    const { retryable, message } = classifySqliteError(error);
    if (retryable) return retryableFailure(message, undefined, decided(DECISIONS.databaseBusy));
    return nonRetryableFailure(message, undefined, decided(code.startsWith('SQLITE_CONSTRAINT') ? DECISIONS.refusedWrite : DECISIONS.databaseUnusable));
  }
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && TRANSIENT_FILE_ERRORS.has(code)) return retryableFailure(message, undefined, decided(DECISIONS.filesMoving));
  if (error instanceof Error && 'retryable' in error && typeof error.retryable === 'boolean') {
    return error.retryable
      ? retryableFailure(message, undefined, decided(DECISIONS.databaseBusy))
      : nonRetryableFailure(message, undefined, decided(DECISIONS.databaseUnusable));
  }
  return nonRetryableFailure(message, undefined, decided(DECISIONS.other));
}

/**
 * What a person must decide when an error ends the run: an escalation says it for an error as it
 * does for what a verify still finds (the error itself is in the payload's `error`).
 */
const DECISIONS = {
  healerBusy: 'another opsheal held the workspace through every attempt (see error): let it finish, or look at the process named, then heal again',
  databaseBusy: 'the index database stayed busy or locked through every attempt (see error): find what holds it (the memory server in a long write, another tool), then heal again',
  databaseUnusable:
    'the index database cannot be used as it is (see error): put right what the error names (a damaged database can be restored from .opsheal/backups, or rebuilt by the memory server), then heal again',
  refusedWrite:
    "the index database refused the repair's write (see error), and nothing of that attempt was kept: its schema has a rule opsheal's rows do not meet " +
    '(a NOT NULL column without a default, a CHECK, a unique key): give the column a default or relax the rule, or let the memory server write those rows, then heal again',
  filesMoving: 'a file kept changing or vanishing through every attempt (see error): let whatever writes it finish, then heal again',
  other: 'the step failed on what the error names, which no retry cures: put it right, then heal again',
} as const;

function decided(decision: string): { readonly decision: string } {
  return { decision };
}

/** Runs a live action's body, turning any error into the outcome `outcomeForError` gives it. */
export async function guarded(body: () => Promise<StepOutcome> | StepOutcome): Promise<StepOutcome> {
  try {
    return await body();
  } catch (error) {
    return outcomeForError(error);
  }
}
