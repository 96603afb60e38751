import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MemoryFileRecord, MemoryMetadata } from '../../src/workspace/memory-file.js';
import { readMemoryMetadata } from '../../src/workspace/memory-file-reader.js';
import {
  LEDGER_DELETE_TRIGGER_DDL,
  LEDGER_UPDATE_TRIGGER_DDL,
  MEMORY_FTS_DDL,
  MUTATION_LEDGER_DDL,
} from '../../src/workspace/server-schema.js';

/**
 * A test database shaped like the real memory server's, not like opsheal's own view of it:
 * memory_index has dozens of columns in the server's order (opsheal's are scattered among them,
 * `file_mtime_ms` added last as a migration would), CHECK constraints, file paths stored absolute,
 * ids with gaps, and tables opsheal never touches (memory_history with a foreign key into
 * memory_index, checkpoints, memory_conflicts, causal_edges, schema_version, ...). Column names
 * follow the public spec-kit memory server; the DDL is written here.
 */

/** memory_index as the server creates and then migrates it. */
export const WIDE_MEMORY_INDEX_DDL = `
CREATE TABLE memory_index (
  id INTEGER PRIMARY KEY,
  spec_folder TEXT NOT NULL,
  file_path TEXT NOT NULL,
  anchor_id TEXT,
  title TEXT,
  trigger_phrases TEXT,
  importance_weight REAL DEFAULT 0.5,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  embedding_model TEXT,
  embedding_generated_at TEXT,
  embedding_status TEXT DEFAULT 'pending' CHECK(embedding_status IN ('pending', 'success', 'failed', 'retry', 'partial')),
  retry_count INTEGER DEFAULT 0,
  last_retry_at TEXT,
  failure_reason TEXT,
  base_importance REAL DEFAULT 0.5,
  decay_half_life_days REAL DEFAULT 90.0,
  is_pinned INTEGER DEFAULT 0,
  access_count INTEGER DEFAULT 0,
  last_accessed INTEGER DEFAULT 0,
  importance_tier TEXT DEFAULT 'normal' CHECK(importance_tier IN ('constitutional', 'critical', 'important', 'normal', 'temporary', 'deprecated')),
  session_id TEXT,
  context_type TEXT DEFAULT 'general' CHECK(context_type IN ('research', 'implementation', 'decision', 'discovery', 'general')),
  channel TEXT DEFAULT 'default',
  content_hash TEXT,
  expires_at DATETIME,
  confidence REAL DEFAULT 0.5,
  validation_count INTEGER DEFAULT 0,
  stability REAL DEFAULT 1.0,
  difficulty REAL DEFAULT 5.0,
  last_review TEXT,
  review_count INTEGER DEFAULT 0,
  related_memories TEXT,
  content_text TEXT,
  quality_score REAL,
  memory_type TEXT DEFAULT 'episodic',
  parent_id INTEGER,
  version INTEGER DEFAULT 1,
  UNIQUE(spec_folder, file_path, anchor_id)
);
ALTER TABLE memory_index ADD COLUMN file_mtime_ms INTEGER;
CREATE INDEX idx_spec_folder ON memory_index(spec_folder);
CREATE INDEX idx_created_at ON memory_index(created_at);
CREATE INDEX idx_embedding_status ON memory_index(embedding_status);
CREATE INDEX idx_importance_tier ON memory_index(importance_tier);
CREATE INDEX idx_memories_scope ON memory_index(spec_folder, session_id, context_type);
CREATE INDEX idx_file_path ON memory_index(file_path);
CREATE INDEX idx_content_hash ON memory_index(content_hash);
CREATE INDEX idx_fsrs_retrieval ON memory_index(stability, difficulty, last_review);`;

/** The server's other tables: opsheal must leave every one of them as it found it. */
export const SERVER_EXTRA_TABLES_DDL = `
CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, updated_at TEXT);
CREATE TABLE memory_history (
  id TEXT PRIMARY KEY,
  memory_id INTEGER NOT NULL,
  prev_value TEXT,
  new_value TEXT,
  event TEXT NOT NULL CHECK(event IN ('ADD', 'UPDATE', 'DELETE')),
  timestamp DATETIME DEFAULT CURRENT_TIMESTAMP,
  is_deleted INTEGER DEFAULT 0,
  actor TEXT DEFAULT 'system',
  FOREIGN KEY (memory_id) REFERENCES memory_index(id)
);
CREATE INDEX idx_history_memory ON memory_history(memory_id, timestamp);
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  spec_folder TEXT,
  git_branch TEXT,
  memory_snapshot BLOB,
  file_snapshot BLOB,
  metadata TEXT
);
CREATE TABLE memory_conflicts (
  id INTEGER PRIMARY KEY,
  timestamp TEXT DEFAULT CURRENT_TIMESTAMP,
  new_memory_hash TEXT NOT NULL,
  existing_memory_id INTEGER,
  similarity_score REAL,
  action TEXT CHECK(action IN ('CREATE', 'UPDATE', 'SUPERSEDE', 'REINFORCE')),
  contradiction_detected INTEGER DEFAULT 0,
  notes TEXT,
  FOREIGN KEY (existing_memory_id) REFERENCES memory_index(id) ON DELETE SET NULL
);
CREATE TABLE causal_edges (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL,
  target_id INTEGER NOT NULL,
  relation TEXT NOT NULL CHECK(relation IN ('caused', 'enabled', 'supersedes', 'contradicts', 'derived_from', 'supports')),
  strength REAL DEFAULT 1.0,
  evidence TEXT,
  extracted_at TEXT
);
CREATE TABLE working_memory (
  session_id TEXT NOT NULL,
  memory_id INTEGER NOT NULL,
  attention_score REAL DEFAULT 1.0,
  added_at TEXT,
  PRIMARY KEY (session_id, memory_id)
);
CREATE TABLE memory_corrections (
  id INTEGER PRIMARY KEY,
  original_memory_id INTEGER,
  correction_memory_id INTEGER,
  correction_type TEXT,
  created_at TEXT
);`;

export interface ServerDatabaseOptions {
  /** The workspace root: absolute file paths are made from it. */
  readonly root: string;
  /** The memories to index (from a scan, or made by hand); one row each. */
  readonly files: readonly MemoryFileRecord[];
  /** How file_path is stored: `absolute` (the server's habit, default) or `relative`. */
  readonly pathStyle?: 'absolute' | 'relative';
  /** Timestamps are derived from this (ms, default 2026-02-22T12:00:00Z). */
  readonly now?: number;
  /** Write vectors when sqlite-vec loads (default true). */
  readonly vectors?: boolean;
  /** Dimensions of the vec_memories table (default 768, as the server's default provider). */
  readonly vectorDimensions?: number;
  /** Append a `create` ledger entry per memory and the two guard triggers (default true). */
  readonly ledger?: boolean;
  /** Absolute paths of memories of another checkout, indexed too: rows opsheal must count as foreign. */
  readonly foreignPaths?: readonly string[];
}

export interface ServerDatabase {
  readonly path: string;
  /** The id given to each file, by relativePath (and to each foreign path, by the path). */
  readonly ids: ReadonlyMap<string, number>;
  readonly vectors: 'written' | 'unavailable';
}

const DEFAULT_NOW = Date.UTC(2026, 1, 22, 12, 0, 0);

/** Builds the database at `path` (parent folders created; the file must not exist). */
export function buildServerDatabase(path: string, options: ServerDatabaseOptions): ServerDatabase {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(WIDE_MEMORY_INDEX_DDL);
    db.exec(SERVER_EXTRA_TABLES_DDL);
    db.exec(MEMORY_FTS_DDL);
    db.exec(MUTATION_LEDGER_DDL);
    if (options.ledger !== false) db.exec(`${LEDGER_UPDATE_TRIGGER_DDL}\n${LEDGER_DELETE_TRIGGER_DDL}`);
    let vectors: ServerDatabase['vectors'] = 'unavailable';
    if (options.vectors !== false) {
      try {
        sqliteVec.load(db);
        db.exec(`CREATE VIRTUAL TABLE vec_memories USING vec0(embedding FLOAT[${options.vectorDimensions ?? 768}])`);
        vectors = 'written';
      } catch {
        vectors = 'unavailable';
      }
    }
    const ids = new Map<string, number>();
    db.transaction(() => fill(db, options, vectors === 'written', ids))();
    return { path, ids, vectors };
  } finally {
    db.close();
  }
}

function fill(db: Database.Database, options: ServerDatabaseOptions, withVectors: boolean, ids: Map<string, number>): void {
  const now = options.now ?? DEFAULT_NOW;
  const iso = (offsetMs: number): string => new Date(now - offsetMs).toISOString();
  db.prepare('INSERT INTO schema_version (id, version, updated_at) VALUES (1, 4, ?)').run(iso(0));
  db.prepare("INSERT INTO checkpoints (name, created_at, spec_folder, memory_snapshot, metadata) VALUES ('before-refactor', ?, NULL, ?, '{}')").run(
    iso(86_400_000),
    Buffer.from('snapshot'),
  );
  const insertRow = db.prepare(`
    INSERT INTO memory_index (id, spec_folder, file_path, anchor_id, title, trigger_phrases, importance_weight, created_at, updated_at,
      embedding_model, embedding_generated_at, embedding_status, access_count, last_accessed, importance_tier, session_id, context_type,
      content_hash, confidence, stability, difficulty, review_count, content_text, quality_score, file_mtime_ms)
    VALUES (@id, @specFolder, @filePath, NULL, @title, @triggers, 0.5, @createdAt, @updatedAt,
      @model, @generatedAt, @status, @accessCount, @lastAccessed, @tier, @session, @context,
      @hash, 0.5, 1.0, 5.0, 0, @text, 0.8, @mtime)`);
  const insertHistory = db.prepare("INSERT INTO memory_history (id, memory_id, new_value, event, timestamp, actor) VALUES (?, ?, ?, 'ADD', ?, 'system')");
  const insertLedger = db.prepare(`
    INSERT INTO mutation_ledger (timestamp, mutation_type, reason, prior_hash, new_hash, linked_memory_ids, decision_meta, actor, session_id)
    VALUES (?, 'create', 'memory_save', NULL, ?, ?, '{"tool":"memory_save"}', 'memory-server', ?)`);
  const insertVector = withVectors ? db.prepare('INSERT INTO vec_memories (rowid, embedding) VALUES (?, ?)') : undefined;
  const dimensions = options.vectorDimensions ?? 768;
  const vector = Buffer.from(new Float32Array(dimensions).fill(1 / Math.sqrt(dimensions)).buffer);
  // Ids with gaps, as a server that has deleted memories leaves them.
  let id = 1000;
  const add = (record: Pick<MemoryFileRecord, 'specFolder' | 'contentHash' | 'mtimeMs'>, metadata: MemoryMetadata, storedPath: string, key: string): void => {
    id += 1 + (id % 3);
    ids.set(key, id);
    insertRow.run({
      id,
      specFolder: record.specFolder,
      filePath: storedPath,
      title: metadata.title,
      triggers: JSON.stringify(metadata.triggerPhrases),
      createdAt: iso(7 * 86_400_000),
      updatedAt: iso(86_400_000),
      model: withVectors ? 'nomic-embed-text-v1.5' : null,
      generatedAt: withVectors ? iso(86_400_000) : null,
      status: withVectors ? 'success' : 'pending',
      accessCount: id % 7,
      lastAccessed: now - 3_600_000,
      tier: metadata.importanceTier,
      session: metadata.sessionId,
      context: metadata.contextType,
      hash: record.contentHash,
      text: metadata.title,
      mtime: record.mtimeMs,
    });
    insertHistory.run(`h-${id}`, id, record.contentHash, iso(7 * 86_400_000));
    if (options.ledger !== false) insertLedger.run(iso(7 * 86_400_000), record.contentHash, JSON.stringify([id]), metadata.sessionId);
    insertVector?.run(BigInt(id), vector);
  };
  for (const file of options.files) {
    const storedPath = options.pathStyle === 'relative' ? file.relativePath : join(options.root, file.relativePath);
    add(file, readMemoryMetadata(join(options.root, file.relativePath), file.relativePath, file.contentHash), storedPath, file.relativePath);
  }
  for (const foreign of options.foreignPaths ?? []) {
    add(
      { specFolder: 'foreign/spec', contentHash: '0'.repeat(64), mtimeMs: now },
      { title: 'Foreign memory', triggerPhrases: [], importanceTier: 'normal', contextType: 'general', sessionId: null },
      foreign,
      foreign,
    );
  }
  const first = [...ids.values()][0];
  if (first !== undefined) {
    db.prepare("INSERT INTO memory_conflicts (new_memory_hash, existing_memory_id, similarity_score, action) VALUES (?, ?, 0.93, 'REINFORCE')").run(
      'f'.repeat(64),
      first,
    );
    db.prepare("INSERT INTO causal_edges (source_id, target_id, relation, extracted_at) VALUES (?, ?, 'supports', ?)").run(first, first, iso(0));
  }
}
