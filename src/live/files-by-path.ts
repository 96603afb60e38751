import type { MemoryFileRecord } from '../workspace/memory-file.js';

/** Finds a file of one scan by its workspace-relative path; `undefined` when it has none there. */
export type FileLookup = (relativePath: string) => MemoryFileRecord | undefined;

/** The look-up, kept per files array: a run's scans hand the same array out again while nothing changed. */
const lookups = new WeakMap<readonly MemoryFileRecord[], FileLookup>();

/**
 * The files by path, as `new Map(files.map((file) => [file.relativePath, file])).get` would find
 * them, made once per files array. A scan's files come sorted by path (memory-file-source.ts), and
 * then a binary search finds each one: the few look-ups a plan or a sample makes cost less than a
 * map of 100,000 paths, which would also stay in memory as long as the scan. Files in any other
 * order (or with a path twice, where the map keeps the last) get the map.
 */
export function fileByPathOf(files: readonly MemoryFileRecord[]): FileLookup {
  let lookup = lookups.get(files);
  if (lookup === undefined) {
    lookup = strictlyAscending(files) ? (path) => binarySearch(files, path) : mapLookup(files);
    lookups.set(files, lookup);
  }
  return lookup;
}

function strictlyAscending(files: readonly MemoryFileRecord[]): boolean {
  for (let index = 1; index < files.length; index += 1) {
    if (!((files[index - 1] as MemoryFileRecord).relativePath < (files[index] as MemoryFileRecord).relativePath)) return false;
  }
  return true;
}

/** Code-unit order, as the scan sorts. */
function binarySearch(files: readonly MemoryFileRecord[], path: string): MemoryFileRecord | undefined {
  let low = 0;
  let high = files.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const file = files[middle] as MemoryFileRecord;
    if (file.relativePath < path) low = middle + 1;
    else if (file.relativePath > path) high = middle - 1;
    else return file;
  }
  return undefined;
}

function mapLookup(files: readonly MemoryFileRecord[]): FileLookup {
  const byPath = new Map(files.map((file) => [file.relativePath, file]));
  return (path) => byPath.get(path);
}
