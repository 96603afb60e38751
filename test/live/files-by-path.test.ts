import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileByPathOf } from '../../src/live/files-by-path.js';
import type { MemoryFileRecord } from '../../src/workspace/memory-file.js';
import { file } from './index-drift/index-drift-state-builder.js';

/** Names from a small alphabet, so that paths repeat and share prefixes; `é` and `Z` test code-unit order. */
const name = fc.stringMatching(/^[aZé.-]{1,4}\.md$/);
const record = fc.tuple(fc.constantFrom('001-a', '001-a/b', '002'), name, fc.nat(9)).map(([folder, fileName, tag]) => file(folder, fileName, `${fileName}-${tag}`));

function byCodeUnits(a: MemoryFileRecord, b: MemoryFileRecord): number {
  return a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0;
}

describe('fileByPathOf', () => {
  it('finds what a map of the files by path finds, sorted or not, with paths repeated or not, present or absent', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), fc.boolean(), fc.array(fc.tuple(fc.constantFrom('001-a', '002', '003'), name), { maxLength: 10 }), (records, sort, asked) => {
        const files = sort ? [...records].sort(byCodeUnits) : records;
        const expected = new Map(files.map((entry) => [entry.relativePath, entry]));
        const lookup = fileByPathOf(files);
        const paths = [...files.map((entry) => entry.relativePath), ...asked.map(([folder, fileName]) => `specs/${folder}/memory/${fileName}`)];
        for (const path of paths) expect(lookup(path)).toBe(expected.get(path));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the last of a path that appears twice, as the map would, even when the files are sorted', () => {
    const first = file('001-a', 'x.md', 'first');
    const second = file('001-a', 'x.md', 'second');
    expect(fileByPathOf([file('001-a', 'a.md'), first, second, file('001-a', 'z.md')])('specs/001-a/memory/x.md')).toBe(second);
  });

  it('makes the look-up once per files array', () => {
    const files = [file('001-a', 'a.md'), file('002', 'b.md')];
    expect(fileByPathOf(files)).toBe(fileByPathOf(files));
    expect(fileByPathOf([...files])).not.toBe(fileByPathOf(files));
  });
});
