// readMemoryFile with takeMtime false (a scan no later scan is compared with: `check`): the same
// outcome as the read that stats first, but for the mtime, and a file one positional read takes
// whole is never stat'ed. fstatSync is wrapped here to count the stats; this file alone, so that
// no other test runs with the wrapper.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedMemoryFileSource } from '../../src/workspace/cached-memory-files.js';
import { readMemoryFile, type MemoryFileLocation, type MemoryFileReading } from '../../src/workspace/memory-file-reader.js';
import { defaultPaths, useTemporaryFolders } from './temporary-folder.js';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, fstatSync: vi.fn(actual.fstatSync) };
});

const temporaryFolder = useTemporaryFolders();
const fstatCalls = (): number => vi.mocked(fs.fstatSync).mock.calls.length;

beforeEach(() => {
  vi.mocked(fs.fstatSync).mockClear();
});

const memory = (title: string): string => `---\ntitle: "${title}"\nsession_id: ses_1\n---\n\n# ${title}\n\nBody.\n`;

function locationIn(root: string, name: string): MemoryFileLocation {
  mkdirSync(join(root, 'specs/001-a/memory'), { recursive: true });
  return { absolutePath: join(root, 'specs/001-a/memory', name), relativePath: `specs/001-a/memory/${name}`, specFolder: '001-a' };
}

/** A reading with its mtime set aside: what the two kinds of read must agree on. */
function withoutMtime(reading: MemoryFileReading): unknown {
  return reading.kind === 'file' ? { ...reading.record, mtimeMs: 'set aside' } : reading;
}

/** Reads without the mtime and then with it; the first read's fstat count. */
function readBoth(location: MemoryFileLocation): { without: MemoryFileReading; withMtime: MemoryFileReading; stats: number } {
  vi.mocked(fs.fstatSync).mockClear();
  const without = readMemoryFile(location, false);
  const stats = fstatCalls();
  const withMtime = readMemoryFile(location);
  return { without, withMtime, stats };
}

describe('readMemoryFile without the mtime', () => {
  it('gives what the read that stats gives, but the mtime, NaN, and stats no small file', () => {
    const root = temporaryFolder();
    const location = locationIn(root, 'm.md');
    const text = fc.oneof(
      fc.string({ maxLength: 2_000, unit: 'grapheme' }).map((content) => Buffer.from(memory('T') + content)),
      // Any bytes: NULs (binary), invalid UTF-8, a byte-order mark.
      fc.uint8Array({ minLength: 1, maxLength: 3_000 }).map((bytes) => Buffer.from(bytes)),
      fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bytes)])),
    );
    fc.assert(
      fc.property(text, (bytes) => {
        writeFileSync(location.absolutePath, bytes);
        const { without, withMtime, stats } = readBoth(location);
        expect(withoutMtime(without)).toEqual(withoutMtime(withMtime));
        expect(stats).toBe(0);
        if (without.kind === 'file' && withMtime.kind === 'file') {
          expect(without.record.mtimeMs).toBeNaN();
          expect(Number.isInteger(withMtime.record.mtimeMs)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['empty', 0],
    ['64 KiB less a byte', 64 * 1024 - 1],
    ['64 KiB', 64 * 1024],
    ['200 KiB', 200 * 1024],
    ['2 MiB', 2 * 1024 * 1024],
    ['9 MiB, hashed in chunks', 9 * 1024 * 1024],
  ])('gives what the read that stats gives for a file of %s', (_name, size) => {
    const root = temporaryFolder();
    const location = locationIn(root, 'big.md');
    const head = Buffer.from(memory('Big'));
    writeFileSync(location.absolutePath, size === 0 ? Buffer.alloc(0) : Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 'x')]).subarray(0, size));
    const { without, withMtime, stats } = readBoth(location);
    expect(without.kind).toBe('file');
    expect(withoutMtime(without)).toEqual(withoutMtime(withMtime));
    expect(without.kind === 'file' ? without.record.mtimeMs : 0).toBeNaN();
    expect(without.kind === 'file' ? without.record.sizeBytes : -1).toBe(size);
    // Only what one read into the reused buffer cannot take whole is stat'ed: an empty file (which
    // may as well be a FIFO) and one that fills the buffer; the buffer starts at 64 KiB and is kept
    // at most 1 MiB once grown, so a 2 MiB file always fills it.
    if (size === 0 || size >= 2 * 1024 * 1024) expect(stats).toBe(1);
    if (size > 0 && size < 64 * 1024) expect(stats).toBe(0);
  });

  it('refuses a FIFO, a folder and devices as the read that stats does, and without waiting on the FIFO', () => {
    const root = temporaryFolder();
    const fifo = locationIn(root, 'pipe.md');
    execFileSync('mkfifo', [fifo.absolutePath]);
    const folder = locationIn(root, 'folder.md');
    mkdirSync(folder.absolutePath);
    // A device that reads as nothing, and one that never ends (what a link inside the workspace could lead to).
    const devices = ['/dev/null', '/dev/zero'].map((absolutePath) => ({ absolutePath, relativePath: absolutePath, specFolder: '' }));
    for (const location of [fifo, folder, ...devices]) {
      const { without, withMtime } = readBoth(location);
      expect(without).toEqual({ kind: 'unreadable', unreadable: { relativePath: location.relativePath, reason: 'not-a-file' } });
      expect(withMtime).toEqual(without);
    }
    const gone = locationIn(root, 'gone.md');
    expect(readBoth(gone).without).toEqual({ kind: 'unreadable', unreadable: { relativePath: gone.relativePath, reason: 'vanished' } });
  });
});

describe('cachedMemoryFileSource (on this thread)', () => {
  it('takes no mtimes with once, which no later scan compares, and takes them without', () => {
    const root = temporaryFolder();
    writeFileSync(locationIn(root, 'one.md').absolutePath, memory('One'));
    writeFileSync(locationIn(root, 'two.md').absolutePath, memory('Two'));
    const once = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, once: true }).scan();
    const rescanned = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null }).scan();
    expect(once.files.map((file) => file.mtimeMs)).toEqual([Number.NaN, Number.NaN]);
    expect(rescanned.files.every((file) => Number.isInteger(file.mtimeMs))).toBe(true);
    expect(once.files.map((file) => ({ ...file, mtimeMs: 0 }))).toEqual(rescanned.files.map((file) => ({ ...file, mtimeMs: 0 })));
  });
});
