import { formatArgv } from '../commands/format-argv.js';
import { databaseVersion } from '../live/index-read-cache.js';
import type { LiveContext } from '../live/live-class.js';
import { cachedMemoryFileSource } from '../workspace/cached-memory-files.js';
import { largeIndexDatabase, processPool } from '../workspace/memory-file-pool.js';
import type { WorkspacePaths } from '../workspace/workspace-paths.js';
import type { ConsoleSink } from './console-sink.js';
import type { ResolvedWorkspace } from './workspace-options.js';

/**
 * The context the live classes get from the CLI: the workspace, the clock, and progress on a terminal.
 * `readOnly`: the command only reports (check, heal --dry-run), so every class judges one scan of the
 * files; otherwise later scans look again, re-reading only what changed (cached-memory-files.ts;
 * with `holdScans`, once the run ends the scan's moment), and the garbage a full read on helper
 * threads leaves is collected at once, since the run goes on for many more steps
 * (io/full-collection.ts).
 */
export function createLiveContext(
  workspace: Pick<ResolvedWorkspace, 'paths' | 'config' | 'selector'>,
  settings: {
    readonly program: string;
    readonly now: () => number;
    readonly backup: boolean;
    readonly sink: ConsoleSink;
    readonly readOnly?: boolean;
    /**
     * Each scan is held for later steps until the run ends its moment (`heal`: scan-moments.ts) or
     * anyone commits to the index database.
     */
    readonly holdScans?: boolean;
  },
): LiveContext {
  const report = progress(settings.sink);
  const context: LiveContext = {
    paths: workspace.paths,
    config: workspace.config,
    now: settings.now,
    backup: settings.backup,
    rerunCommand: (failureClass, phase) =>
      formatArgv([settings.program, phase === 'repair' ? 'heal' : 'check', failureClass, ...workspace.selector]),
    memoryFiles: cachedMemoryFileSource(workspace.paths, report, {
      once: settings.readOnly === true,
      ...(settings.holdScans === true ? { holdScans: { stamp: () => databaseVersion(context) } } : {}),
      expectMany: largeIndexDatabase(workspace.paths.db),
    }),
    progress: report,
  };
  return context;
}

/**
 * Starts the helper threads at once when the run will scan a large workspace's memory files (its
 * index database is large: memory-file-pool.ts). A helper takes 0.1 to 0.2 s to boot (Node's own
 * code, then opsheal's), which it then spends while this thread loads the classes' code and opens
 * the database, instead of after the scan has begun. A command that stops on a usage error after
 * this leaves nothing behind: the threads hold no work, and do not keep the process alive.
 */
export function warmHelpersForScan(paths: WorkspacePaths): void {
  if (largeIndexDatabase(paths.db)) processPool()?.warm();
}

function progress(sink: ConsoleSink): (message: string) => void {
  return sink.interactive ? (message: string) => sink.err(`… ${message}`) : () => undefined;
}
