import type { ConsoleSink } from './console-sink.js';
import { displayValue } from './display-value.js';

/**
 * Writes the escalation payload line to `$ESCALATION_FILE` when it is set, replacing the file whole.
 * A write that fails is reported on stderr; the run's exit code and stdout are unaffected.
 */
export async function recordEscalation(payload: string, env: NodeJS.ProcessEnv, sink: ConsoleSink): Promise<void> {
  const path = env.ESCALATION_FILE;
  if (path === undefined || path === '') return;
  try {
    // Loaded only when a file is asked for: importing node:fs and node:path into an ES module
    // costs every drill's start-up about a millisecond.
    const { writeFileAtomically } = await import('../io/atomic-write.js');
    writeFileAtomically(path, `${payload}\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    sink.err(`ERROR: could not write ESCALATION_FILE ${displayValue(path)}: ${displayValue(reason)}`);
  }
}
