import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { contentHash, createContentHasher, startsWithUtf8Bom } from './content-hash.js';
import { frontMatterSessionId, parseFrontMatterMetadata, parseMemoryMetadata } from './front-matter.js';
import type { MemoryFileRecord, MemoryMetadata, UnreadableMemoryFile } from './memory-file.js';

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
 * Reads one memory file: hash, size, mtime (whole milliseconds, rounded down) and session. Never
 * throws for the file's own sake: a file that vanished, cannot be read, is not a regular file, holds
 * NUL bytes or is not valid UTF-8 comes back as `unreadable` with its reason. Files over
 * {@link LARGE_FILE_BYTES} are streamed, their session taken from the first 64 KB.
 *
 * `takeMtime: false` is for a scan that no later scan is compared with (MemoryFileRecord.mtimeMs):
 * the record's mtime is NaN, and a file that one positional read takes whole is not stat'ed at all.
 * The same outcome otherwise, unreadable files included.
 */
export function readMemoryFile(location: MemoryFileLocation, takeMtime = true): MemoryFileReading {
  const read = readDescribed(location.absolutePath, location.relativePath, SESSION_ID, takeMtime);
  if (read.kind === 'unreadable') return { kind: 'unreadable', unreadable: { relativePath: location.relativePath, reason: read.reason } };
  const { content } = read;
  return {
    kind: 'file',
    record: {
      relativePath: location.relativePath,
      specFolder: location.specFolder,
      contentHash: content.hash,
      mtimeMs: read.mtimeMs,
      sizeBytes: content.sizeBytes,
      sessionId: content.description,
    },
  };
}

/** What the front matter (and, when it has to, the text) of a file is read for. */
interface Describer<T> {
  /** From the text up to the end of the front matter (`undefined`: none); `undefined` when the whole text is needed. */
  readonly fromHead: (head: string | undefined, fileName: string) => T | undefined;
  readonly fromText: (text: string, fileName: string) => T;
}

/** The session, which the front matter settles by itself: what every scan keeps of a file. */
const SESSION_ID: Describer<string | null> = {
  fromHead: (head) => frontMatterSessionId(head),
  // A large file's first 64 KB: the front matter is found in it as in any text.
  fromText: (text) => frontMatterSessionId(text),
};

/** The whole metadata: the body is decoded only to look for a heading when the front matter names no title. */
const METADATA: Describer<MemoryMetadata> = {
  fromHead: (head) => (head === undefined ? undefined : parseFrontMatterMetadata(head)),
  fromText: (text, fileName) => parseMemoryMetadata(text, fileName),
};

/**
 * A memory file's whole metadata, for a repair about to write it into the index: read again from
 * disk, and only when the file still holds what the scan hashed (`expectedHash`). A file changed
 * since (or now unreadable) throws a retryable {@link MemoryFileChangedError}: the repair is rolled
 * back, and a retry scans again. A file gone throws the file system's ENOENT, which is retryable too.
 */
export function readMemoryMetadata(absolutePath: string, relativePath: string, expectedHash: string): MemoryMetadata {
  // The hash, not the mtime, says whether the file is what the scan read.
  const read = readDescribed(absolutePath, relativePath, METADATA, false);
  if (read.kind === 'unreadable') {
    if (read.reason === 'vanished') throw Object.assign(new Error(`${relativePath}: vanished since it was read`), { code: 'ENOENT' });
    throw new MemoryFileChangedError(relativePath, `is now ${read.reason}`);
  }
  if (read.content.hash !== expectedHash) throw new MemoryFileChangedError(relativePath, 'changed since it was read');
  return read.content.description;
}

/** A memory file that no longer holds what a scan read from it: retrying (and so scanning again) cures it. */
export class MemoryFileChangedError extends Error {
  readonly retryable = true;
  constructor(readonly relativePath: string, what: string) {
    super(`${relativePath} ${what}: scan again before writing it into the index`);
    this.name = 'MemoryFileChangedError';
  }
}

type DescribedRead<T> =
  | { readonly kind: 'file'; readonly mtimeMs: number; readonly content: FileContent<T> }
  | { readonly kind: 'unreadable'; readonly reason: UnreadableReason };

function readDescribed<T>(absolutePath: string, fileName: string, describer: Describer<T>, takeMtime: boolean): DescribedRead<T> {
  const unreadable = (reason: UnreadableReason): DescribedRead<T> => ({ kind: 'unreadable', reason });
  let descriptor: number;
  try {
    // O_NONBLOCK: a FIFO named like a memory must not hang the scan; it is refused by fstat below.
    descriptor = openSync(absolutePath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return unreadable(reasonForError(error));
  }
  try {
    if (!takeMtime) {
      const whole = readWholeAtOnce(descriptor);
      if (whole !== undefined) {
        const content = smallFileContent(whole, fileName, describer);
        if (typeof content === 'string') return unreadable(content);
        return { kind: 'file', mtimeMs: Number.NaN, content };
      }
    }
    const stats = fstatSync(descriptor);
    if (!stats.isFile()) return unreadable('not-a-file');
    const mtimeMs = takeMtime ? Math.floor(stats.mtimeMs) : Number.NaN;
    const content = stats.size > LARGE_FILE_BYTES ? readLargeFile(descriptor, fileName, describer) : readSmallFile(descriptor, stats.size, fileName, describer);
    if (typeof content === 'string') return unreadable(content);
    return { kind: 'file', mtimeMs, content };
  } catch (error) {
    return unreadable(reasonForError(error));
  } finally {
    closeSync(descriptor);
  }
}

interface FileContent<T> {
  readonly hash: string;
  readonly sizeBytes: number;
  /** From the whole text, or for a large file its first 64 KB. */
  readonly description: T;
}

/**
 * The buffer small files are read into, reused from file to file (a file's bytes never outlive its
 * read: the hash and the decoded text are copies), so a scan does not allocate one per file.
 */
let readBuffer = Buffer.allocUnsafe(64 * 1024);
/** A buffer grown past this for one big file is let go afterwards (bytes). */
const KEPT_READ_BUFFER_BYTES = 1024 * 1024;

function readSmallFile<T>(descriptor: number, statSize: number, fileName: string, describer: Describer<T>): FileContent<T> | UnreadableReason {
  try {
    return smallFileContent(readToEnd(descriptor, statSize), fileName, describer);
  } finally {
    if (readBuffer.length > KEPT_READ_BUFFER_BYTES) readBuffer = Buffer.allocUnsafe(64 * 1024);
  }
}

/**
 * The whole file, when one read at offset 0 returns it: more than nothing, and less than fills
 * `readBuffer` (a short read of a regular file is its end, as in readToEnd). Otherwise `undefined`,
 * the file offset untouched (a positional read), for the read that stats first: an empty file, a
 * bigger one, and anything but a regular file (a FIFO or a folder fails the read; a device reads
 * nothing or fills the buffer), which fstat then refuses. Skipping fstat saves the Stats object
 * Node 20 makes, with its four Dates: about a fifth of what reading a small file costs.
 */
function readWholeAtOnce(descriptor: number): Buffer | undefined {
  let read: number;
  try {
    read = readSync(descriptor, readBuffer, 0, readBuffer.length, 0);
  } catch {
    return undefined;
  }
  return read > 0 && read < readBuffer.length ? readBuffer.subarray(0, read) : undefined;
}

/** Reads from the descriptor's position to the end of the file into `readBuffer`; a view of the bytes. */
function readToEnd(descriptor: number, statSize: number): Buffer {
  // Room for one byte more than fstat said: a read that comes back short has reached the end of the
  // file (one read call for a file that did not change); a file that grew since, or that reports
  // size 0, fills the room and is read on, the buffer growing as needed.
  if (readBuffer.length < statSize + 1) readBuffer = Buffer.allocUnsafe(statSize + 1);
  let length = 0;
  for (;;) {
    if (length === readBuffer.length) {
      const grown = Buffer.allocUnsafe(readBuffer.length * 2);
      readBuffer.copy(grown, 0, 0, length);
      readBuffer = grown;
    }
    const room = readBuffer.length - length;
    const read = readSync(descriptor, readBuffer, length, room, null);
    length += read;
    if (read < room) break;
  }
  return readBuffer.subarray(0, length);
}

function smallFileContent<T>(bytes: Buffer, fileName: string, describer: Describer<T>): FileContent<T> | UnreadableReason {
  // A NUL byte never appears in text; checking it first keeps binaries out of the UTF-8 check.
  if (bytes.indexOf(0) !== -1) return 'binary';
  if (!isUtf8(bytes)) return 'invalid-utf8';
  return { hash: contentHash(bytes), sizeBytes: bytes.length, description: describe(bytes, fileName, describer) };
}

/**
 * What the describer makes of the file, decoding only the front matter when that settles it: the
 * body, most of a memory file, is decoded only when the front matter does not (no title to take).
 */
function describe<T>(bytes: Buffer, fileName: string, describer: Describer<T>): T {
  const headEnd = frontMatterEnd(bytes);
  const settled = describer.fromHead(headEnd === undefined ? undefined : bytes.toString('utf8', 0, headEnd), fileName);
  return settled !== undefined ? settled : describer.fromText(bytes.toString('utf8'), fileName);
}

const NEWLINE = 0x0a;

/**
 * Where the front matter ends in the bytes (just past its closing fence line), by the rules of
 * splitFrontMatter: a first line (after a UTF-8 byte-order mark) that is `---`, and a later line
 * that is; trailing spaces, tabs and a carriage return allowed. `undefined` when there is none.
 * Lines are the same in bytes as in the text: a newline byte never occurs inside a UTF-8 sequence.
 */
function frontMatterEnd(bytes: Buffer): number | undefined {
  const start = startsWithUtf8Bom(bytes) ? 3 : 0;
  const firstEnd = lineEndAt(bytes, start);
  if (!isFenceLine(bytes, start, firstEnd)) return undefined;
  let lineStart = firstEnd + 1;
  while (lineStart <= bytes.length) {
    const end = lineEndAt(bytes, lineStart);
    if (isFenceLine(bytes, lineStart, end)) return Math.min(end + 1, bytes.length);
    if (end >= bytes.length) return undefined;
    lineStart = end + 1;
  }
  return undefined;
}

function lineEndAt(bytes: Buffer, from: number): number {
  const end = bytes.indexOf(NEWLINE, from);
  return end === -1 ? bytes.length : end;
}

function isFenceLine(bytes: Buffer, start: number, end: number): boolean {
  if (end - start < 3 || bytes[start] !== 0x2d || bytes[start + 1] !== 0x2d || bytes[start + 2] !== 0x2d) return false;
  for (let index = start + 3; index < end; index += 1) {
    const byte = bytes[index];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

function readLargeFile<T>(descriptor: number, fileName: string, describer: Describer<T>): FileContent<T> | UnreadableReason {
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
  return { hash: hasher.digest(), sizeBytes, description: describer.fromText(metadataText, fileName) };
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
