// metadata-ahead.ts reads a repair's files again on a helper thread, begun as soon as the plan names
// them. Helpers run only from the built bundle (memory-file-pool.ts), so here the pool is a stand-in
// whose "helper" runs the real task (helper-tasks.ts) either when it is posted or never. What the
// tests pin: the helper's answers are what the repair gets; a file the helper could not read as
// scanned is read again when collected, so the error is the one the main thread would give, for the
// first such file in order; without a helper, every file is read when collected, not before.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HelperTask, HelperTaskResult } from '../../src/workspace/helper-tasks.js';
import type { MemoryFileRecord } from '../../src/workspace/memory-file.js';
import { MemoryFileChangedError, readMemoryMetadata } from '../../src/workspace/memory-file-reader.js';
import { scanMemoryFiles } from '../../src/workspace/memory-files.js';
import { thrown } from '../support/thrown.js';
import { useWorkspaceTemplate, type LiveWorkspace } from './live-workspace.js';

/** What the stand-in helper does with a task: runs it as it is posted, or never takes it. */
type HelperBehaviour = 'answers' | 'never-took-it' | 'answers-short';

const pool = vi.hoisted(() => ({
  behaviour: 'answers' as HelperBehaviour,
  worthIt: true,
  tasks: [] as HelperTask[],
  answers: [] as (HelperTaskResult | undefined)[],
}));

vi.mock('../../src/workspace/memory-file-pool.js', async () => {
  const { runHelperTask } = await import('../../src/workspace/helper-tasks.js');
  return {
    processPool: () => ({
      worthAFileTask: () => pool.worthIt,
      startTask: (task: HelperTask) => {
        pool.tasks.push(task);
        const answer = pool.behaviour === 'never-took-it' ? undefined : (runHelperTask(task) as HelperTaskResult);
        pool.answers.push(answer);
        return {
          collect: (): HelperTaskResult | undefined =>
            pool.behaviour === 'answers-short' && answer?.ok === true ? { ok: true, metadata: answer.metadata?.slice(1) } : answer,
        };
      },
    }),
  };
});

const { readMetadataAhead } = await import('../../src/live/metadata-ahead.js');

const template = useWorkspaceTemplate({ memories: 12, seed: 3 });

afterEach(() => {
  pool.behaviour = 'answers';
  pool.worthIt = true;
  pool.tasks.length = 0;
  pool.answers.length = 0;
});

function filesOf(workspace: LiveWorkspace, count: number): MemoryFileRecord[] {
  // Scanned directly: the run's own source would stat on the stand-in pool.
  return scanMemoryFiles(workspace.paths).files.slice(0, count);
}

function metadataHere(workspace: LiveWorkspace, file: MemoryFileRecord): ReturnType<typeof readMemoryMetadata> {
  return readMemoryMetadata(join(workspace.root, file.relativePath), file.relativePath, file.contentHash);
}

describe('readMetadataAhead', () => {
  it("gives the helper's answers, in the files' order, without reading the files again", () => {
    const workspace = template.copy();
    const files = filesOf(workspace, 4);
    const expected = files.map((file) => metadataHere(workspace, file));
    const ahead = readMetadataAhead(workspace.context(), files);
    expect(pool.tasks).toEqual([
      {
        kind: 'memory-metadata',
        files: files.map((file) => ({ absolutePath: join(workspace.root, file.relativePath), relativePath: file.relativePath, contentHash: file.contentHash })),
      },
    ]);
    // Gone by the time the repair collects: what it gets was read on the helper.
    for (const file of files) rmSync(join(workspace.root, file.relativePath));
    expect(ahead.collect()).toEqual(expected);
    expect(expected.map((metadata) => metadata.title).every((title) => title.length > 0)).toBe(true);
  });

  it('reads again here what the helper could not read as scanned: the first such file in order gives the error', () => {
    const workspace = template.copy();
    const files = filesOf(workspace, 5);
    const [, second, , fourth] = files as [MemoryFileRecord, MemoryFileRecord, MemoryFileRecord, MemoryFileRecord];
    const secondPath = join(workspace.root, second.relativePath);
    const secondText = readFileSync(secondPath);
    // Both change before the helper reads them: it answers null for each.
    appendFileSync(secondPath, '\nWritten while opsheal was repairing.\n');
    rmSync(join(workspace.root, fourth.relativePath));
    const ahead = readMetadataAhead(workspace.context(), files);
    const answered = (): boolean[] => {
      const answer = pool.answers.at(-1);
      return answer?.ok === true ? (answer.metadata ?? []).map((metadata) => metadata === null) : [];
    };
    expect(answered()).toEqual([false, true, false, true, false]);
    const error = thrown(() => ahead.collect());
    expect(error).toBeInstanceOf(MemoryFileChangedError);
    expect((error as Error).message).toBe(`${second.relativePath} changed since it was read: scan again before writing it into the index`);

    // The second file holds what was scanned again by the time the repair collects: read here, it
    // passes, and the vanished fourth gives readMemoryMetadata's own error.
    const again = readMetadataAhead(workspace.context(), files);
    expect(answered()).toEqual([false, true, false, true, false]);
    writeFileSync(secondPath, secondText);
    const vanished = thrown(() => again.collect());
    expect((vanished as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((vanished as Error).message).toBe(`${fourth.relativePath}: vanished since it was read`);
  });

  it('reads every file here, when collected, when no helper took the task', () => {
    pool.behaviour = 'never-took-it';
    const workspace = template.copy();
    const files = filesOf(workspace, 3);
    const ahead = readMetadataAhead(workspace.context(), files);
    expect(pool.tasks).toHaveLength(1);
    const last = files[2] as MemoryFileRecord;
    appendFileSync(join(workspace.root, last.relativePath), '\nEdited after the plan.\n');
    expect((thrown(() => ahead.collect()) as Error).message).toBe(`${last.relativePath} changed since it was read: scan again before writing it into the index`);
  });

  it('does not trust an answer that does not cover every file', () => {
    pool.behaviour = 'answers-short';
    const workspace = template.copy();
    const files = filesOf(workspace, 3);
    expect(readMetadataAhead(workspace.context(), files).collect()).toEqual(files.map((file) => metadataHere(workspace, file)));
  });

  it('posts nothing when a helper is not worth it or there is nothing to read, and reads the files when collected', () => {
    pool.worthIt = false;
    const workspace = template.copy();
    const files = filesOf(workspace, 2);
    const expected = files.map((file) => metadataHere(workspace, file));
    const ahead = readMetadataAhead(workspace.context(), files);
    expect(pool.tasks).toEqual([]);
    expect(ahead.collect()).toEqual(expected);
    rmSync(join(workspace.root, files[0]?.relativePath as string));
    expect((thrown(() => readMetadataAhead(workspace.context(), files).collect()) as NodeJS.ErrnoException).code).toBe('ENOENT');
    pool.worthIt = true;
    expect(readMetadataAhead(workspace.context(), []).collect()).toEqual([]);
    expect(pool.tasks).toEqual([]);
  });
});
