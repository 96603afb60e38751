import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedMemoryFileSource } from '../../src/workspace/cached-memory-files.js';
import { FolderListingCache, listMemoryFiles } from '../../src/workspace/memory-files.js';
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
    const complete = source.start?.();
    // Started twice before it completes: still one scan.
    const again = source.start?.();
    const first = complete?.();
    expect(again?.()).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(join(root, 'specs/001-a/memory/one.md'), 'more\n');
    write(root, 'specs/002-b/memory/two.md', memory('Two'));
    expect(source.scan()).toBe(first);
    expect(source.start?.()()).toBe(first);
    expect(first?.files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md']);
    // Without once, the same changes are seen.
    const fresh = cachedMemoryFileSource(defaultPaths(root), () => undefined, { pool: null });
    expect(fresh.scan().files.map((file) => file.relativePath)).toEqual(['specs/001-a/memory/one.md', 'specs/002-b/memory/two.md']);
  });
});
