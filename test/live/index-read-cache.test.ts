import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachedIndexRead } from '../../src/live/index-read-cache.js';
import { useWorkspaceTemplate } from './live-workspace.js';

const template = useWorkspaceTemplate({ memories: 20, seed: 8 });

/** Another writer (the memory server) committing a change of its own. */
function otherWriterCommits(dbPath: string): void {
  const db = new Database(dbPath);
  try {
    db.prepare('UPDATE memory_index SET updated_at = ? WHERE id = (SELECT max(id) FROM memory_index)').run('2026-03-01T00:00:00.000Z');
  } finally {
    db.close();
  }
}

describe('cachedIndexRead', () => {
  it('hands out the kept value while nothing commits, and reads again once anyone has', () => {
    const workspace = template.copy();
    const context = workspace.context();
    let reads = 0;
    const read = (): string[] => {
      reads += 1;
      return [`read ${reads}`];
    };
    const first = cachedIndexRead(context, 'k', read);
    expect(cachedIndexRead(context, 'k', read)).toBe(first);
    otherWriterCommits(workspace.paths.db);
    expect(cachedIndexRead(context, 'k', read)).toEqual(['read 2']);
    expect(reads).toBe(2);
  });

  it('gives a read after a commit the elements that key had before, in an array of its own, once', () => {
    const workspace = template.copy();
    const context = workspace.context();
    const seen: Array<readonly object[] | undefined> = [];
    const read = (earlier: readonly object[] | undefined): object[] => {
      seen.push(earlier);
      return [{ n: seen.length }, { n: seen.length }];
    };
    const first = cachedIndexRead(context, 'rows', read);
    cachedIndexRead(context, 'other', () => ['other']);
    expect(seen).toEqual([undefined]);
    otherWriterCommits(workspace.paths.db);
    // Another key read first: the earlier rows wait for their own key's read.
    cachedIndexRead(context, 'other', () => ['other again']);
    const second = cachedIndexRead(context, 'rows', read);
    const given = seen[1] as readonly object[];
    expect(given).not.toBe(first);
    expect(given).toHaveLength(2);
    given.forEach((element, index) => expect(element).toBe(first[index]));
    // Handed over once: the next change gives the second read's elements, never the first's again.
    otherWriterCommits(workspace.paths.db);
    cachedIndexRead(context, 'rows', read);
    (seen[2] as readonly object[]).forEach((element, index) => expect(element).toBe(second[index]));
  });
});
