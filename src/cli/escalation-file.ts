import { writeFileAtomically } from '../io/atomic-write.js';
import type { ConsoleSink } from './console-sink.js';

/**
 * Writes the escalation payload line to `$ESCALATION_FILE` when it is set, replacing the file whole.
 * A write that fails is reported on stderr; the run's exit code and stdout are unaffected.
 */
export function recordEscalation(payload: string, env: NodeJS.ProcessEnv, sink: ConsoleSink): void {
  const path = env.ESCALATION_FILE;
  if (path === undefined || path === '') return;
  try {
    writeFileAtomically(path, `${payload}\n`);
  } catch (error) {
    sink.err(`ERROR: could not write ESCALATION_FILE ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
