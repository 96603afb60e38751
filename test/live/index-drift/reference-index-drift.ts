// The plainest reading of index-drift detection, row by row, kept as the oracle detectIndexDrift
// (which works out the rows' side ahead and then looks each file up once) is checked against.
import type { Finding } from '../../../src/live/live-class.js';
import { hashPair } from '../../../src/live/hash-pair.js';
import { locateRowPath } from '../../../src/live/memory-path.js';
import { byId, byPathThenId } from '../../../src/live/compare.js';
import type { IndexDriftState } from '../../../src/live/index-drift/index-drift-state.js';
import type { IndexDriftFindings } from '../../../src/live/index-drift/detect-index-drift.js';

export function referenceIndexDrift(state: IndexDriftState): IndexDriftFindings {
  const fileAt = (path: string) => [...state.files].reverse().find((file) => file.relativePath === path);
  const isUnreadable = (path: string): boolean => state.unreadable.some((entry) => path === entry.relativePath || path.startsWith(`${entry.relativePath}/`));
  const findings: Finding[] = [];
  const rowPaths: string[] = [];
  let foreignRows = 0;
  let otherRows = 0;
  let memoryShapedOutsideSpecs = 0;
  for (const row of state.rows) {
    const location = locateRowPath(row.filePath, state.workspaceRoot);
    if (location.kind === 'foreign') {
      foreignRows++;
      continue;
    }
    const path = location.relativePath;
    // A memory file's path: <specs root>/<spec folder>/memory/<name>.md, spelled out.
    const underSpecs = path.startsWith(`${state.specsUnderRoot}/`) ? path.slice(state.specsUnderRoot.length + 1).split('/') : [];
    const isMemoryPath =
      underSpecs.length >= 3 &&
      underSpecs.at(-2) === 'memory' &&
      !underSpecs.slice(0, -2).some((part) => part === '..') &&
      (underSpecs.at(-1) as string).endsWith('.md') &&
      (underSpecs.at(-1) as string).length > 3;
    if (!isMemoryPath) {
      otherRows++;
      const parts = path.split('/');
      if (parts.length >= 3 && parts.at(-2) === 'memory' && !parts.includes('..') && (parts.at(-1) as string).endsWith('.md') && (parts.at(-1) as string).length > 3) memoryShapedOutsideSpecs++;
      continue;
    }
    rowPaths.push(path);
    if (isUnreadable(path)) continue;
    const file = fileAt(path);
    if (file === undefined) findings.push({ kind: 'orphaned', memoryId: row.id, path });
    else if (row.anchorId === null && row.contentHash !== file.contentHash) {
      findings.push({ kind: 'stale', memoryId: row.id, path, detail: `hash ${hashPair(row.contentHash, file.contentHash).join(' != ')}` });
    } else if (state.vectorIds !== undefined && row.embeddingStatus === 'success' && !state.vectorIds.includes(row.id)) {
      findings.push({ kind: 'missing-vector', memoryId: row.id, path });
    }
  }
  for (const file of state.files) if (!rowPaths.includes(file.relativePath)) findings.push({ kind: 'missing', path: file.relativePath });
  const rowIds = state.rows.map((row) => row.id);
  const fts: Finding[] = [];
  if (state.ftsIndexedIds !== undefined) {
    for (const row of state.rows) if (!state.ftsIndexedIds.includes(row.id)) fts.push({ kind: 'fts-out-of-step', memoryId: row.id, detail: 'row not in the FTS index' });
    for (const id of new Set(state.ftsIndexedIds)) if (!rowIds.includes(id)) fts.push({ kind: 'fts-out-of-step', memoryId: id, detail: 'FTS entry with no row' });
  }
  if (fts.length === 0 && state.ftsIntegrityOk === false) fts.push({ kind: 'fts-out-of-step', detail: 'FTS integrity-check failed' });
  const orphanedVectors = (state.vectorIds ?? []).filter((id) => !rowIds.includes(id)).map((id): Finding => ({ kind: 'orphaned-vector', memoryId: id }));
  const ofKind = (kind: string): Finding[] => findings.filter((finding) => finding.kind === kind).sort(byPathThenId);
  return {
    findings: [
      ...ofKind('missing'),
      ...ofKind('orphaned'),
      ...ofKind('stale'),
      ...fts.sort(byId),
      ...orphanedVectors.sort(byId),
      ...ofKind('missing-vector'),
      ...state.unreadable.map((entry): Finding => ({ kind: 'unreadable-file', path: entry.relativePath, detail: entry.reason })).sort(byPathThenId),
    ],
    foreignRows,
    otherRows,
    memoryShapedOutsideSpecs,
  };
}
