import fc from 'fast-check';
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseUnusableError, openIndexDatabase } from '../../src/workspace/index-database.js';
import {
  INDEX_ROW_COLUMNS,
  LEDGER_COLUMNS,
  ledgerGuards,
  parseLinkedIds,
  readFtsIndexedIds,
  readIndexRows,
  readIndexRowSummaries,
  readLedgerEntries,
  readLedgerLinks,
  readVectorIds,
  requireColumns,
  requireTables,
} from '../../src/workspace/index-reads.js';
import { scanMemoryFiles } from '../../src/workspace/memory-files.js';
import { MEMORY_INDEX_DDL, MUTATION_LEDGER_DDL } from '../../src/workspace/server-schema.js';
import { buildServerDatabase } from '../support/server-database.js';
import { defaultPaths, useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();

/** A small hand-made workspace, scanned, with a server-shaped database indexing it. */
function serverWorkspace(options: { pathStyle?: 'absolute' | 'relative'; ledger?: boolean; vectors?: boolean } = {}) {
  const root = temporaryFolder();
  const files = {
    'specs/001-auth/memory/a.md': '---\ntitle: "Token refresh"\ntrigger_phrases: [token, refresh]\nimportance_tier: critical\nsession_id: ses_a\n---\n# Token refresh\n',
    'specs/003-memory/065-retry/memory/b.md': '---\ntitle: Retry notes\ncontext_type: decision\n---\n',
    'specs/003-memory/memory/c.md': '# Only a heading\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const paths = defaultPaths(root);
  const scan = scanMemoryFiles(paths);
  const server = buildServerDatabase(paths.db, {
    root,
    files: scan.files,
    foreignPaths: ['/elsewhere/checkout/specs/009-x/memory/z.md'],
    ...options,
  });
  return { root, paths, scan, server };
}

/** `work` on a writable connection to a fresh server-shaped workspace's database, closed after. */
function onServerDatabase(work: (db: Database.Database, workspace: ReturnType<typeof serverWorkspace>) => void, options: Parameters<typeof serverWorkspace>[0] = {}): void {
  const workspace = serverWorkspace(options);
  const { db } = openIndexDatabase(workspace.paths.db, {});
  try {
    work(db, workspace);
  } finally {
    db.close();
  }
}

/**
 * What replaces every vector with one per id, inserted in the order given, each with the embedding
 * the database's first vector has now.
 */
function vectorReplacer(db: Database.Database): (ids: readonly number[]) => void {
  const embedding = db.prepare('SELECT embedding FROM vec_memories LIMIT 1').pluck(true).get();
  // sqlite-vec takes integer rowids only; better-sqlite3 binds plain numbers as REAL.
  const insert = db.prepare('INSERT INTO vec_memories (rowid, embedding) VALUES (?, ?)');
  return (ids) => {
    db.exec('DELETE FROM vec_memories');
    for (const id of ids) insert.run(BigInt(id), embedding);
  };
}

describe('reads on a database shaped like the real server’s', () => {
  it('reads opsheal’s columns by name among dozens of others, with absolute file paths', () => {
    const { root, scan, server, paths } = serverWorkspace();
    const { db } = openIndexDatabase(paths.db, { readonly: true });
    try {
      const rows = readIndexRows(db);
      expect(rows.map((row) => row.filePath)).toEqual([
        ...scan.files.map((file) => join(root, file.relativePath)),
        '/elsewhere/checkout/specs/009-x/memory/z.md',
      ]);
      const first = scan.files[0];
      expect(rows[0]).toEqual({
        id: server.ids.get(first?.relativePath ?? ''),
        specFolder: '001-auth',
        filePath: join(root, 'specs/001-auth/memory/a.md'),
        anchorId: null,
        title: 'Token refresh',
        triggerPhrases: '["token","refresh"]',
        importanceTier: 'critical',
        contextType: 'general',
        sessionId: 'ses_a',
        contentHash: first?.contentHash,
        fileMtimeMs: first?.mtimeMs,
        embeddingStatus: 'success',
        createdAt: '2026-02-15T12:00:00.000Z',
        updatedAt: '2026-02-21T12:00:00.000Z',
      });
    } finally {
      db.close();
    }
  });

  it('reads workspace-relative file paths as stored', () => {
    const { scan, paths } = serverWorkspace({ pathStyle: 'relative' });
    const { db } = openIndexDatabase(paths.db, { readonly: true });
    try {
      expect(readIndexRows(db).slice(0, 3).map((row) => row.filePath)).toEqual(scan.files.map((file) => file.relativePath));
    } finally {
      db.close();
    }
  });

  it('reads the ledger in id order, the guard triggers, FTS ids and vector ids', () => {
    const { server, paths } = serverWorkspace();
    const { db } = openIndexDatabase(paths.db, { readonly: true });
    try {
      const ids = [...server.ids.values()];
      const entries = readLedgerEntries(db);
      expect(entries.map((entry) => entry.linkedMemoryIds)).toEqual(ids.map((id) => [id]));
      expect(entries[0]).toMatchObject({ id: 1, mutationType: 'create', priorHash: null, actor: 'memory-server', decisionMeta: '{"tool":"memory_save"}' });
      expect(ledgerGuards(db).working).toEqual(['prevent_ledger_update', 'prevent_ledger_delete']);
      expect(readFtsIndexedIds(db)).toEqual(ids);
      expect(readVectorIds(db)).toEqual(ids);
    } finally {
      db.close();
    }
  });

  it('gives the vector ids ascending whatever order sqlite-vec scans them in', () => {
    onServerDatabase((db) => {
      // Inserted highest first: the scan gives them back as stored, which is not ascending.
      vectorReplacer(db)([90, 40, 70, 10]);
      expect((db.prepare('SELECT rowid FROM vec_memories').pluck(true).all() as unknown[]).map(Number)).not.toEqual([10, 40, 70, 90]);
      expect(readVectorIds(db)).toEqual([10, 40, 70, 90]);
    });
  });

  it('gives no FTS or vector ids for empty tables, and ids beyond 32 bits exactly', () => {
    onServerDatabase((db) => {
      const replaceVectors = vectorReplacer(db);
      replaceVectors([]);
      db.exec('DELETE FROM memory_index');
      expect(readVectorIds(db)).toEqual([]);
      expect(readFtsIndexedIds(db)).toEqual([]);
      const large = [2 ** 40 + 1, Number.MAX_SAFE_INTEGER];
      replaceVectors(large);
      db.prepare(`INSERT INTO memory_index (id, spec_folder, file_path, title, created_at, updated_at) VALUES (?, 'a', 'specs/a/memory/x.md', 't', 'c', 'u')`).run(BigInt(large[0] as number));
      expect(readVectorIds(db)).toEqual(large);
      expect(readFtsIndexedIds(db)).toEqual([large[0]]);
    });
  });

  it('lists only the guard triggers that exist', () => {
    onServerDatabase((db) => {
      expect(ledgerGuards(db).working).toEqual([]);
      db.exec("CREATE TRIGGER prevent_ledger_delete BEFORE DELETE ON mutation_ledger BEGIN SELECT RAISE(ABORT, 'no'); END;");
      expect(ledgerGuards(db).working).toEqual(['prevent_ledger_delete']);
    }, { ledger: false });
  });

  it('judges a guard trigger by what it does: on mutation_ledger, on every UPDATE or DELETE, raising an abort', () => {
    onServerDatabase((db) => {
      db.exec(`
        CREATE TRIGGER prevent_ledger_update AFTER UPDATE ON mutation_ledger BEGIN SELECT 1; END;
        CREATE TRIGGER prevent_ledger_delete BEFORE DELETE ON memory_index BEGIN SELECT RAISE(ABORT, 'no'); END;`);
      expect(ledgerGuards(db)).toEqual({
        working: [],
        faults: { prevent_ledger_update: { kind: 'not-a-guard' }, prevent_ledger_delete: { kind: 'name-taken', by: 'a trigger on memory_index' } },
      });
      db.exec(`
        DROP TRIGGER prevent_ledger_update; DROP TRIGGER prevent_ledger_delete;
        CREATE TRIGGER prevent_ledger_update BEFORE UPDATE OF reason ON mutation_ledger BEGIN SELECT RAISE(ABORT, 'no'); END;
        CREATE TRIGGER prevent_ledger_delete BEFORE DELETE ON mutation_ledger WHEN old.actor = 'x' BEGIN SELECT RAISE(ABORT, 'no'); END;`);
      expect(ledgerGuards(db).faults).toEqual({ prevent_ledger_update: { kind: 'not-a-guard' }, prevent_ledger_delete: { kind: 'not-a-guard' } });
      db.exec(`
        DROP TRIGGER prevent_ledger_update; DROP TRIGGER prevent_ledger_delete;
        CREATE TRIGGER "prevent_ledger_update" AFTER UPDATE ON "mutation_ledger" FOR EACH ROW BEGIN SELECT RAISE(FAIL, 'no'); END;
        CREATE INDEX prevent_ledger_delete ON mutation_ledger(actor);`);
      expect(ledgerGuards(db)).toEqual({ working: ['prevent_ledger_update'], faults: { prevent_ledger_delete: { kind: 'name-taken', by: 'an index' } } });
    }, { ledger: false });
  });

  it('gives no vector ids when sqlite-vec is not loaded into the connection, or there is no vector table', () => {
    const { paths } = serverWorkspace();
    const plain = new Database(paths.db, { readonly: true });
    try {
      expect(readVectorIds(plain)).toBeUndefined();
    } finally {
      plain.close();
    }
    const without = serverWorkspace({ vectors: false });
    const { db } = openIndexDatabase(without.paths.db, { readonly: true });
    try {
      expect(readVectorIds(db)).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('sees an FTS index out of step with memory_index', () => {
    onServerDatabase((db, { server }) => {
      const [first] = server.ids.values();
      const row = db.prepare('SELECT title, trigger_phrases, file_path FROM memory_index WHERE id = ?').get(first) as Record<string, string>;
      db.prepare("INSERT INTO memory_fts(memory_fts, rowid, title, trigger_phrases, file_path) VALUES ('delete', ?, ?, ?, ?)").run(
        first,
        row.title,
        row.trigger_phrases,
        row.file_path,
      );
      expect(readFtsIndexedIds(db)).toEqual([...server.ids.values()].slice(1));
    });
  });
});

describe('required tables and columns', () => {
  function bareDatabase(ddl: string): Database.Database {
    const db = new Database(join(temporaryFolder(), 'bare.sqlite'));
    db.exec(ddl);
    return db;
  }

  it('names the missing table, not retryable', () => {
    const db = bareDatabase(MEMORY_INDEX_DDL);
    try {
      expect(() => requireTables(db, ['memory_index', 'mutation_ledger'])).toThrow('the index database has no table mutation_ledger');
      expect(() => readFtsIndexedIds(db)).toThrow(/no table memory_fts/);
      let error: unknown;
      try {
        readLedgerEntries(db);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DatabaseUnusableError);
      expect(error).toMatchObject({ retryable: false, message: 'the index database has no table mutation_ledger' });
    } finally {
      db.close();
    }
  });

  it('names missing columns of an older server’s memory_index', () => {
    const db = bareDatabase('CREATE TABLE memory_index (id INTEGER PRIMARY KEY, spec_folder TEXT, file_path TEXT, created_at TEXT, updated_at TEXT);');
    try {
      expect(() => readIndexRows(db)).toThrow(/table memory_index has no column anchor_id, title, trigger_phrases/);
      expect(() => requireColumns(db, 'memory_index', ['id', 'file_path'])).not.toThrow();
    } finally {
      db.close();
    }
  });

  it('reads values stored with another type than declared, as SQLite allows', () => {
    const db = bareDatabase(`${MEMORY_INDEX_DDL}\n${MUTATION_LEDGER_DDL}`);
    try {
      db.exec(`INSERT INTO memory_index (id, spec_folder, file_path, title, file_mtime_ms, created_at, updated_at)
               VALUES (7, 'a', 'specs/a/memory/x.md', 123, '1700000000123.9', 'c', 'u')`);
      expect(readIndexRows(db)[0]).toMatchObject({ title: '123', fileMtimeMs: 1700000000123 });
    } finally {
      db.close();
    }
  });
});

describe('parseLinkedIds', () => {
  it.each([
    ['[1, 2, 3]', [1, 2, 3]],
    ['["4", 5]', [4, 5]],
    ['[1.5, "x", null, {"id": 1}, 6]', [6]],
    ['{"ids": [1]}', []],
    ['not json', []],
    ['', []],
  ])('reads %s as %o', (value, ids) => {
    expect(parseLinkedIds(value)).toEqual(ids);
  });

  it('reads null as none', () => {
    expect(parseLinkedIds(null)).toEqual([]);
  });

  it.each([
    ['[0]', [0]],
    ['[42]', [42]],
    ['[007]', []],
    ['[]', []],
    ['[-1]', [-1]],
    ['[123456789012345]', [123456789012345]],
    ['[1234567890123456]', [1234567890123456]],
    ['[12345678901234567890]', []],
  ])('reads the one-id form %s as JSON would: %o', (value, ids) => {
    expect(parseLinkedIds(value)).toEqual(ids);
  });

  it('reads every bracketed run of digits (and near misses) exactly as the JSON reading does', () => {
    const asJson = (value: string): number[] => {
      try {
        const parsed: unknown = JSON.parse(value);
        return Array.isArray(parsed) ? parsed.filter((item): item is number => typeof item === 'number' && Number.isSafeInteger(item)) : [];
      } catch {
        return [];
      }
    };
    fc.assert(
      fc.property(fc.stringMatching(/^\[[0-9 .e+-]{0,20}\]?$/), (value) => {
        expect(parseLinkedIds(value)).toEqual(asJson(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('reading again with the objects of an earlier read', () => {
  /** `work` on a bare database with opsheal's columns of memory_index and mutation_ledger, no triggers; closed after. */
  function withBareDatabase(work: (db: Database.Database) => void): void {
    const db = new Database(':memory:');
    try {
      db.exec(`CREATE TABLE memory_index (${INDEX_ROW_COLUMNS.map((column) => (column === 'id' ? 'id INTEGER PRIMARY KEY' : column)).join(', ')})`);
      db.exec(`CREATE TABLE mutation_ledger (${LEDGER_COLUMNS.map((column) => (column === 'id' ? 'id INTEGER PRIMARY KEY' : column)).join(', ')})`);
      work(db);
    } finally {
      db.close();
    }
  }

  type RowValues = { filePath: string; anchorId: string | null; sessionId: string | null; contentHash: string | null; embeddingStatus: string | null };
  const UPDATED_COLUMNS = [
    { column: 'file_path', field: 'filePath' },
    { column: 'anchor_id', field: 'anchorId' },
    { column: 'session_id', field: 'sessionId' },
    { column: 'content_hash', field: 'contentHash' },
    { column: 'embedding_status', field: 'embeddingStatus' },
  ] as const;
  /** A read given `earlier` gives what a fresh read gives, and reuses an earlier object exactly where its values are unchanged. */
  function expectReusedWhereUnchanged<T extends { readonly id: number }>(earlier: readonly T[], again: readonly T[], fresh: readonly T[]): void {
    expect(again).toEqual(fresh);
    for (const value of again) {
      const before = earlier.find((candidate) => candidate.id === value.id);
      expect(value === before).toBe(before !== undefined && JSON.stringify(before) === JSON.stringify(value));
    }
  }

  const hash = fc.constantFrom('aa', 'bb', 'cc', null);
  const status = fc.constantFrom('pending', 'success', 'failed', null);
  const rowValues = fc.record({ filePath: fc.constantFrom('a.md', 'b.md', '/abs/c.md'), anchorId: fc.constantFrom('x', null), sessionId: fc.constantFrom('s1', 's2', null), contentHash: hash, embeddingStatus: status });
  const rowEdit = fc.oneof(
    // One column at a time, so that a change to any single one is tried.
    fc.record({ op: fc.constant('update' as const), at: fc.nat(), column: fc.constantFrom(...UPDATED_COLUMNS), values: rowValues }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('insert' as const), values: rowValues }),
  );

  function insertRow(db: Database.Database, values: RowValues): void {
    db.prepare('INSERT INTO memory_index (spec_folder, file_path, anchor_id, session_id, content_hash, embedding_status) VALUES (?, ?, ?, ?, ?, ?)').run(
      'f',
      values.filePath,
      values.anchorId,
      values.sessionId,
      values.contentHash,
      values.embeddingStatus,
    );
  }

  it('gives what a fresh read gives, reusing exactly the rows whose values did not change', () => {
    fc.assert(
      fc.property(fc.array(rowValues, { maxLength: 12 }), fc.array(rowEdit, { maxLength: 12 }), (initial, edits) => {
        withBareDatabase((db) => {
          for (const values of initial) insertRow(db, values);
          const earlier = readIndexRowSummaries(db);
          for (const edit of edits) {
            const ids = db.prepare('SELECT id FROM memory_index ORDER BY id').pluck().all() as number[];
            if (edit.op === 'insert') insertRow(db, edit.values);
            else if (ids.length > 0) {
              const id = ids[edit.at % ids.length];
              if (edit.op === 'delete') db.prepare('DELETE FROM memory_index WHERE id = ?').run(id);
              else {
                const { column, field } = edit.column;
                db.prepare(`UPDATE memory_index SET ${column} = ? WHERE id = ?`).run(edit.values[field], id);
              }
            }
          }
          expectReusedWhereUnchanged(earlier, readIndexRowSummaries(db, earlier), readIndexRowSummaries(db));
        });
      }),
    );
  });

  const ledgerEntry = fc.record({ type: fc.constantFrom('create', 'update', 'delete'), newHash: hash, linked: fc.constantFrom('[1]', '[2]', '[1,2]', '[ 1 ]', '["1"]', '[]', 'not json', null) });
  type LedgerValues = { type: string; newHash: string | null; linked: string | null };
  function appendEntry(db: Database.Database, values: LedgerValues): void {
    db.prepare("INSERT INTO mutation_ledger (mutation_type, reason, new_hash, linked_memory_ids, actor) VALUES (?, '', ?, ?, 'test')").run(values.type, values.newHash, values.linked);
  }

  it('reads only the entries after the last earlier one when told the ledger only grew, and gives what a fresh read gives', () => {
    fc.assert(
      fc.property(fc.array(ledgerEntry, { maxLength: 10 }), fc.array(ledgerEntry, { maxLength: 4 }), (initial, appended) => {
        withBareDatabase((db) => {
          for (const values of initial) appendEntry(db, values);
          const earlier = readLedgerLinks(db);
          for (const values of appended) appendEntry(db, values);
          const again = readLedgerLinks(db, earlier, true);
          expect(again).toEqual(readLedgerLinks(db));
          earlier.forEach((link, index) => expect(again[index]).toBe(link));
        });
      }),
    );
  });

  it('gives the ledger links a fresh read gives, reusing the entries that still hold the same values', () => {
    const LEDGER_UPDATED_COLUMNS = [
      { column: 'mutation_type', field: 'type' },
      { column: 'new_hash', field: 'newHash' },
      { column: 'linked_memory_ids', field: 'linked' },
    ] as const;
    fc.assert(
      fc.property(fc.array(ledgerEntry, { maxLength: 10 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...LEDGER_UPDATED_COLUMNS), ledgerEntry), { maxLength: 10 }), fc.array(ledgerEntry, { maxLength: 4 }), (initial, changes, appended) => {
        withBareDatabase((db) => {
          for (const values of initial) appendEntry(db, values);
          const earlier = readLedgerLinks(db);
          for (const [at, { column, field }, values] of changes) {
            if (initial.length === 0) break;
            db.prepare(`UPDATE mutation_ledger SET ${column} = ? WHERE id = ?`).run(values[field], (at % initial.length) + 1);
          }
          for (const values of appended) appendEntry(db, values);
          expectReusedWhereUnchanged(earlier, readLedgerLinks(db, earlier), readLedgerLinks(db));
        });
      }),
    );
  });
});
