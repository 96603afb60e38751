import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';

/** The memory files of a workspace as one scan saw them, sorted by relative path. */
export interface MemoryFileScan {
  readonly files: readonly MemoryFileRecord[];
  readonly unreadable: readonly UnreadableMemoryFile[];
}

/**
 * Gives each step of a run the workspace's memory files. The first scan reads and hashes every file;
 * later ones re-read only the files whose size or mtime changed, so detect, repair and verify of
 * every class in one `heal all` cost about one full read of the workspace.
 */
export interface MemoryFileSource {
  scan(): MemoryFileScan;
  /**
   * Starts a scan without waiting for it, where the source can read on other threads, and returns
   * the function that completes it: the caller can do other work (read the database) in between.
   * Optional; `start()()` is `scan()`. A started scan that is never completed is simply dropped.
   */
  start?(): () => MemoryFileScan;
  /**
   * Forgets what the source keeps for later scans (the last scan's records, the folder listings):
   * for a run whose remaining steps read no memory files. Optional; the next scan, if any, reads
   * every file again.
   */
  release?(): void;
}
