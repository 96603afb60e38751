import type { KnownFileValues, MemoryFileScan } from '../workspace/memory-file-source.js';
import { specsRootUnderWorkspace } from '../workspace/memory-files.js';
import { keptRowSummaries } from './cached-row-summaries.js';
import { prepareIndexRows } from './index-drift/detect-index-drift.js';
import type { LiveContext } from './live-class.js';

/**
 * Starts the run's file scan and returns what completes it. Where the source reads on helper
 * threads, the files are read while this thread does other work (reads the database, checks it):
 * start the scan first, then that work, then complete it. Completed once the run has read the index
 * rows, the scan's records keep the rows' hash and session strings where they are equal, instead
 * of copies of their own (KnownFileValues, memory-file-source.ts): at 100,000 memories that is
 * about 10 MB less to hold, and to copy from the young generation.
 */
export function startFileScan(context: LiveContext): () => MemoryFileScan {
  const complete = context.memoryFiles.start?.();
  if (complete === undefined) return () => context.memoryFiles.scan();
  return () => complete(knownFromRows(context));
}

/** The rows' values by path, from the rows the run has read already (none read: nothing known). */
function knownFromRows(context: LiveContext): KnownFileValues | undefined {
  const rows = keptRowSummaries(context);
  if (rows === undefined) return undefined;
  // Made once per rows array, and what index-drift judges the rows by anyway.
  const { byPath } = prepareIndexRows(rows, context.paths.root, specsRootUnderWorkspace(context.paths));
  return (relativePath) => {
    const at = byPath.get(relativePath);
    return at === undefined ? undefined : rows[typeof at === 'number' ? at : (at[0] as number)];
  };
}
