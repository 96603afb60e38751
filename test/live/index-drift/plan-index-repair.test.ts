import { describe, expect, it } from 'vitest';
import { detectIndexDrift } from '../../../src/live/index-drift/detect-index-drift.js';
import { describeIndexOperation, planIndexRepair } from '../../../src/live/index-drift/plan-index-repair.js';
import { file, hash, ROOT, rowFor, state } from './index-drift-state-builder.js';

const a = file('001-alpha', 'a.md');
const b = file('001-alpha', 'b.md');
const c = file('002-beta', 'c.md');

function planFor(input: ReturnType<typeof state>) {
  return planIndexRepair(input, detectIndexDrift(input).findings, 1);
}

describe('planIndexRepair', () => {
  it('plans nothing for a state without drift', () => {
    expect(planFor(state([a, b], [rowFor(1, a), rowFor(2, b)]))).toEqual([]);
  });

  it('inserts a missing file, refreshes a stale row, deletes an orphaned one, drops an orphaned vector and resets a missing one', () => {
    const stale = rowFor(2, b, { contentHash: hash('old') });
    const orphan = rowFor(3, file('009-gone', 'z.md'));
    const vectorless = rowFor(4, c);
    const input = state([a, b, c], [stale, orphan, vectorless], { vectorIds: [2, 3, 99] });
    expect(planFor(input)).toEqual([
      { op: 'insert-row', file: a },
      { op: 'delete-row', row: orphan, relativePath: 'specs/009-gone/memory/z.md' },
      { op: 'refresh-row', row: stale, file: b },
      { op: 'delete-vector', memoryId: 99 },
      { op: 'reset-embedding', row: vectorless },
    ]);
  });

  it('rebuilds FTS once, after every other operation, however many entries are out of step', () => {
    const input = state([a, b, c], [rowFor(1, a), rowFor(2, b)], { ftsIndexedIds: [7, 8] });
    const plan = planFor(input);
    expect(plan.map((operation) => operation.op)).toEqual(['insert-row', 'rebuild-fts']);
  });

  it('rebuilds FTS when only its integrity check failed', () => {
    expect(planFor(state([a], [rowFor(1, a)], { ftsIntegrityOk: false }))).toEqual([{ op: 'rebuild-fts' }]);
  });

  it('plans nothing for an unreadable file, a foreign row, or a finding it cannot resolve', () => {
    const foreign = rowFor(5, a, { filePath: '/elsewhere/specs/001-alpha/memory/a.md' });
    const input = state([a], [rowFor(1, a), foreign], { unreadable: [{ relativePath: 'specs/x/memory/bad.md', reason: 'binary' }] });
    expect(planFor(input)).toEqual([]);
    expect(planIndexRepair(input, [{ kind: 'missing', path: 'specs/none/memory/none.md' }, { kind: 'stale', memoryId: 404, path: a.relativePath }], 1)).toEqual([]);
  });

  it('describes each operation for the dry-run plan, with workspace-relative paths', () => {
    const absolute = rowFor(4, c, { filePath: `${ROOT}/${c.relativePath}` });
    expect(describeIndexOperation({ op: 'insert-row', file: a }, ROOT)).toEqual({ action: 'insert-row', path: a.relativePath, detail: 'from the file, embedding pending; ledger: create' });
    expect(describeIndexOperation({ op: 'refresh-row', row: rowFor(2, b), file: b }, ROOT)).toMatchObject({ action: 'refresh-row', memoryId: 2, path: b.relativePath });
    expect(describeIndexOperation({ op: 'delete-row', row: rowFor(3, c), relativePath: c.relativePath }, ROOT)).toMatchObject({ action: 'delete-row', memoryId: 3, path: c.relativePath });
    expect(describeIndexOperation({ op: 'rebuild-fts' }, ROOT)).toEqual({ action: 'rebuild-fts', detail: 'rebuild memory_fts from memory_index' });
    expect(describeIndexOperation({ op: 'delete-vector', memoryId: 9 }, ROOT)).toEqual({ action: 'delete-vector', memoryId: 9, detail: 'vector with no memory row' });
    expect(describeIndexOperation({ op: 'reset-embedding', row: absolute }, ROOT)).toMatchObject({ action: 'reset-embedding', memoryId: 4, path: c.relativePath });
    const foreign = rowFor(5, c, { filePath: '/elsewhere/x.md' });
    expect(describeIndexOperation({ op: 'reset-embedding', row: foreign }, ROOT)).not.toHaveProperty('path');
  });
});
