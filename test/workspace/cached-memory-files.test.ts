import { appendFileSync, existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cachedMemoryFileSource } from '../../src/workspace/cached-memory-files.js';
import { FolderListingCache, listMemoryFiles, scanMemoryFiles } from '../../src/workspace/memory-files.js';
import type { MemoryFileRecord } from '../../src/workspace/memory-file.js';
import type { MemoryFilePool, ReadJob, StreamingRead } from '../../src/workspace/memory-file-pool.js';
import { readMemoryFile, type MemoryFileLocation } from '../../src/workspace/memory-file-reader.js';
import type { MemoryFileScan, MemoryFileSource } from '../../src/workspace/memory-file-source.js';
import { defaultPaths, useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();

function write(root: string, relativePath: string, content: string): void {
  const path = join(root, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

const memory = (title: string): string => `---\ntitle: "${title}"\nsession_id: ses_1\n---\n\n# ${title}\n`;

function listed(root: string, cache: FolderListingCache): string[] {
  return [...listMemoryFiles(defaultPaths(root), cache)].map((entry) =>
    entry.kind === 'location' ? entry.location.relativePath : `unreadable ${entry.unreadable.relativePath}`,
  );
}

/** Starts a holding source's scan twice before completing either, checks both give the one scan, and returns it. */
function startedTwiceOneScan(source: MemoryFileSource): MemoryFileScan {
  const complete = source.start?.();
  const again = source.start?.();
  const first = complete?.();
  expect(first).toBeDefined();
  expect(again?.()).toBe(first);
  return first as MemoryFileScan;
}

describe('FolderListingCache', () => {
  it('lists again exactly the folders that changed, and the next listing is what a fresh one gives', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/002-b/memory/two.md', memory('Two'));
    const cache = new FolderListingCache(0);
    expect(listed(root, cache)).toEqual(['specs/001-a/memory/one.md', 'specs/002-b/memory/two.md']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    write(root, 'specs/001-a/memory/three.md', memory('Three'));
    rmSync(join(root, 'specs/002-b/memory/two.md'));
    write(root, 'specs/003-c/memory/four.md', memory('Four'));
    const fresh = listed(root, new FolderListingCache(0));
    expect(listed(root, cache)).toEqual(fresh);
    expect(fresh).toEqual(['specs/001-a/memory/one.md', 'specs/001-a/memory/three.md', 'specs/003-c/memory/four.md']);
  });

  it('does not trust a listing taken within the margin of the folder\'s last change', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    // With the default margin every folder here changed "just now": each scan lists it again,
    // so even a change within the file system's timestamp granularity is seen.
    const cache = new FolderListingCache();
    expect(listed(root, cache)).toEqual(['specs/001-a/memory/one.md']);
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    // Put the folder's mtime back: only its ctime (which cannot be set) still says it changed.
    utimesSync(join(root, 'specs/001-a/memory'), new Date(0), new Date(0));
    expect(listed(root, cache)).toEqual(['specs/001-a/memory/one.md', 'specs/001-a/memory/two.md']);
  });
});

describe('FolderListingCache, a folder listed again within the margin', () => {
  const locations = (root: string, cache: FolderListingCache): MemoryFileLocation[] =>
    [...listMemoryFiles(defaultPaths(root), cache)].flatMap((entry) => (entry.kind === 'location' ? [entry.location] : []));

  it('hands out the same locations while its entries are the same, and new ones once they differ', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    write(root, 'specs/002-b/memory/three.md', memory('Three'));
    // The default margin: every folder here changed just now, so each scan lists it again.
    const cache = new FolderListingCache();
    const first = locations(root, cache);
    const second = locations(root, cache);
    expect(second.map((location) => location.relativePath)).toEqual(['specs/001-a/memory/one.md', 'specs/001-a/memory/two.md', 'specs/002-b/memory/three.md']);
    second.forEach((location, index) => expect(location).toBe(first[index]));

    // A new entry in one folder: that folder's files are located anew, the other's are kept.
    write(root, 'specs/001-a/memory/four.md', memory('Four'));
    const third = locations(root, cache);
    expect(third.map((location) => location.relativePath)).toEqual(locations(root, new FolderListingCache()).map((location) => location.relativePath));
    expect(third.find((location) => location.relativePath.endsWith('one.md'))).not.toBe(first[0]);
    expect(third.find((location) => location.relativePath.endsWith('three.md'))).toBe(first[2]);
  });

  it('does not keep the locations of an entry whose kind changed', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    const cache = new FolderListingCache();
    expect(locations(root, cache)).toHaveLength(2);
    // two.md becomes a folder: the same names, another kind, and no longer a memory file.
    rmSync(join(root, 'specs/001-a/memory/two.md'));
    mkdirSync(join(root, 'specs/001-a/memory/two.md'));
    expect(locations(root, cache).map((location) => location.relativePath)).toEqual(['specs/001-a/memory/one.md']);
  });
});

describe('cachedMemoryFileSource (on this thread)', () => {
  it('hands out the same scan while nothing changed, and re-reads only what did', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null });
    const first = source.scan();
    expect(source.scan()).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(join(root, 'specs/001-a/memory/two.md'), 'more\n');
    write(root, 'specs/002-b/memory/three.md', memory('Three'));
    const second = source.scan();
    expect(second.files.map((file) => file.relativePath)).toEqual([
      'specs/001-a/memory/one.md',
      'specs/001-a/memory/two.md',
      'specs/002-b/memory/three.md',
    ]);
    // The unchanged file's record is the one read before; the edited one is read again.
    expect(second.files[0]).toBe(first.files[0]);
    expect(second.files[1]).not.toBe(first.files[1]);
    expect(second.files[1]?.contentHash).not.toBe(first.files[1]?.contentHash);
  });

  it('hands out the files sorted by path (code units), not in the order the folders were walked', () => {
    const root = temporaryFolder();
    // Walked: a/b/memory/z.md, a/memory/x.md, a-b/memory/y.md; sorted, `-` comes before `/`.
    for (const path of ['specs/a/b/memory/z.md', 'specs/a/memory/x.md', 'specs/a-b/memory/y.md']) write(root, path, memory('M'));
    const sorted = ['specs/a-b/memory/y.md', 'specs/a/b/memory/z.md', 'specs/a/memory/x.md'];
    for (const once of [false, true]) {
      const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, once });
      expect(source.scan().files.map((file) => file.relativePath)).toEqual(sorted);
    }
  });

  it('completes a started scan with the files as they were listed, and drops a started scan never completed', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null });
    const complete = source.start?.();
    expect(complete).toBeDefined();
    source.start?.();
    expect(complete?.().files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md']);
    expect(source.scan().files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md']);
  });

  it('with once, hands every caller the one scan, however the files change after it', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, once: true });
    const first = startedTwiceOneScan(source);
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(join(root, 'specs/001-a/memory/one.md'), 'more\n');
    write(root, 'specs/002-b/memory/two.md', memory('Two'));
    expect(source.scan()).toBe(first);
    expect(source.start?.()()).toBe(first);
    expect(first.files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md']);
    // Without once, the same changes are seen.
    const fresh = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null });
    expect(fresh.scan().files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md', 'specs/002-b/memory/two.md']);
  });

  it('with holdScans, hands out one scan until nextMoment, then looks again and re-reads only what changed', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, holdScans: { stamp: () => 'v1' }, listingMarginMs: 0 });
    const first = startedTwiceOneScan(source);
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(join(root, 'specs/001-a/memory/one.md'), 'more\n');
    write(root, 'specs/002-b/memory/three.md', memory('Three'));
    expect(source.scan()).toBe(first);
    source.nextMoment?.();
    const second = source.scan();
    expect(second.files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md', 'specs/001-a/memory/two.md', 'specs/002-b/memory/three.md']);
    expect(second.files[0]?.contentHash).not.toBe(first.files[0]?.contentHash);
    // The untouched file's record is the one read in the first moment.
    expect(second.files[1]).toBe(first.files[1]);
    // The new moment's scan stands in turn.
    appendFileSync(join(root, 'specs/001-a/memory/two.md'), 'more\n');
    expect(source.scan()).toBe(second);
  });

  it('with holdScans, looks again when the stamp changes, and holds nothing while it is undefined', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    let stamp: string | undefined = 'v1';
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, holdScans: { stamp: () => stamp }, listingMarginMs: 0 });
    const first = source.scan();
    write(root, 'specs/002-b/memory/two.md', memory('Two'));
    expect(source.scan()).toBe(first);
    stamp = 'v2';
    const second = source.scan();
    expect(second.files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md', 'specs/002-b/memory/two.md']);
    expect(source.scan()).toBe(second);
    stamp = undefined;
    write(root, 'specs/003-c/memory/three.md', memory('Three'));
    const third = source.scan();
    expect(third.files).toHaveLength(3);
    write(root, 'specs/004-d/memory/four.md', memory('Four'));
    expect(source.scan().files).toHaveLength(4);
  });

  it('with once, nextMoment changes nothing: a read-only run has one moment', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, once: true });
    const first = source.scan();
    write(root, 'specs/002-b/memory/two.md', memory('Two'));
    source.nextMoment?.();
    expect(source.scan()).toBe(first);
  });

  it('gives what a fresh scan gives after any edits, additions and removals, keeping the records of untouched files', async () => {
    // Walked a/b, a, a-b; sorted a-b, a/b, a (`-` comes before `/`): the listing's order is not the scan's.
    const folders = ['specs/a/b/memory', 'specs/a/memory', 'specs/a-b/memory'];
    const change = fc.record({
      op: fc.constantFrom('edit', 'add', 'remove', 'remove-folder'),
      folder: fc.nat(folders.length - 1),
      name: fc.nat(3),
    });
    const seen = (files: readonly MemoryFileRecord[]): unknown[] => files.map(({ relativePath, contentHash, sizeBytes, sessionId }) => ({ relativePath, contentHash, sizeBytes, sessionId }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), fc.boolean(), async (steps, reuseListings) => {
        const root = temporaryFolder();
        for (const [index, folder] of folders.entries()) write(root, `${folder}/n${index}.md`, memory(`M${index}`));
        // With no margin, listings of folders that did not change are reused (the same locations, in the same order).
        const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, ...(reuseListings ? { listingMarginMs: 0 } : {}) });
        let last = source.scan();
        for (const step of steps) {
          // Past the timestamp granularity of the listing just taken, so a folder's change shows in its times.
          await new Promise((resolve) => setTimeout(resolve, 12));
          const touched = new Set<string>();
          for (const { op, folder, name } of step) {
            const relativePath = `${folders[folder]}/n${name}.md`;
            touched.add(relativePath);
            if (op === 'edit') {
              if (existsSync(join(root, relativePath))) appendFileSync(join(root, relativePath), `edit ${touched.size}\n`);
            } else if (op === 'add') write(root, relativePath, memory(`${relativePath} ${'+'.repeat(touched.size)}`));
            else if (op === 'remove') rmSync(join(root, relativePath), { force: true });
            else {
              rmSync(join(root, folders[folder] as string), { recursive: true, force: true });
              for (const file of last.files) if (file.relativePath.startsWith(`${folders[folder]}/`)) touched.add(file.relativePath);
            }
          }
          const scan = source.scan();
          expect(seen(scan.files)).toEqual(seen(scanMemoryFiles(defaultPaths(root)).files));
          expect(scan.unreadable).toEqual([]);
          const before = new Map(last.files.map((file) => [file.relativePath, file]));
          for (const file of scan.files) if (!touched.has(file.relativePath) && before.has(file.relativePath)) expect(file).toBe(before.get(file.relativePath));
          last = scan;
        }
      }),
      { numRuns: 25 },
    );
  });

  it('after release, reads every file again and gives what a fresh scan gives', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null, listingMarginMs: 0 });
    const first = source.scan();
    source.release?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    write(root, 'specs/002-b/memory/three.md', memory('Three'));
    const second = source.scan();
    const seen = (files: readonly MemoryFileRecord[]): unknown[] => files.map(({ relativePath, contentHash }) => ({ relativePath, contentHash }));
    expect(seen(second.files)).toEqual(seen(scanMemoryFiles(defaultPaths(root)).files));
    // Nothing kept: even the untouched files are records read anew.
    expect(second.files[0]).not.toBe(first.files[0]);
    expect(second.files[0]).toEqual(first.files[0]);
    expect(source.scan()).toBe(second);
  });
});

describe('cachedMemoryFileSource with helpers', () => {
  /**
   * A pool that does its reads on this thread, counting the full ones and recording the `known`
   * each read is collected with; a rescan's stats fall back to this thread.
   */
  function inlinePool(): { pool: MemoryFilePool; fullReads: () => number; knownGiven: unknown[] } {
    let fullReads = 0;
    const knownGiven: unknown[] = [];
    const pool = {
      warm: () => undefined,
      startStreamingRead: (): StreamingRead => {
        const locations: MemoryFileLocation[] = [];
        return {
          add: (location) => void locations.push(location),
          end: () => undefined,
          collect: (_progress, known) => {
            fullReads += 1;
            knownGiven.push(known);
            return locations.map((location) => readMemoryFile(location));
          },
        };
      },
      startRead: (locations: readonly MemoryFileLocation[]): ReadJob => ({
        collect: (_progress, known) => {
          knownGiven.push(known);
          return locations.map((location) => readMemoryFile(location));
        },
      }),
      startStat: () => undefined,
    };
    return { pool: pool as unknown as MemoryFilePool, fullReads: () => fullReads, knownGiven };
  }

  it('reads every file through the pool once, a rescan only what changed, and again in full after release', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    const { pool, fullReads } = inlinePool();
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool });
    const first = source.scan();
    expect(first.files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md', 'specs/001-a/memory/two.md']);
    expect(fullReads()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(join(root, 'specs/001-a/memory/one.md'), 'more\n');
    const second = source.scan();
    expect(second.files[0]?.contentHash).not.toBe(first.files[0]?.contentHash);
    // The unchanged file's record is the one read before, and no full read was made again.
    expect(second.files[1]).toBe(first.files[1]);
    expect(fullReads()).toBe(1);
    source.release?.();
    const third = source.scan();
    expect(fullReads()).toBe(2);
    expect(third.files[1]).not.toBe(first.files[1]);
    expect(third.files[1]).toEqual(first.files[1]);
  });

  it('hands what the caller knows to the reads of a full scan and of a rescan', async () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/one.md', memory('One'));
    write(root, 'specs/001-a/memory/two.md', memory('Two'));
    const { pool, knownGiven } = inlinePool();
    const source = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool, listingMarginMs: 0 });
    const known = (): undefined => undefined;
    source.start?.()(known);
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(join(root, 'specs/001-a/memory/two.md'), 'more\n');
    source.start?.()(known);
    // Nothing changed since: no read at all.
    source.start?.()();
    expect(knownGiven).toEqual([known, known]);
  });
});
