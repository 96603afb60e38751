/** The importance tiers a memory may carry; `normal` when the front matter says nothing. */
export const IMPORTANCE_TIERS = ['constitutional', 'critical', 'important', 'normal', 'temporary', 'deprecated'] as const;
export type ImportanceTier = (typeof IMPORTANCE_TIERS)[number];

/** The context types a memory may carry; `general` when the front matter says nothing. */
export const CONTEXT_TYPES = ['research', 'implementation', 'decision', 'discovery', 'general'] as const;
export type ContextType = (typeof CONTEXT_TYPES)[number];

/** What a memory file says about itself (front matter, else heading, else file name). */
export interface MemoryMetadata {
  readonly title: string;
  readonly triggerPhrases: readonly string[];
  readonly importanceTier: ImportanceTier;
  readonly contextType: ContextType;
  readonly sessionId: string | null;
}

/**
 * One memory file as read from disk: its place, its hash, its session. The content itself is not
 * kept, so a scan of 100,000 files holds only these records in memory, and only what judging the
 * files needs: the rest of a file's metadata (title, trigger phrases, tier, context type) is read
 * again, hash checked, for the few files a repair writes into the index (readMemoryMetadata, memory-file-reader.ts).
 */
export interface MemoryFileRecord {
  /** Workspace-relative, `/`-separated: `specs/003-memory/065-retry/memory/2026-01-02__notes.md`. */
  readonly relativePath: string;
  /** The path between `specs/` and `/memory/`: `003-memory/065-retry`. */
  readonly specFolder: string;
  /** SHA-256, lowercase hex, of the UTF-8 text with any byte-order mark dropped. */
  readonly contentHash: string;
  /**
   * Whole milliseconds, rounded down: what a later scan compares to tell whether the file changed.
   * NaN when the scan took none, being one that no later scan is compared with (`once`,
   * cached-memory-files.ts); compared with anything, NaN means changed.
   */
  readonly mtimeMs: number;
  readonly sizeBytes: number;
  /** The front matter's `session_id`, as {@link MemoryMetadata} has it; `null` when absent. */
  readonly sessionId: string | null;
}

/** A file under a memory folder that could not be read as a memory (unreadable, not UTF-8, a loop). */
export interface UnreadableMemoryFile {
  readonly relativePath: string;
  readonly reason: string;
}
