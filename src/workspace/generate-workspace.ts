import { closeSync, fstatSync, futimesSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { seededRandom, type SeededRandom } from './seeded-random.js';
import { contentHashOfText } from './content-hash.js';
import { parseMemoryMetadata } from './front-matter.js';
import { drawSampleMemory, renderSampleMemory } from './sample-memory-text.js';
import { planSampleLayout } from './sample-layout.js';
import { SAMPLE_VECTOR_DIMENSIONS, SERVER_SCHEMA_DDL, VEC_MEMORIES_DDL } from './server-schema.js';
import { DEFAULT_DB_PATH } from './workspace-paths.js';

export interface GenerateWorkspaceOptions {
  /** How many memory files to write (a non-negative integer). */
  readonly memories: number;
  /** Same seed and `now`, same workspace: every file byte and every row. */
  readonly seed: number;
  /** The generator's "now", in milliseconds since 1970: every timestamp and mtime lies before it. */
  readonly now: number;
  /** Called every 1,000 memories and once at the end. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What the generator made. */
export interface GenerationReport {
  /** The workspace folder, absolute. */
  readonly root: string;
  /** The index database, absolute (the server's default place in the workspace). */
  readonly dbPath: string;
  readonly memories: number;
  /** Spec folders that hold a memory folder. */
  readonly specFolders: number;
  /** Top-level spec folders (some hold only nested specs). */
  readonly topLevelSpecs: number;
  readonly sessions: number;
  readonly ledgerEntries: number;
  /** Memories whose ledger history is a create and a later update. */
  readonly updatedMemories: number;
  readonly vectors: 'written' | 'unavailable';
  readonly vectorsWritten: number;
  /** Why no vectors were written, when sqlite-vec did not load. */
  readonly vectorNote?: string;
  /** Bytes of memory files written. */
  readonly memoryBytes: number;
}

/** Share of memories whose ledger shows an earlier version and an update to the current one. */
const UPDATED_SHARE = 0.1;
const DAY_MS = 24 * 60 * 60 * 1000;
const PROGRESS_EVERY = 1_000;

/**
 * Writes a realistic sample workspace into `dir` (created; refused when it exists and is not an
 * empty folder): memory files with front matter across nested spec folders, and at the server's
 * default path an index database that matches them exactly (rows, FTS through its triggers,
 * 8-dimensional vectors when sqlite-vec loads, a ledger that records each memory's creation and,
 * for about 10%, a later update). Every session id lives in one spec folder only. Deterministic for
 * a seed and `now`: no clock, no unseeded randomness; file mtimes are set from `now`. No telemetry
 * files are written. All rows are written in one transaction.
 */
export function generateWorkspace(dir: string, options: GenerateWorkspaceOptions): GenerationReport {
  validateOptions(options);
  const root = resolve(dir);
  prepareEmptyFolder(root);
  const random = seededRandom(options.seed);
  // Whole seconds: every file system stores them exactly, so mtimes read back as written.
  const nowMs = Math.floor(options.now / 1000) * 1000;
  const layout = planSampleLayout(random, options.memories);
  const specsRoot = join(root, 'specs');
  mkdirSync(specsRoot, { recursive: true });
  writeText(join(specsRoot, 'README.md'), '# Specs\n\nOne folder per feature; memories live in each `memory/` folder.\n', nowMs);
  const specFolders = new Set([...layout.topLevelSpecs, ...layout.memoryFolders.map((folder) => folder.specFolder)]);
  for (const specFolder of specFolders) writeSpecDocs(join(specsRoot, specFolder), specFolder, nowMs);

  const dbPath = join(root, DEFAULT_DB_PATH);
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  try {
    // A throwaway file being built from scratch: no journal, no syncs until it is complete.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    // A big page cache keeps the B-trees of one large transaction in memory (64 MB, freed on close).
    db.pragma('cache_size = -65536');
    db.exec(SERVER_SCHEMA_DDL);
    const vectors = loadVectors(db);
    const writer = new SampleWriter(db, random, vectors.loaded, nowMs, specsRoot, options);
    db.transaction(() => {
      for (const folder of layout.memoryFolders) writer.writeFolder(folder.specFolder, folder.memories);
      writer.writeLedger();
    })();
    // The memory server runs its database in WAL mode; so does the sample.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    options.onProgress?.(options.memories, options.memories);
    return {
      root,
      dbPath,
      memories: options.memories,
      specFolders: layout.memoryFolders.length,
      topLevelSpecs: layout.topLevelSpecs.length,
      sessions: writer.sessions.size,
      ledgerEntries: writer.ledgerEntries,
      updatedMemories: writer.updatedMemories,
      vectors: vectors.loaded ? 'written' : 'unavailable',
      vectorsWritten: writer.vectorsWritten,
      ...(vectors.note === undefined ? {} : { vectorNote: vectors.note }),
      memoryBytes: writer.memoryBytes,
    };
  } finally {
    db.close();
  }
}

/** A ledger entry waiting to be written: the ledger is in time order, so all are sorted first. */
interface PendingLedgerEntry {
  readonly timestampMs: number;
  readonly memoryId: number;
  /** 0 for a create, 1 for an update: a create comes first at the same instant. */
  readonly order: number;
  readonly values: readonly unknown[];
}

/** Writes the memories of each folder, their rows and vectors, and gathers their ledger entries. */
class SampleWriter {
  readonly sessions = new Set<string>();
  ledgerEntries = 0;
  updatedMemories = 0;
  vectorsWritten = 0;
  memoryBytes = 0;
  private nextId = 1;
  // Session ids drawn so far, used or not (a session whose memories all lack front matter is unused).
  private readonly reserved = new Set<string>();
  private readonly pendingLedger: PendingLedgerEntry[] = [];
  private readonly insertRow: Database.Statement;
  private readonly insertVector: Database.Statement | undefined;
  private readonly insertLedger: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly random: SeededRandom,
    vectorsLoaded: boolean,
    private readonly nowMs: number,
    private readonly specsRoot: string,
    private readonly options: GenerateWorkspaceOptions,
  ) {
    this.insertRow = db.prepare(
      `INSERT INTO memory_index (id, spec_folder, file_path, anchor_id, title, trigger_phrases, importance_tier, context_type,
         session_id, content_hash, file_mtime_ms, embedding_status, created_at, updated_at)
       VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertVector = vectorsLoaded ? db.prepare('INSERT INTO vec_memories (rowid, embedding) VALUES (?, ?)') : undefined;
    this.insertLedger = db.prepare(
      `INSERT INTO mutation_ledger (timestamp, mutation_type, reason, prior_hash, new_hash, linked_memory_ids, decision_meta, actor, session_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  writeFolder(specFolder: string, count: number): void {
    const folder = join(this.specsRoot, specFolder, 'memory');
    mkdirSync(folder, { recursive: true });
    const names = new Set<string>();
    let session: string | null = null;
    let leftInSession = 0;
    for (let index = 0; index < count; index += 1) {
      if (leftInSession === 0) {
        // Sessions are made per memory folder, so no session spans two spec folders.
        session = this.random.next() < 0.9 ? this.newSessionId() : null;
        leftInSession = 1 + this.random.int(6);
      }
      leftInSession -= 1;
      this.writeMemory(specFolder, folder, names, session);
    }
  }

  private writeMemory(specFolder: string, folder: string, names: Set<string>, session: string | null): void {
    const id = this.nextId;
    this.nextId += 1;
    const fields = drawSampleMemory(this.random, session);
    const createdMs = this.nowMs - (1 + this.random.int(365 * 24 * 60 * 60)) * 1000;
    const updated = this.random.next() < UPDATED_SHARE;
    const updatedMs = updated ? Math.min(this.nowMs, createdMs + (3600 + this.random.int(30 * 24 * 60 * 60)) * 1000) : createdMs;
    const text = renderSampleMemory(this.random, fields);
    const fileName = uniqueName(names, `${new Date(createdMs).toISOString().slice(0, 10)}__${kebab(fields.title)}`);
    const relativePath = `specs/${specFolder}/memory/${fileName}`;
    const mtimeMs = writeText(join(folder, fileName), text, updatedMs);
    this.memoryBytes += Buffer.byteLength(text, 'utf8');
    // The row is built from what a scan will read back, so a fresh sample has no drift by construction.
    const metadata = parseMemoryMetadata(text, fileName);
    const hash = contentHashOfText(text);
    if (metadata.sessionId !== null) this.sessions.add(metadata.sessionId);
    this.insertRow.run(
      id,
      specFolder,
      relativePath,
      metadata.title,
      JSON.stringify(metadata.triggerPhrases),
      metadata.importanceTier,
      metadata.contextType,
      metadata.sessionId,
      hash,
      mtimeMs,
      this.insertVector === undefined ? 'pending' : 'success',
      new Date(createdMs).toISOString(),
      new Date(updatedMs).toISOString(),
    );
    if (this.insertVector !== undefined) {
      this.insertVector.run(BigInt(id), sampleVector(hash));
      this.vectorsWritten += 1;
    }
    const meta = (extra: Record<string, unknown>): string =>
      JSON.stringify({ tool: 'memory_save', spec_folder: specFolder, file_path: relativePath, ...extra });
    if (updated) {
      const earlierHash = contentHashOfText(`${text}\n<!-- earlier draft -->\n`);
      this.pendingLedger.push(
        ledger(createdMs, id, 0, ['create', 'memory_save: new memory indexed', null, earlierHash, id, meta({ tier: metadata.importanceTier }), metadata.sessionId]),
        ledger(updatedMs, id, 1, ['update', 'memory_save: content changed', earlierHash, hash, id, meta({ change: 'content' }), metadata.sessionId]),
      );
      this.updatedMemories += 1;
    } else {
      this.pendingLedger.push(
        ledger(createdMs, id, 0, ['create', 'memory_save: new memory indexed', null, hash, id, meta({ tier: metadata.importanceTier }), metadata.sessionId]),
      );
    }
    const done = id;
    if (done % PROGRESS_EVERY === 0) this.options.onProgress?.(done, this.options.memories);
  }

  /** Writes the gathered ledger entries in time order (ties: memory id, then create before update). */
  writeLedger(): void {
    this.pendingLedger.sort((a, b) => a.timestampMs - b.timestampMs || a.memoryId - b.memoryId || a.order - b.order);
    for (const entry of this.pendingLedger) this.insertLedger.run(...entry.values);
    this.ledgerEntries = this.pendingLedger.length;
    this.pendingLedger.length = 0;
  }

  private newSessionId(): string {
    for (;;) {
      const id = `ses_${hex(this.random, 6)}${hex(this.random, 6)}`;
      if (!this.reserved.has(id)) {
        this.reserved.add(id);
        return id;
      }
    }
  }
}

function ledger(
  timestampMs: number,
  memoryId: number,
  order: number,
  [type, reason, priorHash, newHash, id, decisionMeta, sessionId]: readonly [string, string, string | null, string, number, string, string | null],
): PendingLedgerEntry {
  return {
    timestampMs,
    memoryId,
    order,
    values: [new Date(timestampMs).toISOString(), type, reason, priorHash, newHash, JSON.stringify([id]), decisionMeta, 'memory-server', sessionId],
  };
}

/** A deterministic unit vector drawn from the content hash: only its presence is ever checked. */
function sampleVector(hash: string): Buffer {
  const vector = new Float32Array(SAMPLE_VECTOR_DIMENSIONS);
  let norm = 0;
  for (let index = 0; index < SAMPLE_VECTOR_DIMENSIONS; index += 1) {
    const value = parseInt(hash.slice(index * 4, index * 4 + 4), 16) / 0xffff - 0.5;
    vector[index] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 1;
  for (let index = 0; index < SAMPLE_VECTOR_DIMENSIONS; index += 1) vector[index] = (vector[index] as number) * scale;
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function loadVectors(db: Database.Database): { loaded: boolean; note?: string } {
  try {
    sqliteVec.load(db);
    db.exec(VEC_MEMORIES_DDL);
    return { loaded: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { loaded: false, note: `no vectors written: sqlite-vec did not load (${reason})` };
  }
}

/** Writes a file and sets its mtime (and atime); returns the mtime as the file system reports it (ms). */
function writeText(path: string, text: string, mtimeMs: number): number {
  const bytes = Buffer.from(text, 'utf8');
  const descriptor = openSync(path, 'wx');
  try {
    for (let written = 0; written < bytes.length; ) written += writeSync(descriptor, bytes, written, bytes.length - written);
    const seconds = mtimeMs / 1000;
    futimesSync(descriptor, seconds, seconds);
    return Math.floor(fstatSync(descriptor).mtimeMs);
  } finally {
    closeSync(descriptor);
  }
}

function writeSpecDocs(folder: string, specFolder: string, nowMs: number): void {
  mkdirSync(folder, { recursive: true });
  const title = (specFolder.split('/').pop() ?? specFolder).replace(/^\d+-/, '').replace(/-/g, ' ');
  writeText(join(folder, 'spec.md'), `# Spec: ${title}\n\n## Problem\n\nWhat this spec folder is for.\n`, nowMs - 400 * DAY_MS);
  writeText(join(folder, 'plan.md'), `# Plan: ${title}\n\n1. Investigate\n2. Implement\n3. Verify\n`, nowMs - 399 * DAY_MS);
}

/**
 * Why no workspace can be generated at `root` (something that is not a folder is there, or a folder
 * that is not empty), or `undefined` when one can: nothing is there yet, or an empty folder. Commands
 * ask before they print or make anything, so that a wrong folder is a usage error.
 */
export function generationTargetProblem(root: string): string | undefined {
  const stats = statSync(root, { throwIfNoEntry: false });
  if (stats === undefined) return undefined;
  if (!stats.isDirectory()) return `cannot generate a workspace at ${root}: it exists and is not a folder`;
  if (readdirSync(root).length > 0) return `cannot generate a workspace in ${root}: the folder is not empty`;
  return undefined;
}

function prepareEmptyFolder(root: string): void {
  const problem = generationTargetProblem(root);
  if (problem !== undefined) throw new Error(problem);
  mkdirSync(root, { recursive: true });
}

function validateOptions(options: GenerateWorkspaceOptions): void {
  if (!Number.isSafeInteger(options.memories) || options.memories < 0) {
    throw new Error(`memories must be a non-negative integer, got ${String(options.memories)}`);
  }
  if (!Number.isSafeInteger(options.seed)) throw new Error(`seed must be an integer, got ${String(options.seed)}`);
  if (!Number.isFinite(options.now) || options.now < 400 * DAY_MS) {
    throw new Error(`now must be a time in milliseconds since 1970, got ${String(options.now)}`);
  }
}

function uniqueName(taken: Set<string>, stem: string): string {
  let name = `${stem}.md`;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${stem}-${suffix}.md`;
  taken.add(name);
  return name;
}

function kebab(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function hex(random: SeededRandom, digits: number): string {
  return random
    .int(16 ** digits)
    .toString(16)
    .padStart(digits, '0');
}
