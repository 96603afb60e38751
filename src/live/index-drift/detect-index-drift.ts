import type { Finding } from '../live-class.js';
import type { MemoryFileRecord } from '../../workspace/memory-file.js';
import { locateRowPath } from '../memory-path.js';
import { byId, byPathThenId } from '../compare.js';
import { filesByPathOf } from '../files-by-path.js';
import type { IndexDriftState } from './index-drift-state.js';

export interface IndexDriftFindings {
  readonly findings: readonly Finding[];
  /** Rows whose file lies outside the workspace: never judged, never deleted. */
  readonly foreignRows: number;
}

/**
 * Compares the memory files with `memory_index`, the FTS index and the vectors. Pure: same state,
 * same findings, in a stable order (by kind, then path or id). A changed mtime alone is not drift;
 * a row's folder and session are routing, which session-ambiguity judges.
 */
export function detectIndexDrift(state: IndexDriftState): IndexDriftFindings {
  const filesByPath = filesByPathOf(state.files);
  // A file that exists but cannot be read is not gone: its row must not look orphaned, and no
  // repair can index it, so it is reported for a person instead.
  // An unreadable entry may be a whole folder that could not be listed: its files are not gone either.
  const unreadablePaths = new Set(state.unreadable.map((file) => file.relativePath));
  const unreadableFolders = state.unreadable.map((file) => `${file.relativePath}/`);
  const isUnreadable = (path: string): boolean => unreadablePaths.has(path) || unreadableFolders.some((folder) => path.startsWith(folder));
  // The files some row names (by identity: cheaper than a second set of 100,000 paths).
  const indexed = new Set<MemoryFileRecord>();
  const missing: Finding[] = [];
  const orphaned: Finding[] = [];
  const stale: Finding[] = [];
  const missingVectors: Finding[] = [];
  const settled = new Set<number>();
  let foreignRows = 0;
  const vectorIds = state.vectorIds ? idSet(state.vectorIds) : undefined;

  for (const row of state.rows) {
    const location = locateRowPath(row.filePath, state.workspaceRoot);
    if (location.kind === 'foreign') {
      foreignRows++;
      settled.add(row.id);
      continue;
    }
    const file = filesByPath.get(location.relativePath);
    if (file !== undefined) indexed.add(file);
    if (isUnreadable(location.relativePath)) continue;
    if (file === undefined) {
      orphaned.push({ kind: 'orphaned', memoryId: row.id, path: location.relativePath });
      continue;
    }
    // A row with an anchor indexes one section of its file, and the server hashes that section, not
    // the file: comparing it with the file's hash would call every such row stale. Its file being
    // there is what index-drift can judge; the whole-file row (anchor_id NULL) carries the hash.
    if (row.anchorId === null && row.contentHash !== file.contentHash) {
      stale.push({ kind: 'stale', memoryId: row.id, path: location.relativePath, detail: `hash ${short(row.contentHash)} != ${short(file.contentHash)}` });
      continue;
    }
    if (vectorIds !== undefined && row.embeddingStatus === 'success' && !vectorIds.has(row.id)) {
      missingVectors.push({ kind: 'missing-vector', memoryId: row.id, path: location.relativePath });
    }
  }
  for (const file of state.files) {
    if (!indexed.has(file)) missing.push({ kind: 'missing', path: file.relativePath });
  }

  const rowIds = idSet(state.rows.map((row) => row.id));
  const ftsOutOfStep: Finding[] = [];
  if (state.ftsIndexedIds !== undefined) {
    const ftsIds = idSet(state.ftsIndexedIds);
    for (const row of state.rows) {
      if (!ftsIds.has(row.id)) ftsOutOfStep.push({ kind: 'fts-out-of-step', memoryId: row.id, detail: 'row not in the FTS index' });
    }
    for (const id of ftsIds.values()) {
      if (!rowIds.has(id)) ftsOutOfStep.push({ kind: 'fts-out-of-step', memoryId: id, detail: 'FTS entry with no row' });
    }
  }
  if (ftsOutOfStep.length === 0 && state.ftsIntegrityOk === false) {
    ftsOutOfStep.push({ kind: 'fts-out-of-step', detail: 'FTS integrity-check failed' });
  }

  const orphanedVectors: Finding[] = [];
  for (const id of state.vectorIds ?? []) {
    if (!rowIds.has(id)) orphanedVectors.push({ kind: 'orphaned-vector', memoryId: id });
  }

  const unreadable: Finding[] = state.unreadable.map((file) => ({ kind: 'unreadable-file', path: file.relativePath, detail: file.reason }));

  return {
    findings: [
      ...missing.sort(byPathThenId),
      ...orphaned.sort(byPathThenId),
      ...stale.sort(byPathThenId),
      ...ftsOutOfStep.sort(byId),
      ...orphanedVectors.sort(byId),
      ...missingVectors.sort(byPathThenId),
      ...unreadable.sort(byPathThenId),
    ],
    foreignRows,
  };
}

/** A set of ids: a bitmap when they are dense non-negative integers (row ids are), else a Set. */
interface IdSet {
  has(id: number): boolean;
  /** Each distinct id once, in first-seen order (the order a Set of the same ids gives). */
  values(): Iterable<number>;
}

function idSet(ids: readonly number[]): IdSet {
  let max = -1;
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 0) return new Set(ids);
    if (id > max) max = id;
  }
  if (max > 4 * ids.length + 1024) return new Set(ids);
  const marks = new Uint8Array(max + 1);
  const distinct: number[] = [];
  for (const id of ids) {
    if (marks[id] === 1) continue;
    marks[id] = 1;
    distinct.push(id);
  }
  return { has: (id) => Number.isSafeInteger(id) && id >= 0 && id <= max && marks[id] === 1, values: () => distinct };
}

function short(hash: string | null): string {
  return hash === null ? 'none' : hash.slice(0, 12);
}
