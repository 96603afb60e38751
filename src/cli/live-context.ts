import { formatArgv } from '../commands/format-argv.js';
import type { LiveContext } from '../live/live-class.js';
import { cachedMemoryFileSource } from '../workspace/cached-memory-files.js';
import type { ConsoleSink } from './console-sink.js';
import type { ResolvedWorkspace } from './workspace-options.js';

/** The context the live classes get from the CLI: the workspace, the clock, and progress on a terminal. */
export function createLiveContext(
  workspace: ResolvedWorkspace,
  settings: { readonly program: string; readonly now: () => number; readonly backup: boolean; readonly sink: ConsoleSink },
): LiveContext {
  const { sink } = settings;
  const progress = sink.interactive ? (message: string) => sink.err(`… ${message}`) : () => undefined;
  return {
    paths: workspace.paths,
    config: workspace.config,
    now: settings.now,
    backup: settings.backup,
    rerunCommand: (failureClass, phase) =>
      formatArgv([settings.program, phase === 'repair' ? 'heal' : 'check', failureClass, ...workspace.selector]),
    memoryFiles: cachedMemoryFileSource(workspace.paths, progress),
    progress,
  };
}
