import type { IndexRowSummary } from '../../workspace/index-row.js';
import type { Finding } from '../live-class.js';
import { isMemoryFilePath, specFolderOf } from '../../workspace/memory-files.js';
import { hashPair } from '../hash-pair.js';
import { locateRowPath } from '../memory-path.js';
import { byId, byPathThenId } from '../compare.js';
import type { IndexDriftState } from './index-drift-state.js';

export interface IndexDriftFindings {
  readonly findings: readonly Finding[];
  /** Rows whose file lies outside the workspace: never judged, never deleted. */
  readonly foreignRows: number;
  /**
   * Rows inside the workspace whose path is not a memory file's (the server also indexes spec
   * documents, READMEs and constitutional rules): not index-drift's to judge, never deleted.
   */
  readonly otherRows: number;
  /**
   * Of the other rows, those whose path has a memory file's shape (`<folder>/memory/<name>.md`)
   * outside the specs root: a specs root set to the wrong folder, more likely than not.
   */
  readonly memoryShapedOutsideSpecs: number;
}

/**
 * Compares the memory files with `memory_index`, the FTS index and the vectors. Pure: same state,
 * same findings, in a stable order (by kind, then path or id). A changed mtime alone is not drift;
 * a row's folder and session are routing, which session-ambiguity judges. The files are a scan's:
 * one record per path.
 *
 * What depends on the rows alone (where each row points, the id sets) is worked out once per rows
 * array and kept ({@link prepareIndexRows}), so that a caller can have it done while the files are
 * still being read, and what is left once they are is one look-up per file.
 */
export function detectIndexDrift(state: IndexDriftState): IndexDriftFindings {
  const rows = prepareIndexRows(state.rows, state.workspaceRoot, state.specsUnderRoot);
  // A file that exists but cannot be read is not gone: its row must not look orphaned, and no
  // repair can index it, so it is reported for a person instead.
  // An unreadable entry may be a whole folder that could not be listed: its files are not gone either.
  const unreadablePaths = new Set(state.unreadable.map((file) => file.relativePath));
  const unreadableFolders = state.unreadable.map((file) => `${file.relativePath}/`);
  const isUnreadable = (path: string): boolean => unreadablePaths.has(path) || unreadableFolders.some((folder) => path.startsWith(folder));
  const missing: Finding[] = [];
  const orphaned: Finding[] = [];
  const stale: Finding[] = [];
  const missingVectors: Finding[] = [];
  const vectorIds = state.vectorIds ? idSetOf(state.vectorIds) : undefined;

  // Rows with a file, judged against it; a row left unmatched has lost its file.
  const matched = new Uint8Array(state.rows.length);
  for (const file of state.files) {
    const indexes = rows.byPath.get(file.relativePath);
    if (indexes === undefined) {
      missing.push({ kind: 'missing', path: file.relativePath });
      continue;
    }
    if (isUnreadable(file.relativePath)) {
      for (const index of rowIndexes(indexes)) matched[index] = 1;
      continue;
    }
    for (const index of rowIndexes(indexes)) {
      matched[index] = 1;
      const row = state.rows[index] as IndexRowSummary;
      // A row with an anchor indexes one section of its file, and the server hashes that section, not
      // the file: comparing it with the file's hash would call every such row stale. Its file being
      // there is what index-drift can judge; the whole-file row (anchor_id NULL) carries the hash.
      if (row.anchorId === null && row.contentHash !== file.contentHash) {
        const [stored, current] = hashPair(row.contentHash, file.contentHash);
        stale.push({ kind: 'stale', memoryId: row.id, path: file.relativePath, detail: `hash ${stored} != ${current}` });
        continue;
      }
      if (vectorIds !== undefined && row.embeddingStatus === 'success' && !vectorIds.has(row.id)) {
        missingVectors.push({ kind: 'missing-vector', memoryId: row.id, path: file.relativePath });
      }
    }
  }
  state.rows.forEach((row, index) => {
    const path = rows.paths[index];
    if (path === undefined || matched[index] === 1 || isUnreadable(path)) return;
    orphaned.push({ kind: 'orphaned', memoryId: row.id, path });
  });

  const ftsOutOfStep: Finding[] = [];
  if (state.ftsIndexedIds !== undefined) {
    const ftsIds = idSetOf(state.ftsIndexedIds);
    for (const row of state.rows) {
      if (!ftsIds.has(row.id)) ftsOutOfStep.push({ kind: 'fts-out-of-step', memoryId: row.id, detail: 'row not in the FTS index' });
    }
    for (const id of ftsIds.values()) {
      if (!rows.ids.has(id)) ftsOutOfStep.push({ kind: 'fts-out-of-step', memoryId: id, detail: 'FTS entry with no row' });
    }
  }
  if (ftsOutOfStep.length === 0 && state.ftsIntegrityOk === false) {
    ftsOutOfStep.push({ kind: 'fts-out-of-step', detail: 'FTS integrity-check failed' });
  }

  const orphanedVectors: Finding[] = [];
  for (const id of state.vectorIds ?? []) {
    if (!rows.ids.has(id)) orphanedVectors.push({ kind: 'orphaned-vector', memoryId: id });
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
    foreignRows: rows.foreign,
    otherRows: rows.other,
    memoryShapedOutsideSpecs: rows.memoryShaped,
  };
}

/** What detection needs of the rows alone. */
export interface PreparedIndexRows {
  /** Each memory row's workspace-relative path, by position; `undefined` for a foreign or other row. */
  readonly paths: ReadonlyArray<string | undefined>;
  /** The positions of the rows pointing at each path: one position, or several (a file's anchor rows). */
  readonly byPath: ReadonlyMap<string, number | number[]>;
  readonly foreign: number;
  /** Rows inside the workspace at paths no memory file can have ({@link IndexDriftFindings.otherRows}). */
  readonly other: number;
  /** Of those, the ones shaped like a memory file's path ({@link IndexDriftFindings.memoryShapedOutsideSpecs}). */
  readonly memoryShaped: number;
  readonly ids: IdSet;
}

const prepared = new WeakMap<
  readonly IndexRowSummary[],
  { readonly workspaceRoot: string; readonly specsUnderRoot: string; readonly rows: PreparedIndexRows }
>();

/**
 * Where each row points and which ids there are, worked out once per rows array and workspace (the
 * run's index reads hand out the same array while nothing committed). Pure; rows are never mutated.
 */
export function prepareIndexRows(rows: readonly IndexRowSummary[], workspaceRoot: string, specsUnderRoot: string): PreparedIndexRows {
  const kept = prepared.get(rows);
  if (kept !== undefined && kept.workspaceRoot === workspaceRoot && kept.specsUnderRoot === specsUnderRoot) return kept.rows;
  const paths = new Array<string | undefined>(rows.length);
  const byPath = new Map<string, number | number[]>();
  let foreign = 0;
  let other = 0;
  let memoryShaped = 0;
  rows.forEach((row, index) => {
    const location = locateRowPath(row.filePath, workspaceRoot);
    if (location.kind === 'foreign') {
      foreign += 1;
      return;
    }
    const path = location.relativePath;
    if (!isMemoryFilePath(path, specsUnderRoot)) {
      other += 1;
      if (specFolderOf(path) !== undefined) memoryShaped += 1;
      return;
    }
    paths[index] = path;
    const earlier = byPath.get(path);
    if (earlier === undefined) byPath.set(path, index);
    else if (typeof earlier === 'number') byPath.set(path, [earlier, index]);
    else earlier.push(index);
  });
  const result: PreparedIndexRows = { paths, byPath, foreign, other, memoryShaped, ids: idSetOf(rows.map((row) => row.id)) };
  prepared.set(rows, { workspaceRoot, specsUnderRoot, rows: result });
  return result;
}

function rowIndexes(indexes: number | number[]): readonly number[] {
  return typeof indexes === 'number' ? [indexes] : indexes;
}

/** A set of ids: a bitmap when they are dense non-negative integers (row ids are), else a Set. */
interface IdSet {
  has(id: number): boolean;
  /** Each distinct id once, in first-seen order (the order a Set of the same ids gives). */
  values(): Iterable<number>;
}

const idSets = new WeakMap<readonly number[], IdSet>();

/** The id set of an array, made once per array (the FTS and vector ids are kept across a run's steps too). */
function idSetOf(ids: readonly number[]): IdSet {
  let set = idSets.get(ids);
  if (set === undefined) {
    set = idSet(ids);
    idSets.set(ids, set);
  }
  return set;
}

function idSet(ids: readonly number[]): IdSet {
  let max = -1;
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 0) return new Set(ids);
    if (id > max) max = id;
  }
  if (max > 4 * ids.length + 1024) return new Set(ids);
  const marks = new Uint8Array(max + 1);
  // Until an id comes twice, the ids themselves are the distinct ones in first-seen order: a copy
  // (100,000 entries, garbage once the step ends) is made only from the first repeat on.
  let distinct: number[] | undefined;
  ids.forEach((id, index) => {
    if (marks[id] === 1) {
      distinct ??= ids.slice(0, index);
      return;
    }
    marks[id] = 1;
    distinct?.push(id);
  });
  const values = distinct ?? ids;
  return { has: (id) => Number.isSafeInteger(id) && id >= 0 && id <= max && marks[id] === 1, values: () => values };
}

