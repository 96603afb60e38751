import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { contentHash, createContentHasher } from './content-hash.js';
import { parseMemoryMetadata } from './front-matter.js';
import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';

/** Files above this size are hashed in chunks instead of read whole (bytes). */
export const LARGE_FILE_BYTES = 8 * 1024 * 1024;
/** How much of a large file the metadata is parsed from (bytes): front matter lives at the top. */
export const LARGE_FILE_METADATA_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Why a file under a memory folder is not a memory opsheal can use. `vanished` is transient (the
 * file went between listing and reading); the others stay until a person acts.
 */
export const UNREADABLE_REASONS = [
  'vanished',
  'permission-denied',
  'unreadable',
  'not-a-file',
  'binary',
  'invalid-utf8',
  'broken-symlink',
  'symlink-loop',
  'symlink-outside-workspace',
  'symlink-duplicate',
] as const;
export type UnreadableReason = (typeof UNREADABLE_REASONS)[number];

/** Where a memory file sits: its paths and spec folder, all already worked out by the scan. */
export interface MemoryFileLocation {
  readonly absolutePath: string;
  /** Workspace-relative, `/`-separated. */
  readonly relativePath: string;
  readonly specFolder: string;
}

/** One file's outcome: a record, or why there is none. */
export type MemoryFileReading =
  | { readonly kind: 'file'; readonly record: MemoryFileRecord }
  | { readonly kind: 'unreadable'; readonly unreadable: UnreadableMemoryFile };

/**
 * Reads one memory file: hash, size, mtime (whole milliseconds, rounded down) and metadata. Never
 * throws for the file's own sake: a file that vanished, cannot be read, is not a regular file, holds
 * NUL bytes or is not valid UTF-8 comes back as `unreadable` with its reason. Files over
 * {@link LARGE_FILE_BYTES} are streamed, their metadata taken from the first 64 KB.
 */
export function readMemoryFile(location: MemoryFileLocation): MemoryFileReading {
  const unreadable = (reason: UnreadableReason): MemoryFileReading => ({
    kind: 'unreadable',
    unreadable: { relativePath: location.relativePath, reason },
  });
  let descriptor: number;
  try {
    // O_NONBLOCK: a FIFO named like a memory must not hang the scan; it is refused by fstat below.
    descriptor = openSync(location.absolutePath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return unreadable(reasonForError(error));
  }
  try {
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) return unreadable('not-a-file');
    const mtimeMs = Math.floor(stats.mtimeMs);
    const content = stats.size > LARGE_FILE_BYTES ? readLargeFile(descriptor) : readSmallFile(descriptor);
    if (typeof content === 'string') return unreadable(content);
    return {
      kind: 'file',
      record: {
        relativePath: location.relativePath,
        absolutePath: location.absolutePath,
        specFolder: location.specFolder,
        contentHash: content.hash,
        mtimeMs,
        sizeBytes: content.sizeBytes,
        metadata: parseMemoryMetadata(content.metadataText, location.relativePath),
      },
    };
  } catch (error) {
    return unreadable(reasonForError(error));
  } finally {
    closeSync(descriptor);
  }
}

interface FileContent {
  readonly hash: string;
  readonly sizeBytes: number;
  /** The whole text, or for a large file its first 64 KB. */
  readonly metadataText: string;
}

function readSmallFile(descriptor: number): FileContent | UnreadableReason {
  const bytes = readFileSync(descriptor);
  // A NUL byte never appears in text; checking it first keeps binaries out of the UTF-8 check.
  if (bytes.indexOf(0) !== -1) return 'binary';
  if (!isUtf8(bytes)) return 'invalid-utf8';
  return { hash: contentHash(bytes), sizeBytes: bytes.length, metadataText: bytes.toString('utf8') };
}

function readLargeFile(descriptor: number): FileContent | UnreadableReason {
  const hasher = createContentHasher();
  // The streaming decoder checks UTF-8 across chunk boundaries; its output is thrown away.
  const validator = new TextDecoder('utf-8', { fatal: true });
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let head: Buffer | undefined;
  let sizeBytes = 0;
  try {
    for (;;) {
      const read = readSync(descriptor, chunk, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      const bytes = chunk.subarray(0, read);
      if (bytes.indexOf(0) !== -1) return 'binary';
      validator.decode(bytes, { stream: true });
      hasher.update(bytes);
      if (head === undefined) head = Buffer.from(bytes.subarray(0, LARGE_FILE_METADATA_BYTES));
      sizeBytes += read;
    }
    validator.decode();
  } catch (error) {
    if (error instanceof TypeError) return 'invalid-utf8';
    throw error;
  }
  // The cut may split a character; the replacement character it leaves is past the front matter.
  const metadataText = head === undefined ? '' : head.toString('utf8');
  return { hash: hasher.digest(), sizeBytes, metadataText };
}

/** The unreadable reason for a failed file-system call. */
export function reasonForError(error: unknown): UnreadableReason {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'vanished';
    case 'EACCES':
    case 'EPERM':
      return 'permission-denied';
    case 'ELOOP':
      return 'symlink-loop';
    case 'EISDIR':
    case 'ENXIO':
    case 'ENODEV':
      return 'not-a-file';
    default:
      return 'unreadable';
  }
}
