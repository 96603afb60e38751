import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  BATCH_ITEMS,
  claimBatch,
  jobTakesMtime,
  PathReader,
  readPacked,
  runStatBatches,
  sharePaths,
  SLOT_DONE,
  SLOT_CANCELLED,
  SLOT_NEXT,
  statInto,
  STATE_SLOTS,
  unpackReading,
  type JobKind,
  type JobMessage,
  type PackedReading,
  type ReadBatchMessage,
  type SharedPaths,
  type TaskResultMessage,
} from './memory-file-jobs.js';
import type { HelperTask, HelperTaskResult } from './helper-tasks.js';
import type { KnownFileValues } from './memory-file-source.js';
import { readMemoryFile, type MemoryFileLocation, type MemoryFileReading } from './memory-file-reader.js';

/**
 * Helper threads for scanning memory files. A job (read or stat a list of files, see
 * memory-file-jobs.ts) is started by the main thread and runs on the helpers at once, so the main
 * thread can read the index database meanwhile; when it collects the job, the main thread claims
 * what is left itself, then waits for the batches the helpers hold. Results are the same whoever
 * produced them. Helpers never keep the process alive; if one dies or stalls, the main thread does
 * its batches over, so a job always completes.
 *
 * Threads: one fewer than the machine has cores, at least one and at most four; small jobs run on
 * the main thread alone, since starting a thread and loading its code costs about what reading
 * twenty thousand files does. `OPSHEAL_THREADS=N` sets the number (0 turns helpers off) and has
 * every job, however small, use them (tests compare runs with and without).
 */

/** Jobs with fewer items than this run on the main thread alone (unless OPSHEAL_THREADS is set). */
export const POOL_MIN_ITEMS = { read: 25_000, stat: 25_000 } as const;
/**
 * A task over fewer files than this (reading a repair's files again) runs on the main thread (unless
 * OPSHEAL_THREADS is set): posting it and its answer would cost about what it saves.
 */
export const POOL_MIN_FILE_TASK_ITEMS = 64;
/**
 * SQLite's checks of a smaller database run on the main thread, and a scan of a workspace with a
 * smaller one starts its helpers only once POOL_MIN_ITEMS.read files are listed (bytes; unless
 * OPSHEAL_THREADS is set). The sample's database holds about 7,000 memories in 8 MiB. Measured there
 * (docs/performance.md): from 10,000 memories a check and a heal are about a tenth quicker with the
 * helpers started at once; at 5,000 they gain nothing, and at 2,000 they cost about 15 ms.
 */
export const POOL_MIN_DATABASE_BYTES = 8 * 1024 * 1024;
/**
 * Files per chunk of a read fed while the files are still being listed: the helpers start on a
 * chunk as soon as it is full, so they read while the main thread lists.
 */
export const STREAM_CHUNK_ITEMS = 4096;
/** How long the main thread waits on a batch a helper claimed before doing it over itself (ms). */
const STALL_MS = 5_000;
/** How long it waits on a task a helper took before running it itself (ms): database checks are slow. */
const TASK_STALL_MS = 600_000;
const NO_PATHS: SharedPaths = { bytes: new SharedArrayBuffer(1), offsets: new SharedArrayBuffer(4), count: 0 };
const MAX_THREADS = 4;
/** The young generation of a helper's heap (MB); V8's default is several times this. */
const HELPER_YOUNG_GENERATION_MB = 8;

/** A job running on the pool: collect it (once) for its results. */
export interface ReadJob {
  /**
   * The readings, in the order of the locations. `onProgress` gets the count done from time to time;
   * `known`: what the caller holds for the files (memory-file-source.ts, KnownFileValues).
   */
  collect(onProgress?: (done: number) => void, known?: KnownFileValues): MemoryFileReading[];
}

/**
 * A read fed one location at a time, as a listing finds them: once there are enough to be worth
 * helpers (POOL_MIN_ITEMS.read), they start reading chunk by chunk while more are added. A read that
 * never grew that large is done on the main thread at `collect()`.
 */
export interface StreamingRead {
  add(location: MemoryFileLocation): void;
  /**
   * No more locations: the last chunk starts on the helpers now (call it as soon as the listing is
   * done, before starting other work on the helpers, or that work would run before the last chunk).
   */
  end(): void;
  /** The readings, in the order the locations were added (`known`: as for {@link ReadJob}). */
  collect(onProgress?: (done: number) => void, known?: KnownFileValues): MemoryFileReading[];
}

export interface TaskJob {
  /** The helper's result; `undefined` when the caller is to run the task itself. */
  collect(): HelperTaskResult | undefined;
}

export interface StatJob {
  /** Size and mtime (ms) of each path at 2i and 2i + 1; NaN when it is not a regular file now. */
  collect(): Float64Array;
}

/** One job of a read, with the locations its paths were made from. */
interface ReadPart {
  readonly job: JobMessage;
  readonly locations: readonly MemoryFileLocation[];
}

interface Helper {
  readonly worker: Worker;
  readonly results: MessagePort;
}

/** The process's helper threads, started on the first job that needs them. */
export class MemoryFilePool {
  private helpers: Helper[] | undefined;
  private nextJobId = 1;
  /** The scan being run: its jobs (a streamed read has one per chunk), given up when another starts. */
  private current: { readonly ids: number[]; readonly states: Int32Array[] } | undefined;
  private readonly taskResults = new Map<number, HelperTaskResult>();
  /** Tasks whose results nobody will collect ({@link postTask}): dropped as they come in. */
  private readonly uncollected = new Set<number>();

  private constructor(
    private readonly workerUrl: URL,
    private readonly threads: number,
    /** OPSHEAL_THREADS was given: every job uses the helpers, whatever its size. */
    private readonly forced: boolean,
  ) {}

  /** The pool, or `undefined` when helpers are turned off or cannot run here. */
  static create(environment: NodeJS.ProcessEnv = process.env): MemoryFilePool | undefined {
    const { threads, forced } = threadCount(environment);
    const workerUrl = threads > 0 ? locateWorker() : undefined;
    return workerUrl === undefined ? undefined : new MemoryFilePool(workerUrl, threads, forced);
  }

  /** Whether whole-database work on this database (SQLite's checks, a backup's copy) is worth a helper: a large one; any, when forced. */
  worthAHelper(databasePath: string): boolean {
    return this.forced || largeIndexDatabase(databasePath);
  }

  /**
   * Whether a task over `items` files is worth a helper: only once the helpers run (a large scan
   * started them; starting one costs more than the task saves), and for enough files; any, when forced.
   */
  worthAFileTask(items: number): boolean {
    return this.helpers !== undefined && this.helpers.length > 0 && (this.forced || items >= POOL_MIN_FILE_TASK_ITEMS);
  }

  /** Starts reading the files; `undefined` when the job is too small for helpers. */
  startRead(locations: readonly MemoryFileLocation[]): ReadJob | undefined {
    if (!this.forced && locations.length < POOL_MIN_ITEMS.read) return undefined;
    const paths = sharePaths(locations.map((location) => location.absolutePath));
    const job = this.post('read', paths);
    return { collect: (onProgress, known) => this.collectReads([{ job, locations }], onProgress, known) };
  }

  /**
   * Starts the helper threads now, ahead of the first job: a thread takes a couple of hundred
   * milliseconds to start and load its code, which it can spend while this thread opens the
   * database and lists the first files.
   */
  warm(): void {
    this.start();
  }

  /**
   * Starts a read to be fed as the files are listed (see {@link StreamingRead}). `expectMany`: the
   * caller knows the scan will be large (the helpers were warmed for it), so the helpers take the
   * first chunk as soon as it is full, instead of once POOL_MIN_ITEMS.read files are listed.
   * `takeMtime: false`: the readings take no mtime (readMemoryFile). Default `true`.
   */
  startStreamingRead(options: { readonly expectMany?: boolean; readonly takeMtime?: boolean } = {}): StreamingRead {
    const parts: ReadPart[] = [];
    let pending: MemoryFileLocation[] = [];
    let added = 0;
    // Forced (OPSHEAL_THREADS, the tests): small chunks, so that a small scan runs in several.
    const chunkItems = this.forced ? 4 * BATCH_ITEMS : STREAM_CHUNK_ITEMS;
    const threshold = this.forced || options.expectMany === true ? chunkItems : POOL_MIN_ITEMS.read;
    const takeMtime = jobTakesMtime(options);
    const flush = (): void => {
      const paths = sharePaths(pending.map((location) => location.absolutePath));
      parts.push({ job: this.post('read', paths, { takeMtime }, parts.length > 0), locations: pending });
      pending = [];
    };
    return {
      add: (location) => {
        pending.push(location);
        added += 1;
        if (parts.length === 0 ? added >= threshold : pending.length >= chunkItems) flush();
      },
      end: () => {
        if (parts.length > 0 && pending.length > 0) flush();
      },
      collect: (onProgress, known) => {
        // Too few for helpers (fewer than POOL_MIN_ITEMS.read, quick to read here).
        if (parts.length === 0) return pending.map((location) => readMemoryFile(location, takeMtime));
        if (pending.length > 0) flush();
        return this.collectReads(parts, onProgress, known);
      },
    };
  }

  /** Starts stat'ing the files; `undefined` when the job is too small for helpers. */
  startStat(paths: SharedPaths): StatJob | undefined {
    if (!this.forced && paths.count < POOL_MIN_ITEMS.stat) return undefined;
    const stats = new SharedArrayBuffer(Math.max(8, 16 * paths.count));
    const batchesDone = new SharedArrayBuffer(4 * Math.max(1, Math.ceil(paths.count / BATCH_ITEMS)));
    const job = this.post('stat', paths, { stats, batchesDone });
    return { collect: () => this.collectStat(job) };
  }

  /**
   * Starts a task (helper-tasks.ts) on the first helper free to take it. `collect()` gives its result,
   * or `undefined` when no helper had taken it by then: the caller runs it itself.
   */
  startTask(task: HelperTask): TaskJob {
    const job = this.post('task', NO_PATHS, { task });
    return { collect: () => this.collectTask(job) };
  }

  /**
   * Posts a task that nobody waits for (the checkpoint a repair's commit left, background-checks.ts):
   * the first helper free takes it, and its answer is let go when it comes.
   */
  postTask(task: HelperTask): void {
    this.uncollected.add(this.post('task', NO_PATHS, { task }).id);
  }

  /** `continuing`: the job is one more chunk of the scan already running, not a new scan. */
  private post(kind: JobKind, paths: SharedPaths, extra: Pick<JobMessage, 'stats' | 'batchesDone' | 'task' | 'takeMtime'> = {}, continuing = false): JobMessage {
    const state = new SharedArrayBuffer(4 * STATE_SLOTS);
    const job: JobMessage = { type: 'job', id: this.nextJobId++, kind, paths, state, ...extra };
    if (kind !== 'task') {
      if (continuing && this.current !== undefined) {
        this.current.ids.push(job.id);
        this.current.states.push(new Int32Array(state));
      } else {
        // A scan started and never collected is given up: its helpers stop claiming.
        for (const stale of this.current?.states ?? []) Atomics.store(stale, SLOT_CANCELLED, 1);
        this.current = { ids: [job.id], states: [new Int32Array(state)] };
      }
    }
    for (const helper of this.start()) helper.worker.postMessage(job);
    return job;
  }

  /** Takes every message the helpers have posted: read batches go to `onReadBatch`, task results are kept. */
  private drain(onReadBatch?: (message: ReadBatchMessage) => void): void {
    for (const helper of this.helpers ?? []) {
      for (let received = receiveMessageOnPort(helper.results); received !== undefined; received = receiveMessageOnPort(helper.results)) {
        const message = received.message as ReadBatchMessage | TaskResultMessage;
        if (message.type === 'task-result') {
          if (!this.uncollected.delete(message.id)) this.taskResults.set(message.id, message.result);
        } else if (message.type === 'read-batch') onReadBatch?.(message);
      }
    }
  }

  private collectTask(job: JobMessage): HelperTaskResult | undefined {
    const state = new Int32Array(job.state);
    // Not taken yet: it is the caller's to run, and no helper will start it now.
    if (Atomics.compareExchange(state, SLOT_NEXT, 0, 1) === 0) return undefined;
    for (;;) {
      this.drain();
      const result = this.taskResults.get(job.id);
      if (result !== undefined) {
        this.taskResults.delete(job.id);
        return result;
      }
      // A helper has it. SQLite's checks take as long as the database is big; a helper that died
      // never answers, and after TASK_STALL_MS the caller runs the task itself.
      if (Atomics.wait(state, SLOT_DONE, 0, TASK_STALL_MS) === 'timed-out' && Atomics.load(state, SLOT_DONE) === 0) {
        this.drain();
        const late = this.taskResults.get(job.id);
        this.taskResults.delete(job.id);
        return late;
      }
    }
  }

  private start(): Helper[] {
    if (this.helpers !== undefined) return this.helpers;
    this.helpers = [];
    for (let index = 0; index < this.threads; index += 1) {
      const channel = new MessageChannel();
      const worker = new Worker(this.workerUrl, {
        workerData: { results: channel.port2 },
        transferList: [channel.port2],
        // A helper's garbage is a file's text at a time: a small young generation keeps its memory small.
        resourceLimits: { maxYoungGenerationSizeMb: HELPER_YOUNG_GENERATION_MB },
      });
      // A helper that fails to start or dies is simply not heard from: the main thread does its work.
      worker.on('error', () => undefined);
      worker.unref();
      channel.port1.unref();
      this.helpers.push({ worker, results: channel.port1 });
    }
    return this.helpers;
  }

  private finished(job: JobMessage): void {
    if (this.current?.ids.includes(job.id) === true) this.current = undefined;
  }

  /** Collects a read, whole or in chunks (parts in the order of their locations). */
  private collectReads(parts: readonly ReadPart[], onProgress?: (done: number) => void, known?: KnownFileValues): MemoryFileReading[] {
    const readings: MemoryFileReading[] = [];
    const progress = parts.map((part) => {
      const count = part.locations.length;
      const progressOfPart = { part, count, offset: readings.length, state: new Int32Array(part.job.state), batchDone: new Uint8Array(Math.ceil(count / BATCH_ITEMS)), done: 0 };
      readings.length += count;
      return progressOfPart;
    });
    const byId = new Map(progress.map((entry) => [entry.part.job.id, entry]));
    let done = 0;
    const doBatch = (entry: (typeof progress)[number], start: number): void => {
      const end = Math.min(start + BATCH_ITEMS, entry.count);
      const takeMtime = jobTakesMtime(entry.part.job);
      for (let index = start; index < end; index += 1) {
        const location = entry.part.locations[index] as MemoryFileLocation;
        // Packed and unpacked as a helper's reading is, so that it shares what `known` holds alike.
        readings[entry.offset + index] =
          known === undefined ? readMemoryFile(location, takeMtime) : unpackReading(readPacked(location.absolutePath, takeMtime), location, known);
      }
      entry.batchDone[start / BATCH_ITEMS] = 1;
      entry.done += end - start;
      done += end - start;
    };
    const drain = (): void =>
      this.drain((message) => {
        const entry = byId.get(message.id);
        if (entry === undefined || entry.batchDone[message.start / BATCH_ITEMS] === 1) return;
        message.readings.forEach((packed: PackedReading, offset) => {
          const index = message.start + offset;
          readings[entry.offset + index] = unpackReading(packed, entry.part.locations[index] as MemoryFileLocation, known);
        });
        entry.batchDone[message.start / BATCH_ITEMS] = 1;
        entry.done += message.readings.length;
        done += message.readings.length;
      });
    let reported = 0;
    const report = (): void => {
      if (onProgress !== undefined && done - reported >= 10_000) {
        reported = done;
        onProgress(done);
      }
    };
    try {
      // The main thread takes its share of the batches, picking up the helpers' results between them.
      for (const entry of progress) {
        for (let batch = claimBatch(entry.state, entry.count); batch !== undefined; batch = claimBatch(entry.state, entry.count)) {
          doBatch(entry, batch.start);
          drain();
          report();
        }
      }
      // Helpers take chunks in order: wait for each in turn.
      for (const entry of progress) {
        this.waitForHelpers(entry.state, () => {
          drain();
          report();
          return entry.done >= entry.count;
        }, () => {
          for (let batch = 0; batch < entry.batchDone.length; batch += 1) if (entry.batchDone[batch] === 0) doBatch(entry, batch * BATCH_ITEMS);
        });
      }
    } finally {
      for (const entry of progress) this.finished(entry.part.job);
    }
    return readings;
  }

  private collectStat(job: JobMessage): Float64Array {
    const state = new Int32Array(job.state);
    const stats = new Float64Array(job.stats as SharedArrayBuffer);
    const batchesDone = new Int32Array(job.batchesDone as SharedArrayBuffer);
    const reader = new PathReader(job.paths);
    try {
      runStatBatches(job, reader, false);
      this.waitForHelpers(state, () => Atomics.load(state, SLOT_DONE) >= job.paths.count, () => {
        for (let batch = 0; batch < batchesDone.length; batch += 1) {
          if (Atomics.load(batchesDone, batch) === 1) continue;
          const end = Math.min((batch + 1) * BATCH_ITEMS, job.paths.count);
          for (let index = batch * BATCH_ITEMS; index < end; index += 1) statInto(stats, index, reader.path(index));
        }
      });
    } finally {
      this.finished(job);
    }
    return stats;
  }

  /**
   * Blocks until `complete()` says the helpers' batches are all in, checking whenever one is
   * published; if none is for STALL_MS, `takeOver()` does what is missing on this thread.
   */
  private waitForHelpers(state: Int32Array, complete: () => boolean, takeOver: () => void): void {
    let lastDone = Atomics.load(state, SLOT_DONE);
    let lastProgressAt = Date.now();
    while (!complete()) {
      Atomics.wait(state, SLOT_DONE, lastDone, 100);
      const nowDone = Atomics.load(state, SLOT_DONE);
      if (nowDone !== lastDone) {
        lastDone = nowDone;
        lastProgressAt = Date.now();
      } else if (Date.now() - lastProgressAt > STALL_MS) {
        takeOver();
        return;
      }
    }
  }
}

/**
 * Whether the index database is large (POOL_MIN_DATABASE_BYTES, some 7,000 memories): then SQLite's
 * checks of it are worth a helper, and the memory files are likely to be thousands, so a scan's
 * helper threads are worth starting at once. A database that cannot be stat'ed says no (what is
 * wrong with it is for the commands to report).
 */
export function largeIndexDatabase(path: string): boolean {
  try {
    return (statSync(path, { throwIfNoEntry: false })?.size ?? 0) >= POOL_MIN_DATABASE_BYTES;
  } catch {
    return false;
  }
}

let processWide: MemoryFilePool | null | undefined;

/** The process's pool, made on first use (its threads on the first job); `undefined` where helpers cannot run. */
export function processPool(): MemoryFilePool | undefined {
  if (processWide === undefined) processWide = MemoryFilePool.create() ?? null;
  return processWide ?? undefined;
}

function threadCount(environment: NodeJS.ProcessEnv): { threads: number; forced: boolean } {
  const configured = environment.OPSHEAL_THREADS;
  if (configured !== undefined && /^\d+$/.test(configured.trim())) return { threads: Math.min(MAX_THREADS, Number(configured.trim())), forced: true };
  return { threads: Math.max(1, Math.min(MAX_THREADS, availableParallelism() - 1)), forced: false };
}

/**
 * The helper's script: built beside the bundle's chunks (dist/workers/memory-files.js). Running
 * from the TypeScript sources (the tests) there is none, and scans stay on the main thread.
 */
function locateWorker(): URL | undefined {
  for (const candidate of ['./workers/memory-files.js', '../workers/memory-files.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}
