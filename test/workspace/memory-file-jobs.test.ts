import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobTakesMtime, readPacked, unpackReading, type PackedReading } from '../../src/workspace/memory-file-jobs.js';
import type { KnownFileValues } from '../../src/workspace/memory-file-source.js';

const location = { absolutePath: '/w/specs/001-a/memory/one.md', relativePath: 'specs/001-a/memory/one.md', specFolder: '001-a' };
const HASH = 'a'.repeat(64);
const packed: PackedReading = [HASH, 1_700_000_000_000, 120, 'ses_1'];

describe('unpackReading', () => {
  it('makes the record at the listed location', () => {
    expect(unpackReading(packed, location)).toEqual({
      kind: 'file',
      record: { relativePath: location.relativePath, specFolder: '001-a', contentHash: HASH, mtimeMs: 1_700_000_000_000, sizeBytes: 120, sessionId: 'ses_1' },
    });
  });

  it('asks what is known by the relative path, and takes only values equal to its own', () => {
    const asked: string[] = [];
    const knowing = (values: { contentHash: string | null; sessionId: string | null }): KnownFileValues => (path) => {
      asked.push(path);
      return values;
    };
    const same = unpackReading(packed, location, knowing({ contentHash: HASH, sessionId: 'ses_1' }));
    expect(same).toEqual(unpackReading(packed, location));
    const other = unpackReading(packed, location, knowing({ contentHash: 'b'.repeat(64), sessionId: null }));
    expect(other).toEqual(unpackReading(packed, location));
    const nothing = unpackReading(packed, location, () => undefined);
    expect(nothing).toEqual(unpackReading(packed, location));
    expect(asked).toEqual([location.relativePath, location.relativePath]);
  });

  it('gives an unreadable file its reason at the listed path', () => {
    expect(unpackReading(3, location, () => ({ contentHash: HASH, sessionId: null }))).toEqual({
      kind: 'unreadable',
      unreadable: { relativePath: location.relativePath, reason: 'not-a-file' },
    });
  });
});

describe('a read job and the mtime', () => {
  it('takes the mtime unless the job says not to', () => {
    expect(jobTakesMtime({})).toBe(true);
    expect(jobTakesMtime({ takeMtime: true })).toBe(true);
    expect(jobTakesMtime({ takeMtime: false })).toBe(false);
  });

  it('packs the file\'s mtime, or NaN when told not to take it, and the same hash, size and session either way', () => {
    const folder = mkdtempSync(join(tmpdir(), 'opsheal-read-packed-'));
    try {
      const path = join(folder, 'one.md');
      writeFileSync(path, '---\nsession_id: ses_1\n---\n# One\n');
      const withMtime = readPacked(path, true) as Exclude<PackedReading, number>;
      const without = readPacked(path, false) as Exclude<PackedReading, number>;
      expect(Number.isInteger(withMtime[1])).toBe(true);
      expect(without[1]).toBeNaN();
      expect([without[0], without[2], without[3]]).toEqual([withMtime[0], withMtime[2], 'ses_1']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
