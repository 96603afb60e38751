import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readIndexSide } from '../../src/live/index-drift/read-index-drift-state.js';
import { openIndex, withIndexDatabase } from '../../src/live/index-database-session.js';
import { cachedIndexRead, followAppendOnlyCommit } from '../../src/live/index-read-cache.js';
import type { LiveContext } from '../../src/live/live-class.js';
import { repairUnderLock } from '../../src/live/locked-repair.js';
import { readLedgerLinks } from '../../src/workspace/index-reads.js';
import { appendLedgerEntries } from '../../src/workspace/ledger-append.js';
import { ledgerMismatchClass, readLedgerState } from '../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { healClass, otherWriterCommits, useWorkspaceTemplate, withDatabase } from './live-workspace.js';

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
    const first = cachedIndexRead(context, 'k', 't', read);
    expect(cachedIndexRead(context, 'k', 't', read)).toBe(first);
    otherWriterCommits(workspace.paths.db);
    expect(cachedIndexRead(context, 'k', 't', read)).toEqual(['read 2']);
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
    const first = cachedIndexRead(context, 'rows', 't', read);
    cachedIndexRead(context, 'other', 'u', () => ['other']);
    expect(seen).toEqual([undefined]);
    otherWriterCommits(workspace.paths.db);
    // Another key read first: the earlier rows wait for their own key's read.
    cachedIndexRead(context, 'other', 'u', () => ['other again']);
    const second = cachedIndexRead(context, 'rows', 't', read);
    const given = seen[1] as readonly object[];
    expect(given).not.toBe(first);
    expect(given).toHaveLength(2);
    given.forEach((element, index) => expect(element).toBe(first[index]));
    // Handed over once: the next change gives the second read's elements, never the first's again.
    otherWriterCommits(workspace.paths.db);
    cachedIndexRead(context, 'rows', 't', read);
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

describe.each(['wal', 'delete'])('a repair\'s commit that only appends to the ledger (journal mode %s)', (journalMode) => {
  /** A copy of the template in this journal mode. */
  const copy = () => {
    const workspace = template.copy({ backup: false });
    expect(withDatabase(workspace.paths.db, (db) => db.pragma(`journal_mode = ${journalMode}`, { simple: true }))).toBe(journalMode);
    return workspace;
  };
  /** Appends one ledger entry under the lock, declaring the ledger the only table it changes; `alsoDo` runs inside the transaction. */
  const appendOne = (context: LiveContext, alsoDo: (db: Database.Database) => void = () => undefined): Promise<unknown> =>
    repairUnderLock<string>(context, () => openIndex(context, 'write', ['memory_index', 'mutation_ledger']).db, {
      plan: () => ['entry'],
      apply: (db) => {
        const ids = appendLedgerEntries(db, [
          { mutationType: 'update', reason: 'test', priorHash: 'a', newHash: 'b', linkedMemoryIds: [1], decisionMeta: {}, sessionId: null },
        ], '2026-02-23T00:00:00.000Z');
        alsoDo(db);
        return { appended: ids.length };
      },
      appendsOnlyTo: 'mutation_ledger',
    });
  const readState = (context: LiveContext) => withIndexDatabase(context, 'read', (index) => readLedgerState(context, index.db));
  const fullLedger = (context: LiveContext) => withIndexDatabase(context, 'read', (index) => readLedgerLinks(index.db));

  it('carries the rows over as they were read, and reads only the new entries of the ledger', async () => {
    const workspace = copy();
    const context = workspace.context();
    const before = await readState(context);
    await appendOne(context);
    const after = await readState(context);
    expect(after.rows).toBe(before.rows);
    expect(after.entries).toHaveLength(before.entries.length + 1);
    before.entries.forEach((entry, index) => expect(after.entries[index]).toBe(entry));
    // Exactly what a whole read of the ledger gives.
    expect(after.entries).toEqual(await fullLedger(context));
    expect(after.entries.at(-1)).toMatchObject({ mutationType: 'update', newHash: 'b', linkedMemoryIds: [1] });
  });

  it('lets ledger-mismatch\'s verify judge the rows read before its repair, and the ledger with the entries the repair appended', async () => {
    const workspace = copy();
    const context = workspace.context();
    await ledgerMismatchClass.inject(context, { kind: 'unrecorded-update', count: 2, seed: 3 });
    await ledgerMismatchClass.inject(context, { kind: 'dropped-ledger-trigger', count: 1, seed: 3 });
    const before = await readState(context);
    expect((await healClass(ledgerMismatchClass, context)).outcome).toBe('recovered');
    const after = await readState(context);
    expect(after.rows).toBe(before.rows);
    expect(after.entries).toHaveLength(before.entries.length + 2);
    before.entries.forEach((entry, index) => expect(after.entries[index]).toBe(entry));
    expect(after.entries).toEqual(await fullLedger(context));
    expect(after.triggers).toHaveLength(2);
  });

  it('carries nothing over when the commit changed anything else, a trigger\'s change included', async () => {
    const workspace = copy();
    const context = workspace.context();
    withDatabase(workspace.paths.db, (db) =>
      db.exec(`CREATE TRIGGER touch_on_ledger AFTER INSERT ON mutation_ledger BEGIN
        UPDATE memory_index SET content_hash = 'touched' WHERE id = (SELECT min(id) FROM memory_index); END`));
    const before = await readState(context);
    await appendOne(context);
    const after = await readState(context);
    expect(after.rows).not.toBe(before.rows);
    expect(after.rows[0]?.contentHash).toBe('touched');
    expect(after.entries).toEqual(await fullLedger(context));
  });

  it('carries nothing over when the ledger gained a row below its last id', async () => {
    const workspace = copy();
    const context = workspace.context();
    const before = await readState(context);
    const lowest = Number(withDatabase(workspace.paths.db, (db) => db.prepare('SELECT min(id) FROM mutation_ledger').pluck().get()));
    await appendOne(context, (db) => {
      db.prepare(`INSERT INTO mutation_ledger (id, timestamp, mutation_type, reason, prior_hash, new_hash, linked_memory_ids, decision_meta, actor, session_id)
        SELECT ?, timestamp, 'create', 'test', NULL, 'low', '[2]', '{}', actor, NULL FROM mutation_ledger WHERE id = ?`).run(lowest - 1, lowest);
    });
    const after = await readState(context);
    expect(after.entries).toEqual(await fullLedger(context));
    expect(after.entries[0]).toMatchObject({ id: lowest - 1, newHash: 'low' });
    expect(after.entries).toHaveLength(before.entries.length + 2);
  });

  it('carries nothing over when another connection committed right after it', async () => {
    const workspace = copy();
    const context = workspace.context();
    const before = await readState(context);
    const db = openIndex(context, 'write', ['memory_index', 'mutation_ledger']).db;
    try {
      db.exec('BEGIN IMMEDIATE');
      const committed = followAppendOnlyCommit(context, db, 'mutation_ledger');
      appendLedgerEntries(db, [{ mutationType: 'update', reason: 'test', priorHash: 'a', newHash: 'b', linkedMemoryIds: [1], decisionMeta: {}, sessionId: null }], '2026-02-23T00:00:00.000Z');
      db.exec('COMMIT');
      withDatabase(workspace.paths.db, (other) => other.prepare("UPDATE memory_index SET content_hash = 'other' WHERE id = (SELECT min(id) FROM memory_index)").run());
      committed();
    } finally {
      db.close();
    }
    const after = await readState(context);
    expect(after.rows).not.toBe(before.rows);
    expect(after.rows[0]?.contentHash).toBe('other');
    expect(after.entries).toEqual(await fullLedger(context));
  });
});
