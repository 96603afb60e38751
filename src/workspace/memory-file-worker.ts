/**
 * A helper thread of memory-file-pool.ts: it waits for jobs and claims their batches alongside the
 * main thread (memory-file-jobs.ts), or takes a task (helper-tasks.ts: SQLite's checks of the
 * database, the copy of a repair's backup, a repair's files read again, the checkpoint a repair's
 * commit left). It never changes a memory file or what the database holds: the one file it writes
 * is the backup copy it was given the name of, and a checkpoint only moves committed pages from the
 * database's write-ahead log into its file, as SQLite's automatic checkpoint would have.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  claimBatch,
  jobTakesMtime,
  PathReader,
  readPacked,
  runStatBatches,
  SLOT_DONE,
  SLOT_NEXT,
  type JobMessage,
  type PackedReading,
  type ReadBatchMessage,
  type TaskResultMessage,
} from './memory-file-jobs.js';
import { runHelperTask, type HelperTaskResult } from './helper-tasks.js';

const results = (workerData as { results: MessagePort }).results;

parentPort?.on('message', (message: JobMessage) => {
  if (message.type !== 'job') return;
  if (message.kind === 'task') {
    void runTask(message);
    return;
  }
  const reader = new PathReader(message.paths);
  if (message.kind === 'stat') {
    runStatBatches(message, reader, true);
    return;
  }
  const state = new Int32Array(message.state);
  const takeMtime = jobTakesMtime(message);
  const claim = (): { start: number; end: number } | undefined => claimBatch(state, message.paths.count, true);
  for (let batch = claim(); batch !== undefined; batch = claim()) {
    const readings: PackedReading[] = [];
    for (let index = batch.start; index < batch.end; index += 1) readings.push(readPacked(reader.path(index), takeMtime));
    const posted: ReadBatchMessage = { type: 'read-batch', id: message.id, start: batch.start, readings };
    results.postMessage(posted);
    // Counted only once posted, so the main thread finds the batch when it sees the count.
    Atomics.add(state, SLOT_DONE, batch.end - batch.start);
    Atomics.notify(state, SLOT_DONE);
  }
});

/**
 * Runs a task the main thread has not taken back, at once: a task is posted before the scan it
 * is meant to overlap, and must not wait behind that scan's batches.
 */
async function runTask(message: JobMessage): Promise<void> {
  const state = new Int32Array(message.state);
  if (Atomics.compareExchange(state, SLOT_NEXT, 0, 1) !== 0 || message.task === undefined) return;
  let result: HelperTaskResult;
  try {
    // A copy is SQLite's backup, which better-sqlite3 runs as a promise; the checks return at once.
    result = await runHelperTask(message.task);
  } catch {
    result = { ok: false };
  }
  const posted: TaskResultMessage = { type: 'task-result', id: message.id, result };
  results.postMessage(posted);
  Atomics.add(state, SLOT_DONE, 1);
  Atomics.notify(state, SLOT_DONE);
}
