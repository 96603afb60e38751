import type { MemoryFileRecord } from '../workspace/memory-file.js';

/** The files by path, kept per files array: a run's scans hand the same array out again while nothing changed. */
const filesByPathCache = new WeakMap<readonly MemoryFileRecord[], ReadonlyMap<string, MemoryFileRecord>>();

/** `new Map(files.map((file) => [file.relativePath, file]))`, made once per files array. */
export function filesByPathOf(files: readonly MemoryFileRecord[]): ReadonlyMap<string, MemoryFileRecord> {
  let byPath = filesByPathCache.get(files);
  if (byPath === undefined) {
    byPath = new Map(files.map((file) => [file.relativePath, file]));
    filesByPathCache.set(files, byPath);
  }
  return byPath;
}
