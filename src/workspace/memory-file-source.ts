import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';

/** The memory files of a workspace as one scan saw them, sorted by relative path. */
export interface MemoryFileScan {
  readonly files: readonly MemoryFileRecord[];
  readonly unreadable: readonly UnreadableMemoryFile[];
}

/**
 * What the caller already holds for the files of a scan, by workspace-relative path (the index
 * rows' hash and session, read while the files were): a record whose hash or session equals it
 * keeps the caller's string instead of a copy of its own, which only saves memory (100,000 hashes
 * are 8 MB). `undefined`: nothing known for that path.
 */
export type KnownFileValues = (relativePath: string) => { readonly contentHash: string | null; readonly sessionId: string | null } | undefined;

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
   * `known`: see {@link KnownFileValues}; the records are the same values with it or without.
   */
  start?(): (known?: KnownFileValues) => MemoryFileScan;
  /**
   * Forgets what the source keeps for later scans (the last scan's records, the folder listings):
   * for a run whose remaining steps read no memory files. Optional; the next scan, if any, reads
   * every file again.
   */
  release?(): void;
  /**
   * Ends the moment of the workspace the source's scans stand for, where it holds a scan for later
   * callers (cached-memory-files.ts, `holdScans`): the next scan looks at the files again. Optional;
   * a source that looks again at every scan has nothing to end.
   */
  nextMoment?(): void;
}
