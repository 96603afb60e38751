import { copyFileSync, renameSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cachedRowSummaries } from '../../src/live/cached-row-summaries.js';
import { withIndexDatabase } from '../../src/live/index-database-session.js';
import type { LiveContext } from '../../src/live/live-class.js';
import { startFileScan } from '../../src/live/memory-file-scan.js';
import type { KnownFileValues, MemoryFileScan } from '../../src/workspace/memory-file-source.js';
import { otherWriterCommits, useWorkspaceTemplate } from './live-workspace.js';

const template = useWorkspaceTemplate({ memories: 20, seed: 9 });

/** The context with a file source that records the `known` its scan is completed with. */
function recordingKnown(context: LiveContext): { context: LiveContext; completedWith: () => Array<KnownFileValues | undefined> } {
  const completedWith: Array<KnownFileValues | undefined> = [];
  const source = context.memoryFiles;
  const memoryFiles = {
    scan: (): MemoryFileScan => source.scan(),
    start: () => (known?: KnownFileValues): MemoryFileScan => {
      completedWith.push(known);
      return source.scan();
    },
  };
  return { context: { ...context, memoryFiles }, completedWith: () => completedWith };
}

describe('startFileScan', () => {
  it('completes the scan with the values of the rows the run has read, by path', async () => {
    const workspace = template.copy();
    const { context, completedWith } = recordingKnown(workspace.context());
    const rows = await withIndexDatabase(context, 'read', ({ db }) => cachedRowSummaries(context, db));
    const scan = startFileScan(context)();
    const known = completedWith()[0];
    expect(known).toBeDefined();
    const row = rows.find((candidate) => scan.files.some((file) => file.relativePath === candidate.filePath));
    expect(row).toBeDefined();
    expect(known?.(row?.filePath as string)).toBe(row);
    expect(known?.('specs/none/memory/absent.md')).toBeUndefined();
  });

  it('knows nothing before the rows are read, or once the database changed since', async () => {
    const workspace = template.copy();
    const { context, completedWith } = recordingKnown(workspace.context());
    startFileScan(context)();
    await withIndexDatabase(context, 'read', ({ db }) => cachedRowSummaries(context, db));
    otherWriterCommits(workspace.paths.db);
    startFileScan(context)();
    expect(completedWith()).toEqual([undefined, undefined]);
  });

  it('knows nothing once the database file was replaced (a restore), though its rows are the same', async () => {
    const workspace = template.copy();
    const { context, completedWith } = recordingKnown(workspace.context());
    await withIndexDatabase(context, 'read', ({ db }) => cachedRowSummaries(context, db));
    copyFileSync(workspace.paths.db, `${workspace.paths.db}.restored`);
    renameSync(`${workspace.paths.db}.restored`, workspace.paths.db);
    startFileScan(context)();
    expect(completedWith()).toEqual([undefined]);
  });

  it('scans as the source does where it cannot be started', () => {
    const workspace = template.copy();
    const context = workspace.context();
    const scan = startFileScan({ ...context, memoryFiles: { scan: () => context.memoryFiles.scan() } })();
    expect(scan.files.length).toBeGreaterThan(0);
  });
});
