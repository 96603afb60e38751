import { join } from 'node:path';
import type { MemoryFileRecord, MemoryMetadata } from '../workspace/memory-file.js';
import { processPool } from '../workspace/memory-file-pool.js';
import { readMemoryMetadata } from '../workspace/memory-file-reader.js';
import type { LiveContext } from './live-class.js';

/** Metadata reads begun for the files a repair writes rows from. */
export interface MetadataAhead {
  readonly files: readonly MemoryFileRecord[];
  /**
   * The files' metadata, in their order; throws as readMemoryMetadata does for the first file that no
   * longer holds what was scanned. Collected once.
   */
  collect(): readonly MemoryMetadata[];
}

/**
 * Begins reading the whole metadata of the files a repair will write rows from. On a helper thread
 * when the helpers run and the files are many enough (memory-file-pool.ts, worthAFileTask), so that
 * the reads overlap what the repair does before its first write: beginning the backup's copy (queued
 * on the helper behind this task), looking up the first free id, checking that orphans' files are
 * still gone. A file the helper could not read as scanned is read again here when collected, so the
 * error is the one this thread would have thrown, for the first such file in order. With no helper,
 * or none that took the task in time, every file is read here when collected.
 */
export function readMetadataAhead(context: LiveContext, files: readonly MemoryFileRecord[]): MetadataAhead {
  const { root } = context.paths;
  const readHere = (file: MemoryFileRecord): MemoryMetadata => readMemoryMetadata(join(root, file.relativePath), file.relativePath, file.contentHash);
  const pool = processPool();
  if (files.length === 0 || pool === undefined || !pool.worthAFileTask(files.length)) return { files, collect: () => files.map(readHere) };
  const job = pool.startTask({
    kind: 'memory-metadata',
    files: files.map((file) => ({ absolutePath: join(root, file.relativePath), relativePath: file.relativePath, contentHash: file.contentHash })),
  });
  return {
    files,
    collect() {
      const answer = job.collect();
      const read = answer?.ok === true && answer.metadata?.length === files.length ? answer.metadata : undefined;
      return files.map((file, index) => read?.[index] ?? readHere(file));
    },
  };
}
