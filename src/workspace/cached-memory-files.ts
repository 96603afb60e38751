import { statSync } from 'node:fs';
import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';
import { readMemoryFile } from './memory-file-reader.js';
import type { MemoryFileScan, MemoryFileSource } from './memory-file-source.js';
import { listMemoryFiles } from './memory-files.js';
import type { WorkspacePaths } from './workspace-paths.js';

/** How often the first, full scan reports progress (files). */
const PROGRESS_EVERY = 10_000;

/**
 * A `MemoryFileSource` for one process: the first scan reads and hashes every file; later scans
 * list the files again and re-read only those whose size or mtime changed (or that are new), so a
 * heal's detect, repair and verify steps do not each pay for a full read. A file that vanished
 * between listing and reading is simply absent, as it would be a moment later.
 */
export function cachedMemoryFileSource(paths: WorkspacePaths, progress: (message: string) => void = () => undefined): MemoryFileSource {
  let known: Map<string, MemoryFileRecord> | undefined;
  return {
    scan(): MemoryFileScan {
      const files: MemoryFileRecord[] = [];
      const unreadable: UnreadableMemoryFile[] = [];
      const firstScan = known === undefined;
      for (const listing of listMemoryFiles(paths)) {
        if (listing.kind === 'unreadable') {
          unreadable.push(listing.unreadable);
          continue;
        }
        const { location } = listing;
        const cached = known?.get(location.relativePath);
        if (cached !== undefined && unchanged(location.absolutePath, cached)) {
          files.push(cached);
          continue;
        }
        const reading = readMemoryFile(location);
        if (reading.kind === 'file') files.push(reading.record);
        else if (reading.unreadable.reason !== 'vanished') unreadable.push(reading.unreadable);
        if (firstScan && files.length % PROGRESS_EVERY === 0 && files.length > 0) progress(`read ${files.length} memory files`);
      }
      files.sort(byRelativePath);
      unreadable.sort(byRelativePath);
      known = new Map(files.map((file) => [file.relativePath, file]));
      return { files, unreadable };
    },
  };
}

function unchanged(absolutePath: string, cached: MemoryFileRecord): boolean {
  const stats = statSync(absolutePath, { throwIfNoEntry: false });
  return stats !== undefined && stats.isFile() && stats.size === cached.sizeBytes && Math.floor(stats.mtimeMs) === cached.mtimeMs;
}

function byRelativePath(a: { relativePath: string }, b: { relativePath: string }): number {
  return a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0;
}
