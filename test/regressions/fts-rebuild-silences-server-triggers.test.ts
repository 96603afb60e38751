import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';
import { tableRows, useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by trying a server whose triggers on memory_index keep FTS in step and write its own audit
// rows in the same body. A repair that rebuilt FTS set aside every trigger that mentioned
// memory_fts, so the audit rows for the repair's own inserts, updates and deletes were never
// written, and nothing showed it: the triggers were back, as they were, by the commit.
const template = useWorkspaceTemplate({ memories: 60, seed: 37 });

const COMBINED_TRIGGERS = `
  DROP TRIGGER memory_fts_insert; DROP TRIGGER memory_fts_delete; DROP TRIGGER memory_fts_update;
  CREATE TABLE memory_audit (memory_id INTEGER, op TEXT);
  CREATE TRIGGER memory_ai AFTER INSERT ON memory_index BEGIN
    INSERT INTO memory_fts(rowid, title, trigger_phrases, file_path) VALUES (new.id, new.title, new.trigger_phrases, new.file_path);
    INSERT INTO memory_audit(memory_id, op) VALUES (new.id, 'insert');
  END;
  CREATE TRIGGER memory_ad AFTER DELETE ON memory_index BEGIN
    INSERT INTO memory_fts(memory_fts, rowid, title, trigger_phrases, file_path) VALUES ('delete', old.id, old.title, old.trigger_phrases, old.file_path);
    INSERT INTO memory_audit(memory_id, op) VALUES (old.id, 'delete');
  END;
  CREATE TRIGGER memory_au AFTER UPDATE ON memory_index BEGIN
    INSERT INTO memory_fts(memory_fts, rowid, title, trigger_phrases, file_path) VALUES ('delete', old.id, old.title, old.trigger_phrases, old.file_path);
    INSERT INTO memory_fts(rowid, title, trigger_phrases, file_path) VALUES (new.id, new.title, new.trigger_phrases, new.file_path);
    INSERT INTO memory_audit(memory_id, op) VALUES (new.id, 'update');
  END;`;

describe('a repair that rebuilds FTS, on a server whose FTS triggers do other work too', () => {
  it('leaves those triggers firing: the audit rows of every row it changes are written, and the heal converges', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec(COMBINED_TRIGGERS));
    for (const kind of ['unindexed-file', 'deleted-file', 'edited-file', 'fts-out-of-step']) {
      expect(runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', kind, '--count', '2']).status).toBe(0);
    }
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.stdout).toContain('fts_rebuilt=1');
    expect(heal.status).toBe(0);
    const audit = tableRows(workspace.paths.db, 'memory_audit').map((row) => row['op']);
    expect(audit.filter((op) => op === 'insert')).toHaveLength(2);
    expect(audit.filter((op) => op === 'delete')).toHaveLength(2);
    // The edited files' rows are refreshed (an update each); the injections themselves wrote none.
    expect(audit.filter((op) => op === 'update').length).toBeGreaterThanOrEqual(2);
    expect(runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]).status).toBe(0);
  });
});
