import { readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generateWorkspace, type GenerationReport } from '../../src/workspace/generate-workspace.js';
import { openIndexDatabase } from '../../src/workspace/index-database.js';
import { ledgerGuards, readFtsIndexedIds, readIndexRows, readLedgerEntries, readVectorIds } from '../../src/workspace/index-reads.js';
import { LEDGER_TRIGGERS } from '../../src/workspace/ledger-entry.js';
import { readMemoryMetadata } from '../../src/workspace/memory-file-reader.js';
import { scanMemoryFiles } from '../../src/workspace/memory-files.js';
import { DEFAULT_DB_PATH } from '../../src/workspace/workspace-paths.js';
import { defaultPaths, useTemporaryFolders } from './temporary-folder.js';

const NOW = Date.UTC(2026, 1, 22, 12, 0, 0);
const MEMORIES = 300;

/** Every file under `root` (the database excluded), with its bytes and mtime. */
function snapshotFiles(root: string): Array<[string, string, number]> {
  const out: Array<[string, string, number]> = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!path.includes('.opencode')) out.push([relative(root, path), readFileSync(path, 'base64'), statSync(path).mtimeMs]);
    }
  };
  walk(root);
  return out;
}

function snapshotDatabase(root: string): unknown {
  const { db } = openIndexDatabase(join(root, DEFAULT_DB_PATH), { readonly: true });
  try {
    return {
      rows: readIndexRows(db),
      ledger: readLedgerEntries(db),
      vectors: db.prepare('SELECT rowid, embedding FROM vec_memories ORDER BY rowid').all(),
    };
  } finally {
    db.close();
  }
}

describe('generateWorkspace', () => {
  const shared: string[] = [];
  let first: { root: string; report: GenerationReport };
  beforeAll(() => {
    const root = join(mkdtempSync(join(tmpdir(), 'opsheal-generated-')), 'workspace');
    shared.push(root);
    const progress: Array<[number, number]> = [];
    const report = generateWorkspace(root, { memories: MEMORIES, seed: 42, now: NOW, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress.at(-1)).toEqual([MEMORIES, MEMORIES]);
    first = { root, report };
  });
  afterAll(() => {
    for (const root of shared) rmSync(join(root, '..'), { recursive: true, force: true });
  });
  const temporaryFolder = useTemporaryFolders();

  it('reports what it made', () => {
    expect(first.report).toMatchObject({ memories: MEMORIES, vectors: 'written', vectorsWritten: MEMORIES, dbPath: join(first.root, DEFAULT_DB_PATH) });
    expect(first.report.ledgerEntries).toBe(MEMORIES + first.report.updatedMemories);
    expect(first.report.updatedMemories).toBeGreaterThan(MEMORIES * 0.04);
    expect(first.report.updatedMemories).toBeLessThan(MEMORIES * 0.2);
    expect(first.report.specFolders).toBeGreaterThan(MEMORIES / 41);
    expect(first.report.sessions).toBeGreaterThan(10);
  });

  it('makes the same bytes, mtimes and rows for the same seed and now, and others for another seed', () => {
    const again = join(temporaryFolder(), 'again');
    generateWorkspace(again, { memories: MEMORIES, seed: 42, now: NOW });
    expect(snapshotFiles(again)).toEqual(snapshotFiles(first.root));
    expect(snapshotDatabase(again)).toEqual(snapshotDatabase(first.root));
    const other = join(temporaryFolder(), 'other');
    generateWorkspace(other, { memories: MEMORIES, seed: 43, now: NOW });
    expect(snapshotFiles(other)).not.toEqual(snapshotFiles(first.root));
  });

  it('writes an index that matches the files exactly: one row per file with its hash, metadata and mtime', () => {
    const { files, unreadable } = scanMemoryFiles(defaultPaths(first.root));
    expect(unreadable).toEqual([]);
    expect(files).toHaveLength(MEMORIES);
    const { db } = openIndexDatabase(first.report.dbPath, { readonly: true });
    try {
      const rows = new Map(readIndexRows(db).map((row) => [row.filePath, row]));
      expect(rows.size).toBe(MEMORIES);
      for (const file of files) {
        const metadata = readMemoryMetadata(join(first.root, file.relativePath), file.relativePath, file.contentHash);
        expect(rows.get(file.relativePath)).toMatchObject({
          specFolder: file.specFolder,
          contentHash: file.contentHash,
          fileMtimeMs: file.mtimeMs,
          title: metadata.title,
          triggerPhrases: JSON.stringify(metadata.triggerPhrases),
          importanceTier: metadata.importanceTier,
          contextType: metadata.contextType,
          sessionId: metadata.sessionId,
        });
        expect(file.sessionId).toBe(metadata.sessionId);
        expect(rows.get(file.relativePath)).toMatchObject({
          embeddingStatus: 'success',
          anchorId: null,
        });
        expect(file.sizeBytes).toBeGreaterThan(400);
        expect(file.sizeBytes).toBeLessThan(4000);
      }
    } finally {
      db.close();
    }
  });

  it('uses each session id in exactly one spec folder, and nests some spec folders', () => {
    const { files } = scanMemoryFiles(defaultPaths(first.root));
    const folders = new Map<string, Set<string>>();
    for (const file of files) {
      if (file.sessionId === null) continue;
      const set = folders.get(file.sessionId) ?? new Set<string>();
      set.add(file.specFolder);
      folders.set(file.sessionId, set);
    }
    expect(folders.size).toBe(first.report.sessions);
    expect([...folders.values()].every((set) => set.size === 1)).toBe(true);
    expect(files.some((file) => file.specFolder.includes('/'))).toBe(true);
    expect(files.some((file) => !file.specFolder.includes('/'))).toBe(true);
  });

  it('records each memory in the ledger: its latest entry carries the current hash, a create comes first', () => {
    const { db } = openIndexDatabase(first.report.dbPath, { readonly: true });
    try {
      const rows = readIndexRows(db);
      const entries = readLedgerEntries(db);
      expect(entries.map((entry) => entry.timestamp)).toEqual([...entries.map((entry) => entry.timestamp)].sort());
      for (const row of rows) {
        const linked = entries.filter((entry) => entry.linkedMemoryIds.includes(row.id));
        expect(linked[0]).toMatchObject({ mutationType: 'create', priorHash: null, actor: 'memory-server' });
        expect(linked.at(-1)?.newHash).toBe(row.contentHash);
        if (linked.length === 2) expect(linked[1]).toMatchObject({ mutationType: 'update', priorHash: linked[0]?.newHash });
        expect(JSON.parse(linked[0]?.decisionMeta ?? 'null')).toMatchObject({ tool: 'memory_save', file_path: row.filePath });
      }
    } finally {
      db.close();
    }
  });

  it('writes a sound database: integrity and FTS checks pass, FTS and vectors cover every row, the ledger is guarded', () => {
    const { db } = openIndexDatabase(first.report.dbPath, {});
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(() => db.prepare("INSERT INTO memory_fts(memory_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow();
      const ids = readIndexRows(db).map((row) => row.id);
      expect(readFtsIndexedIds(db)).toEqual(ids);
      expect(readVectorIds(db)).toEqual(ids);
      expect(ledgerGuards(db)).toEqual({ working: [...LEDGER_TRIGGERS], faults: {} });
      expect(() => db.exec("UPDATE mutation_ledger SET reason = 'x' WHERE id = 1")).toThrow(/append-only/);
      expect(() => db.exec('DELETE FROM mutation_ledger WHERE id = 1')).toThrow(/append-only/);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const match = db.prepare("SELECT count(*) AS n FROM memory_fts WHERE memory_fts MATCH 'retry'").get() as { n: number };
      expect(match.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('writes spec documents beside the memory folders, which a scan ignores', () => {
    const topLevel = readdirSync(join(first.root, 'specs')).filter((name) => name !== 'README.md');
    expect(topLevel.length).toBe(first.report.topLevelSpecs);
    for (const name of topLevel) expect(statSync(join(first.root, 'specs', name, 'spec.md')).isFile()).toBe(true);
  });

  it('refuses a folder that is not empty, and accepts an empty one', () => {
    const full = temporaryFolder();
    writeFileSync(join(full, 'keep.txt'), 'mine');
    expect(() => generateWorkspace(full, { memories: 5, seed: 1, now: NOW })).toThrow(`cannot generate a workspace in ${full}: the folder is not empty`);
    expect(readdirSync(full)).toEqual(['keep.txt']);
    const empty = join(temporaryFolder(), 'empty');
    mkdirSync(empty);
    expect(generateWorkspace(empty, { memories: 5, seed: 1, now: NOW }).memories).toBe(5);
  });

  it.each([
    [{ memories: -1 }, 'memories must be a non-negative integer, got -1'],
    [{ memories: 1.5 }, 'memories must be a non-negative integer, got 1.5'],
    [{ seed: Number.NaN }, 'seed must be an integer, got NaN'],
    [{ now: Number.POSITIVE_INFINITY }, 'now must be a time in milliseconds since 1970, got Infinity'],
  ])('refuses bad options %o with a message naming the field', (override, message) => {
    expect(() => generateWorkspace(join(temporaryFolder(), 'x'), { memories: 5, seed: 1, now: NOW, ...override })).toThrow(message);
  });
});
