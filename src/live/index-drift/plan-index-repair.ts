import type { IndexRowSummary } from '../../workspace/index-row.js';
import type { MemoryFileRecord } from '../../workspace/memory-file.js';
import type { Finding, PlannedChange } from '../live-class.js';
import { locateRowPath } from '../memory-path.js';
import { fileByPathOf } from '../files-by-path.js';
import type { IndexDriftState } from './index-drift-state.js';
import { tooManyOrphans } from './orphan-allowance.js';
import { prepareIndexRows } from './detect-index-drift.js';

/** One change to the index; `apply-index-repair` carries them out. */
export type IndexRepairOperation =
  | { readonly op: 'insert-row'; readonly file: MemoryFileRecord }
  | { readonly op: 'refresh-row'; readonly row: IndexRowSummary; readonly file: MemoryFileRecord }
  | { readonly op: 'delete-row'; readonly row: IndexRowSummary; readonly relativePath: string }
  | { readonly op: 'rebuild-fts' }
  | { readonly op: 'delete-vector'; readonly memoryId: number }
  | { readonly op: 'reset-embedding'; readonly row: IndexRowSummary };

/**
 * The repair for the findings: insert missing rows, refresh stale ones, delete orphaned ones (with
 * their vectors), rebuild FTS once if any of it is out of step (or the rows change and a trigger
 * that would keep FTS in step is missing), drop orphaned vectors, and mark rows
 * that claim a vector they lack as pending. Orphaned rows are deleted only within the allowance
 * (`maxOrphanedShare` of the rows, orphan-allowance.ts): past it, none are, and a person decides.
 * Pure; the files are never part of a plan.
 */
export function planIndexRepair(state: IndexDriftState, findings: readonly Finding[], maxOrphanedShare: number): IndexRepairOperation[] {
  const deleteOrphans = withheldOrphans(state, findings, maxOrphanedShare).length === 0;
  const fileAt = fileByPathOf(state.files);
  // Only the rows a finding names (the last of a duplicated id, as a Map of them all would keep).
  const named = new Set<number>();
  for (const finding of findings) if (finding.memoryId !== undefined) named.add(finding.memoryId);
  const rowsById = new Map<number, IndexRowSummary>();
  for (const row of state.rows) if (named.has(row.id)) rowsById.set(row.id, row);
  const operations: IndexRepairOperation[] = [];
  let ftsRebuild = false;
  for (const finding of findings) {
    const row = finding.memoryId !== undefined ? rowsById.get(finding.memoryId) : undefined;
    const file = finding.path !== undefined ? fileAt(finding.path) : undefined;
    switch (finding.kind) {
      case 'missing':
        if (file) operations.push({ op: 'insert-row', file });
        break;
      case 'stale':
        if (row && file) operations.push({ op: 'refresh-row', row, file });
        break;
      case 'orphaned':
        if (deleteOrphans && row && finding.path !== undefined) operations.push({ op: 'delete-row', row, relativePath: finding.path });
        break;
      case 'fts-out-of-step':
        ftsRebuild = true;
        break;
      case 'orphaned-vector':
        if (finding.memoryId !== undefined) operations.push({ op: 'delete-vector', memoryId: finding.memoryId });
        break;
      case 'missing-vector':
        if (row) operations.push({ op: 'reset-embedding', row });
        break;
    }
  }
  // Where no trigger carries some write of memory_index over to FTS, the repair's own row changes
  // would leave FTS out of step, and its verify would fail on what it did itself.
  const changesRows = operations.some((operation) => operation.op !== 'delete-vector');
  if (changesRows && (state.ftsTriggerGaps?.length ?? 0) > 0) ftsRebuild = true;
  // Rebuilt last, so it indexes the rows as the other operations leave them.
  if (ftsRebuild) operations.push({ op: 'rebuild-fts' });
  return operations;
}

/**
 * The orphaned findings the repair leaves for a person: all of them when they are more of the state's
 * rows than one heal deletes (orphan-allowance.ts), else none.
 */
export function withheldOrphans(state: IndexDriftState, findings: readonly Finding[], maxOrphanedShare: number): Finding[] {
  const orphaned = findings.filter((finding) => finding.kind === 'orphaned');
  return tooManyOrphans(orphaned.length, memoryRowCount(state), maxOrphanedShare) ? orphaned : [];
}

/**
 * The rows the share of orphans is taken of: the workspace's memory rows. Foreign rows (another
 * checkout's, in a shared database) and rows for other files say nothing about whether this
 * workspace's memory files went missing, and counting them would let a heal delete more.
 */
export function memoryRowCount(state: IndexDriftState): number {
  const rows = prepareIndexRows(state.rows, state.workspaceRoot, state.specsUnderRoot);
  return state.rows.length - rows.foreign - rows.other;
}

/** How an operation is shown in a plan (`--dry-run`) and in what a repair reports. */
export function describeIndexOperation(operation: IndexRepairOperation, workspaceRoot: string): PlannedChange {
  switch (operation.op) {
    case 'insert-row':
      return { action: 'insert-row', path: operation.file.relativePath, detail: 'from the file, embedding pending; ledger: create' };
    case 'refresh-row':
      return { action: 'refresh-row', memoryId: operation.row.id, path: operation.file.relativePath, detail: 'new hash and metadata, embedding pending, vector dropped; ledger: update' };
    case 'delete-row':
      return { action: 'delete-row', memoryId: operation.row.id, path: operation.relativePath, detail: 'file is gone; vector dropped; ledger: delete' };
    case 'rebuild-fts':
      return { action: 'rebuild-fts', detail: 'rebuild memory_fts from memory_index' };
    case 'delete-vector':
      return { action: 'delete-vector', memoryId: operation.memoryId, detail: 'vector with no memory row' };
    case 'reset-embedding': {
      const location = locateRowPath(operation.row.filePath, workspaceRoot);
      return {
        action: 'reset-embedding',
        memoryId: operation.row.id,
        ...(location.kind === 'inside' ? { path: location.relativePath } : {}),
        detail: 'marked embedded but has no vector: embedding pending; ledger: reindex',
      };
    }
  }
}
