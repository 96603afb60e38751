import { describe, expect, it } from 'vitest';
import { readIndexSide } from '../../src/live/index-drift/read-index-drift-state.js';
import { withIndexDatabase } from '../../src/live/index-database-session.js';
import { cachedIndexRead } from '../../src/live/index-read-cache.js';
import { readLedgerState } from '../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { otherWriterCommits, useWorkspaceTemplate, withDatabase } from './live-workspace.js';

const template = useWorkspaceTemplate({ memories: 20, seed: 8 });

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

describe('the classes\' whole-table reads after a commit', () => {
  it('hand out the objects read before for the rows and ledger entries that did not change', async () => {
    const workspace = template.copy();
    const context = workspace.context();
    const read = async () =>
      withIndexDatabase(context, 'read', (index) => ({ rows: readIndexSide(context, index).rows, ledger: readLedgerState(context, index.db) }));
    const before = await read();
    otherWriterCommits(workspace.paths.db);
    const changedId = withDatabase(workspace.paths.db, (db) => {
      const id = Number(db.prepare('SELECT min(id) FROM memory_index').pluck().get());
      db.prepare("UPDATE memory_index SET content_hash = 'changed' WHERE id = ?").run(id);
      return id;
    });
    const after = await read();
    // index-drift's read, and ledger-mismatch's read of the same rows, are one read.
    expect(after.ledger.rows).toBe(after.rows);
    expect(after.rows).not.toBe(before.rows);
    after.rows.forEach((row, index) => {
      if (row.id === changedId) expect(row).not.toBe(before.rows[index]);
      else expect(row).toBe(before.rows[index]);
    });
    expect(after.ledger.entries).not.toBe(before.ledger.entries);
    after.ledger.entries.forEach((entry, index) => expect(entry).toBe(before.ledger.entries[index]));
  });
});
