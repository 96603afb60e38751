import { statSync } from 'node:fs';
import type { MemoryFileRecord } from './memory-file.js';
import type { HelperTask, HelperTaskResult } from './helper-tasks.js';
import { readMemoryFile, UNREADABLE_REASONS, type MemoryFileLocation, type MemoryFileReading } from './memory-file-reader.js';
import type { KnownFileValues } from './memory-file-source.js';

/**
 * The work a scan shares between the main thread and its helper threads (memory-file-pool.ts): a
 * job is a list of file paths in shared memory, claimed in batches by whichever thread is free, so
 * that every thread runs the same code on the same input and the result does not depend on who
 * read what. Two kinds of job: `read` (read, hash and parse each file, as readMemoryFile does) and
 * `stat` (size and mtime of each file, to see what changed since the last scan).
 */

export type JobKind = 'read' | 'stat' | 'task';

/** The shared state of a job, as Int32Array slots. */
export const SLOT_NEXT = 0;
/** Items whose results are published (a read batch posted, a stat batch written). */
export const SLOT_DONE = 1;
/** 1 once the main thread has given the job up: helpers claim no more of it. */
export const SLOT_CANCELLED = 2;
export const STATE_SLOTS = 3;

/** Items per claim: big enough that claiming costs nothing, small enough to share the tail. */
export const BATCH_ITEMS = 256;

/** A job's file paths as UTF-8 in shared memory, with their offsets. */
export interface SharedPaths {
  readonly bytes: SharedArrayBuffer;
  /** Int32Array of count + 1 offsets into bytes. */
  readonly offsets: SharedArrayBuffer;
  readonly count: number;
}

/** What a helper thread is told to do (posted once per job). */
export interface JobMessage {
  readonly type: 'job';
  readonly id: number;
  readonly kind: JobKind;
  readonly paths: SharedPaths;
  /** Int32Array of STATE_SLOTS. */
  readonly state: SharedArrayBuffer;
  /** Float64Array of 2 x count (stat jobs): size, mtime in ms; NaN size for a missing file. */
  readonly stats?: SharedArrayBuffer;
  /** Int32Array of batch count: 1 once the batch's results are published (stat jobs). */
  readonly batchesDone?: SharedArrayBuffer;
  /** What to run (task jobs: one item, see helper-tasks.ts). */
  readonly task?: HelperTask;
  /** Read jobs: `false` when the scan takes no mtimes (readMemoryFile's `takeMtime`). Default `true`. */
  readonly takeMtime?: boolean;
}

/** A task's result, posted by the helper that claimed it. */
export interface TaskResultMessage {
  readonly type: 'task-result';
  readonly id: number;
  readonly result: HelperTaskResult;
}

/** A read batch's results, posted by a helper thread: `start`, then one packed reading per item. */
export interface ReadBatchMessage {
  readonly type: 'read-batch';
  readonly id: number;
  readonly start: number;
  readonly readings: readonly PackedReading[];
}

/**
 * One file's reading, packed for posting between threads: the reason code of an unreadable file,
 * or [hash, mtimeMs, sizeBytes, sessionId].
 */
export type PackedReading = number | readonly [string, number, number, string | null];

/** Encodes the paths into shared memory for a job. */
export function sharePaths(paths: readonly string[]): SharedPaths {
  let total = 0;
  for (const path of paths) total += Buffer.byteLength(path, 'utf8');
  const bytes = new SharedArrayBuffer(Math.max(1, total));
  const offsets = new SharedArrayBuffer(4 * (paths.length + 1));
  const view = Buffer.from(bytes);
  const starts = new Int32Array(offsets);
  let at = 0;
  paths.forEach((path, index) => {
    starts[index] = at;
    at += view.write(path, at, 'utf8');
  });
  starts[paths.length] = at;
  return { bytes, offsets, count: paths.length };
}

/** Reads paths back out of shared memory. */
export class PathReader {
  private readonly view: Buffer;
  private readonly starts: Int32Array;
  constructor(paths: SharedPaths) {
    this.view = Buffer.from(paths.bytes);
    this.starts = new Int32Array(paths.offsets);
  }
  path(index: number): string {
    return this.view.toString('utf8', this.starts[index] as number, this.starts[index + 1] as number);
  }
}

/**
 * Claims the next batch of a job, or `undefined` when none is left (for a helper, also when the
 * job was given up; the main thread, if it comes back to the job, still finishes it).
 */
export function claimBatch(state: Int32Array, count: number, helper = false): { start: number; end: number } | undefined {
  if (helper && Atomics.load(state, SLOT_CANCELLED) === 1) return undefined;
  const start = Atomics.add(state, SLOT_NEXT, BATCH_ITEMS);
  if (start >= count) return undefined;
  return { start, end: Math.min(start + BATCH_ITEMS, count) };
}

/** Whether a read job's readings take each file's mtime (a job, or a read's options, that does not say does). */
export function jobTakesMtime(job: Pick<JobMessage, 'takeMtime'>): boolean {
  return job.takeMtime !== false;
}

/** Reads one file for a job: the same readMemoryFile as a scan on one thread, packed. */
export function readPacked(absolutePath: string, takeMtime: boolean): PackedReading {
  // The relative path and spec folder are the main thread's to fill in (unpackReading).
  return packReading(readMemoryFile({ absolutePath, relativePath: absolutePath, specFolder: '' }, takeMtime));
}

export function packReading(reading: MemoryFileReading): PackedReading {
  if (reading.kind === 'unreadable') return UNREADABLE_REASONS.indexOf(reading.unreadable.reason as (typeof UNREADABLE_REASONS)[number]);
  const { record } = reading;
  return [record.contentHash, record.mtimeMs, record.sizeBytes, record.sessionId];
}

/**
 * The reading a packed one stands for, at the location the main thread listed. A hash or session
 * equal to what `known` holds for the path is taken as the caller's string (memory-file-source.ts).
 */
export function unpackReading(packed: PackedReading, location: MemoryFileLocation, known?: KnownFileValues): MemoryFileReading {
  if (typeof packed === 'number') {
    return { kind: 'unreadable', unreadable: { relativePath: location.relativePath, reason: UNREADABLE_REASONS[packed] ?? 'unreadable' } };
  }
  const held = known?.(location.relativePath);
  const record: MemoryFileRecord = {
    relativePath: location.relativePath,
    specFolder: location.specFolder,
    contentHash: held !== undefined && held.contentHash === packed[0] ? held.contentHash : packed[0],
    mtimeMs: packed[1],
    sizeBytes: packed[2],
    sessionId: held !== undefined && held.sessionId === packed[3] ? held.sessionId : packed[3],
  };
  return { kind: 'file', record };
}

/**
 * Stats one file for a stat job into `stats` (size, mtime in ms at 2i, 2i + 1). A path that is
 * not a regular file now, or cannot be stat'ed, gets NaN: it will be read again, which says why.
 */
export function statInto(stats: Float64Array, index: number, absolutePath: string): void {
  let size = Number.NaN;
  let mtimeMs = Number.NaN;
  try {
    const current = statSync(absolutePath, { throwIfNoEntry: false });
    if (current !== undefined && current.isFile()) {
      size = current.size;
      mtimeMs = current.mtimeMs;
    }
  } catch {
    // Unreadable now: left NaN, so the file is read again and its reason found.
  }
  stats[2 * index] = size;
  stats[2 * index + 1] = mtimeMs;
}

/** Runs the batches of a stat job this thread can claim. */
export function runStatBatches(job: JobMessage, reader: PathReader, helper: boolean): void {
  const state = new Int32Array(job.state);
  const stats = new Float64Array(job.stats as SharedArrayBuffer);
  const batchesDone = new Int32Array(job.batchesDone as SharedArrayBuffer);
  const claim = (): { start: number; end: number } | undefined => claimBatch(state, job.paths.count, helper);
  for (let batch = claim(); batch !== undefined; batch = claim()) {
    for (let index = batch.start; index < batch.end; index += 1) statInto(stats, index, reader.path(index));
    Atomics.store(batchesDone, batch.start / BATCH_ITEMS, 1);
    Atomics.add(state, SLOT_DONE, batch.end - batch.start);
    Atomics.notify(state, SLOT_DONE);
  }
}
