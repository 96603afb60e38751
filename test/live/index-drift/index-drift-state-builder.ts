import type { IndexDriftState } from '../../../src/live/index-drift/index-drift-state.js';
import type { IndexRow } from '../../../src/workspace/index-row.js';
import type { MemoryFileRecord } from '../../../src/workspace/memory-file.js';

/** The workspace root hand-built states use. */
export const ROOT = '/work/ws';

/** A memory file record at `specs/<folder>/memory/<name>`, hash from `tag`. */
export function file(folder: string, name: string, tag = name, sessionId: string | null = null): MemoryFileRecord {
  const relativePath = `specs/${folder}/memory/${name}`;
  return {
    relativePath,
    specFolder: folder,
    contentHash: hash(tag),
    mtimeMs: 1_700_000_000_000,
    sizeBytes: 100,
    sessionId,
  };
}

/** An index row that matches `record` exactly (relative path, same hash, folder and session), with overrides. */
export function rowFor(id: number, record: MemoryFileRecord, overrides: Partial<IndexRow> = {}): IndexRow {
  return {
    id,
    specFolder: record.specFolder,
    filePath: record.relativePath,
    anchorId: null,
    title: record.relativePath.slice(record.relativePath.lastIndexOf('/') + 1),
    triggerPhrases: '[]',
    importanceTier: 'normal',
    contextType: 'general',
    sessionId: record.sessionId,
    contentHash: record.contentHash,
    fileMtimeMs: record.mtimeMs,
    embeddingStatus: 'success',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A state with FTS and vectors in step with the rows unless said otherwise. */
export function state(files: MemoryFileRecord[], rows: IndexRow[], overrides: Partial<IndexDriftState> = {}): IndexDriftState {
  return {
    workspaceRoot: ROOT,
    specsUnderRoot: 'specs',
    files,
    unreadable: [],
    rows,
    ftsIndexedIds: rows.map((row) => row.id),
    ftsIntegrityOk: true,
    vectorIds: rows.map((row) => row.id),
    ...overrides,
  };
}

/** A fake 64-hex-digit hash that differs per tag. */
export function hash(tag: string): string {
  let value = 0;
  for (const char of tag) value = (Math.imul(value, 31) + char.charCodeAt(0)) >>> 0;
  return value.toString(16).padStart(8, '0').repeat(8);
}
