import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SERVER_SCHEMA_DDL } from '../../../src/workspace/server-schema.js';
import { isFtsOnlyTrigger } from '../../../src/live/index-drift/fts-only-trigger.js';

/** The SQL SQLite keeps for each trigger on memory_index, after `extra` is run on the server's schema. */
function triggerSql(extra = ''): Record<string, string> {
  const db = new Database(':memory:');
  try {
    db.exec(SERVER_SCHEMA_DDL);
    db.exec('CREATE TABLE memory_audit (memory_id INTEGER, op TEXT)');
    db.exec(extra);
    const rows = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'memory_index'`).all() as Array<{ name: string; sql: string }>;
    return Object.fromEntries(rows.map((row) => [row.name, row.sql]));
  } finally {
    db.close();
  }
}

describe('isFtsOnlyTrigger', () => {
  it("takes the server's three FTS triggers as FTS-only", () => {
    const sql = triggerSql();
    for (const name of ['memory_fts_insert', 'memory_fts_delete', 'memory_fts_update']) expect(isFtsOnlyTrigger(sql[name] as string)).toBe(true);
  });

  it('takes a trigger that writes to memory_fts and to another table as doing other work', () => {
    const sql = triggerSql(`
      CREATE TRIGGER memory_ai AFTER INSERT ON memory_index BEGIN
        INSERT INTO memory_fts(rowid, title, trigger_phrases, file_path) VALUES (new.id, new.title, new.trigger_phrases, new.file_path);
        INSERT INTO memory_audit(memory_id, op) VALUES (new.id, 'insert');
      END;`);
    expect(isFtsOnlyTrigger(sql['memory_ai'] as string)).toBe(false);
  });

  it('is not fooled by semicolons, BEGIN or END inside strings, quoted names and comments', () => {
    const sql = triggerSql(`
      CREATE TRIGGER "odd; BEGIN" AFTER DELETE ON memory_index WHEN old.title <> 'x; END' BEGIN
        -- a comment; with END in it
        INSERT INTO "memory_fts"(memory_fts, rowid, title, trigger_phrases, file_path) VALUES ('delete', old.id, old.title, old.trigger_phrases, old.file_path);
        /* and another; */ DELETE FROM memory_fts WHERE rowid = old.id + 1000000;
      END;
      CREATE TRIGGER sneaky AFTER UPDATE ON memory_index BEGIN
        INSERT INTO memory_fts(rowid, title) VALUES (new.id, 'a; INSERT INTO memory_audit VALUES (1, 2)');
        INSERT INTO memory_fts_shadow_like(x) SELECT 1 WHERE 0;
      END;`.replace('memory_fts_shadow_like(x) SELECT 1 WHERE 0', 'memory_audit(memory_id, op) SELECT 1, 2 WHERE 0'));
    expect(isFtsOnlyTrigger(sql['odd; BEGIN'] as string)).toBe(true);
    expect(isFtsOnlyTrigger(sql['sneaky'] as string)).toBe(false);
  });

  it('takes a trigger that only reads memory_fts, or one it cannot read plainly, as doing other work', () => {
    expect(isFtsOnlyTrigger('CREATE TRIGGER t AFTER INSERT ON memory_index BEGIN INSERT INTO memory_audit SELECT rowid, title FROM memory_fts; END')).toBe(false);
    expect(isFtsOnlyTrigger("CREATE TRIGGER t AFTER INSERT ON memory_index BEGIN INSERT INTO memory_fts(rowid) VALUES ('unclosed); END")).toBe(false);
    expect(isFtsOnlyTrigger('CREATE TRIGGER t AFTER INSERT ON memory_index BEGIN END')).toBe(false);
    expect(isFtsOnlyTrigger('CREATE TRIGGER t AFTER INSERT ON memory_index BEGIN INSERT INTO memory_ftsx(rowid) VALUES (1); END')).toBe(false);
  });
});
