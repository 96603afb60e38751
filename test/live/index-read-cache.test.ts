import type Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readIndexSide } from '../../src/live/index-drift/read-index-drift-state.js';
import { openIndex, withIndexDatabase } from '../../src/live/index-database-session.js';
import { cachedRowSummaries } from '../../src/live/cached-row-summaries.js';
import { cachedIndexRead, followAppendOnlyCommit, followTrackedCommit } from '../../src/live/index-read-cache.js';
import type { LiveContext } from '../../src/live/live-class.js';
import { repairUnderLock } from '../../src/live/locked-repair.js';
import { readIndexRowSummaries, readLedgerLinks } from '../../src/workspace/index-reads.js';
import { appendLedgerEntries } from '../../src/workspace/ledger-append.js';
import { ledgerMismatchClass, readLedgerState } from '../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { changedRowIds, healClass, indexRows, otherWriterCommits, useWorkspaceTemplate, withDatabase } from './live-workspace.js';
import { indexDriftClass } from '../../src/live/index-drift/index-drift-class.js';

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

describe.each(['wal', 'delete'])('a repair\'s commit that changes rows of memory_index (journal mode %s)', (journalMode) => {
  const copy = () => {
    const workspace = template.copy({ backup: false });
    expect(withDatabase(workspace.paths.db, (db) => db.pragma(`journal_mode = ${journalMode}`, { simple: true }))).toBe(journalMode);
    return workspace;
  };
  /** Runs `change` as a repair under the lock that declares memory_index the table whose rows it changes. */
  const changeRows = (context: LiveContext, change: (db: Database.Database) => void): Promise<unknown> =>
    repairUnderLock<string>(context, () => openIndex(context, 'write', ['memory_index', 'mutation_ledger']).db, {
      plan: () => ['change'],
      apply: (db) => {
        change(db);
        return {};
      },
      changesRowsOf: 'memory_index',
    });
  const readRows = (context: LiveContext) => withIndexDatabase(context, 'read', (index) => cachedRowSummaries(context, index.db));
  const fullRows = (path: string) => withDatabase(path, (db) => readIndexRowSummaries(db));
  /** The ids the next read of `key` is told the commit changed (`undefined`: none told, read everything). */
  const toldIds = (context: LiveContext, key: string): readonly number[] | undefined => {
    let told: readonly number[] | undefined;
    cachedIndexRead(context, key, 'memory_index', (_earlier, _appended, changedIds) => {
      told = changedIds;
      return [];
    });
    return told;
  };
  const ids = (path: string) => withDatabase(path, (db) => db.prepare('SELECT id FROM memory_index ORDER BY id').pluck().all() as number[]);
  const insertCopyOf = (db: Database.Database, id: number, newId: number): void => {
    db.prepare(`INSERT INTO memory_index (id, spec_folder, file_path, content_hash, created_at, updated_at)
      SELECT ?, spec_folder, file_path || '.copy', 'new', created_at, updated_at FROM memory_index WHERE id = ?`).run(newId, id);
  };

  it('reads again only the rows the commit changed, and hands out every other row as it was', async () => {
    const workspace = copy();
    const context = workspace.context();
    const [first, second, third] = ids(workspace.paths.db) as [number, number, number];
    const top = Math.max(...ids(workspace.paths.db));
    const before = await readRows(context);
    cachedIndexRead(context, 'probe', 'memory_index', () => []);
    await changeRows(context, (db) => {
      db.prepare("UPDATE memory_index SET content_hash = 'changed' WHERE id = ?").run(second);
      db.prepare('DELETE FROM memory_index WHERE id = ?').run(third);
      insertCopyOf(db, first, top + 5);
    });
    expect(toldIds(context, 'probe')).toEqual([second, third, top + 5]);
    const after = await readRows(context);
    expect(after).toEqual(fullRows(workspace.paths.db));
    expect(after.find((row) => row.id === second)?.contentHash).toBe('changed');
    expect(after.some((row) => row.id === third)).toBe(false);
    expect(after.at(-1)).toMatchObject({ id: top + 5, contentHash: 'new' });
    for (const row of after) {
      if (row.id !== second && row.id !== top + 5) expect(row).toBe(before.find((earlier) => earlier.id === row.id));
    }
  });

  it('is told of a row that a trigger of the table\'s own changed, and of an id an update moved', async () => {
    const workspace = copy();
    const context = workspace.context();
    const [first, second] = ids(workspace.paths.db) as [number, number];
    const top = Math.max(...ids(workspace.paths.db));
    withDatabase(workspace.paths.db, (db) =>
      db.exec(`CREATE TRIGGER touch_first AFTER UPDATE OF content_hash ON memory_index WHEN new.id <> ${first} BEGIN
        UPDATE memory_index SET content_hash = 'touched' WHERE id = ${first}; END`));
    await readRows(context);
    cachedIndexRead(context, 'probe', 'memory_index', () => []);
    await changeRows(context, (db) => {
      db.prepare("UPDATE memory_index SET content_hash = 'changed', id = ? WHERE id = ?").run(top + 1, second);
    });
    expect(toldIds(context, 'probe')).toEqual([first, second, top + 1]);
    const after = await readRows(context);
    expect(after).toEqual(fullRows(workspace.paths.db));
    expect(after[0]).toMatchObject({ id: first, contentHash: 'touched' });
  });

  it('reads every row after a row went by REPLACE, which no trigger sees', async () => {
    const workspace = copy();
    const context = workspace.context();
    const [first, second] = ids(workspace.paths.db) as [number, number];
    // Two rows that memory_index's UNIQUE(spec_folder, file_path, anchor_id) can make collide.
    withDatabase(workspace.paths.db, (db) => db.prepare(`UPDATE memory_index SET anchor_id = 'a', spec_folder = 'one' WHERE id IN (?, ?)`).run(first, second));
    const before = await readRows(context);
    await changeRows(context, (db) => {
      db.prepare('UPDATE OR REPLACE memory_index SET file_path = (SELECT file_path FROM memory_index WHERE id = ?) WHERE id = ?').run(second, first);
    });
    const after = await readRows(context);
    expect(after.some((row) => row.id === second)).toBe(false);
    expect(after).toHaveLength(before.length - 1);
    expect(after).toEqual(fullRows(workspace.paths.db));
  });

  it('tells nothing when another connection committed right after it, or when nothing of the table was read before', async () => {
    const workspace = copy();
    const context = workspace.context();
    const [first] = ids(workspace.paths.db) as [number];
    // Nothing of memory_index read yet: no triggers, nothing to tell.
    await changeRows(context, (db) => db.prepare("UPDATE memory_index SET content_hash = 'one' WHERE id = ?").run(first));
    expect(toldIds(context, 'probe')).toBeUndefined();
    await readRows(context);
    cachedIndexRead(context, 'probe', 'memory_index', () => []);
    const db = openIndex(context, 'write', ['memory_index', 'mutation_ledger']).db;
    try {
      db.exec('BEGIN IMMEDIATE');
      const committed = followTrackedCommit(context, db, 'memory_index');
      db.prepare("UPDATE memory_index SET content_hash = 'two' WHERE id = ?").run(first);
      db.exec('COMMIT');
      otherWriterCommits(workspace.paths.db);
      committed();
    } finally {
      db.close();
    }
    expect(toldIds(context, 'probe')).toBeUndefined();
    expect(await readRows(context)).toEqual(fullRows(workspace.paths.db));
  });

  it('follows index-drift\'s repair: its verify is told exactly the rows the repair changed', async () => {
    const workspace = copy();
    const context = workspace.context();
    await indexDriftClass.inject(context, { kind: 'edited-file', count: 2, seed: 5 });
    await indexDriftClass.inject(context, { kind: 'deleted-file', count: 1, seed: 5 });
    await indexDriftClass.inject(context, { kind: 'deleted-row', count: 1, seed: 5 });
    const before = indexRows(workspace.paths.db);
    cachedIndexRead(context, 'probe', 'memory_index', () => []);
    expect((await healClass(indexDriftClass, context)).outcome).toBe('recovered');
    const changed = changedRowIds(before, indexRows(workspace.paths.db));
    expect(changed.length).toBeGreaterThanOrEqual(3);
    expect(toldIds(context, 'probe')).toEqual(changed);
  });

  it('leaves what was read standing when the repair rolls back', async () => {
    const workspace = copy();
    const context = workspace.context();
    const [first] = ids(workspace.paths.db) as [number];
    const before = await readRows(context);
    await expect(changeRows(context, (db) => {
      db.prepare("UPDATE memory_index SET content_hash = 'lost' WHERE id = ?").run(first);
      throw new Error('the apply fails');
    })).rejects.toThrow('the apply fails');
    expect(await readRows(context)).toBe(before);
  });

  it('ends with exactly what a whole read gives, whatever the commit does to the rows', async () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant('update' as const), at: fc.nat(), hash: fc.constantFrom('x', 'y', null) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), above: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ op: fc.constant('replace' as const), at: fc.nat(), other: fc.nat() }),
      fc.record({ op: fc.constant('move' as const), at: fc.nat(), above: fc.integer({ min: 6, max: 9 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 8 }), async (operations) => {
        const workspace = copy();
        const context = workspace.context();
        withDatabase(workspace.paths.db, (db) => db.exec(`UPDATE memory_index SET anchor_id = 'a', spec_folder = 'one'`));
        const before = await readRows(context);
        await changeRows(context, (db) => {
          for (const change of operations) {
            const present = db.prepare('SELECT id FROM memory_index ORDER BY id').pluck().all() as number[];
            if (present.length === 0) return;
            const id = present[change.at % present.length] as number;
            const top = present[present.length - 1] as number;
            if (change.op === 'update') db.prepare('UPDATE memory_index SET content_hash = ? WHERE id = ?').run(change.hash, id);
            else if (change.op === 'delete') db.prepare('DELETE FROM memory_index WHERE id = ?').run(id);
            else if (change.op === 'insert') insertCopyOf(db, id, top + change.above);
            else if (change.op === 'move') db.prepare('UPDATE memory_index SET id = ? WHERE id = ?').run(top + change.above, id);
            else {
              const other = present[change.other % present.length] as number;
              db.prepare('UPDATE OR REPLACE memory_index SET file_path = (SELECT file_path FROM memory_index WHERE id = ?) WHERE id = ?').run(other, id);
            }
          }
        });
        const after = await readRows(context);
        expect(after).toEqual(fullRows(workspace.paths.db));
        const untouched = new Map(before.map((row) => [row.id, row]));
        for (const row of after) if (untouched.get(row.id) !== undefined && JSON.stringify(untouched.get(row.id)) === JSON.stringify(row)) expect(row).toBe(untouched.get(row.id));
      }),
      { numRuns: 40 },
    );
  });
});
