/**
 * The memory server's tables as opsheal knows them: what the sample generator creates and what tests
 * build. The real server's database has more columns and tables; opsheal reads and writes only these.
 */

/** `memory_index`, unique on (spec_folder, file_path, anchor_id). */
export const MEMORY_INDEX_DDL = `
CREATE TABLE IF NOT EXISTS memory_index (
  id INTEGER PRIMARY KEY,
  spec_folder TEXT NOT NULL,
  file_path TEXT NOT NULL,
  anchor_id TEXT,
  title TEXT,
  trigger_phrases TEXT,
  importance_tier TEXT DEFAULT 'normal',
  context_type TEXT DEFAULT 'general',
  session_id TEXT,
  content_hash TEXT,
  file_mtime_ms INTEGER,
  embedding_status TEXT DEFAULT 'pending',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE(spec_folder, file_path, anchor_id)
);`;

/** The FTS5 table over memory_index (external content) and the three triggers that keep it in step. */
export const MEMORY_FTS_DDL = `
CREATE VIRTUAL TABLE IF NOT EXISTS memory_fts USING fts5(
  title, trigger_phrases, file_path,
  content='memory_index', content_rowid='id'
);
CREATE TRIGGER IF NOT EXISTS memory_fts_insert AFTER INSERT ON memory_index BEGIN
  INSERT INTO memory_fts(rowid, title, trigger_phrases, file_path)
  VALUES (new.id, new.title, new.trigger_phrases, new.file_path);
END;
CREATE TRIGGER IF NOT EXISTS memory_fts_delete AFTER DELETE ON memory_index BEGIN
  INSERT INTO memory_fts(memory_fts, rowid, title, trigger_phrases, file_path)
  VALUES ('delete', old.id, old.title, old.trigger_phrases, old.file_path);
END;
CREATE TRIGGER IF NOT EXISTS memory_fts_update AFTER UPDATE ON memory_index BEGIN
  INSERT INTO memory_fts(memory_fts, rowid, title, trigger_phrases, file_path)
  VALUES ('delete', old.id, old.title, old.trigger_phrases, old.file_path);
  INSERT INTO memory_fts(rowid, title, trigger_phrases, file_path)
  VALUES (new.id, new.title, new.trigger_phrases, new.file_path);
END;`;

/** The append-only mutation ledger and its two guard triggers. */
export const MUTATION_LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS mutation_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  mutation_type TEXT NOT NULL CHECK(mutation_type IN ('create', 'update', 'delete', 'merge', 'archive', 'restore', 'reindex')),
  reason TEXT NOT NULL,
  prior_hash TEXT,
  new_hash TEXT NOT NULL,
  linked_memory_ids TEXT,
  decision_meta TEXT,
  actor TEXT NOT NULL,
  session_id TEXT
);
CREATE INDEX IF NOT EXISTS idx_ledger_timestamp ON mutation_ledger(timestamp);`;

export const LEDGER_UPDATE_TRIGGER_DDL = `
CREATE TRIGGER IF NOT EXISTS prevent_ledger_update BEFORE UPDATE ON mutation_ledger
BEGIN
  SELECT RAISE(ABORT, 'mutation_ledger is append-only: UPDATE operations are not allowed');
END;`;

export const LEDGER_DELETE_TRIGGER_DDL = `
CREATE TRIGGER IF NOT EXISTS prevent_ledger_delete BEFORE DELETE ON mutation_ledger
BEGIN
  SELECT RAISE(ABORT, 'mutation_ledger is append-only: DELETE operations are not allowed');
END;`;

/** Dimensions of the sample generator's vectors: small, since only their presence is checked. */
export const SAMPLE_VECTOR_DIMENSIONS = 8;

/** The sqlite-vec table whose rowid is the memory id. Needs the extension loaded. */
export const VEC_MEMORIES_DDL = `CREATE VIRTUAL TABLE IF NOT EXISTS vec_memories USING vec0(embedding float[${SAMPLE_VECTOR_DIMENSIONS}]);`;

/** Everything but the vector table, in creation order. */
export const SERVER_SCHEMA_DDL = [MEMORY_INDEX_DDL, MEMORY_FTS_DDL, MUTATION_LEDGER_DDL, LEDGER_UPDATE_TRIGGER_DDL, LEDGER_DELETE_TRIGGER_DDL].join('\n');
