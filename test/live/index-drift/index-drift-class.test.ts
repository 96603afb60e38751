import { appendFileSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireWorkspaceLock } from '../../../src/workspace/workspace-lock.js';
import { indexDriftClass } from '../../../src/live/index-drift/index-drift-class.js';
import { INDEX_DRIFT_KINDS } from '../../../src/live/index-drift/index-drift-state.js';
import { deletionHash } from '../../../src/live/ledger-hashes.js';
import { ledgerMismatchClass } from '../../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { sessionAmbiguityClass } from '../../../src/live/session-ambiguity/session-ambiguity-class.js';
import type { LiveContext } from '../../../src/live/live-class.js';
import { topLevelKeys } from '../../support/json-keys.js';
import {
  attemptTrail,
  healClass,
  baseline,
  CONTRACT_ESCALATION_KEYS,
  expectedCounts,
  expectRepairEntries,
  expectRepairInvariants,
  fileHash,
  hashFiles,
  identities,
  indexRows,
  ledgerRows,
  linkedId,
  stepDetails,
  useWorkspaceTemplate,
  vectorIds,
  withDatabase,
  type Row,
} from '../live-workspace.js';

const template = useWorkspaceTemplate({ memories: 300, seed: 11 });
const STEPS = ['detect-divergence:success', 'rebuild-index:success', 'verify-parity:success'];

/** Each fault `inject` makes, the finding kind `check` reports for it, and the ledger entries its repair appends. */
const FAULTS = [
  { fault: 'unindexed-file', finding: 'missing', ledger: ['create:missing', 'create:missing'] },
  { fault: 'deleted-file', finding: 'orphaned', ledger: ['delete:orphaned', 'delete:orphaned'] },
  { fault: 'edited-file', finding: 'stale', ledger: ['update:stale', 'update:stale'] },
  { fault: 'deleted-row', finding: 'missing', ledger: ['create:missing', 'create:missing'] },
  { fault: 'fts-out-of-step', finding: 'fts-out-of-step', ledger: [] },
  { fault: 'orphaned-vector', finding: 'orphaned-vector', ledger: [] },
] as const;

/**
 * The context with `act` run right after the run's second scan, the one index-drift's repair plans
 * on (detect made the first): the memory server writing while opsheal repairs.
 */
function afterPlanScan(context: LiveContext, act: () => void): LiveContext {
  let scans = 0;
  return {
    ...context,
    memoryFiles: {
      scan: () => {
        const scan = context.memoryFiles.scan();
        scans += 1;
        if (scans === 2) act();
        return scan;
      },
    },
  };
}

function byId(rows: readonly Row[]): Map<number, Row> {
  return new Map(rows.map((row) => [Number(row['id']), row]));
}

describe('index-drift live class', () => {
  it('injects the six fault kinds in the documented order', () => {
    expect(indexDriftClass.faultKinds).toEqual(FAULTS.map((entry) => entry.fault));
  });

  describe.each(FAULTS)('inject $fault', ({ fault, finding, ledger }) => {
    it(`check reports exactly the injected ${finding} findings, heal recovers, and the invariants hold`, async () => {
      const workspace = template.copy();
      const { db } = workspace.paths;
      const clean = indexRows(db);
      const injection = await indexDriftClass.inject(workspace.context(), { kind: fault, count: 2, seed: 3 });
      expect(injection.failureClass).toBe('index-drift');
      expect(injection.injected).toHaveLength(2);
      expect(injection.injected.every((item) => item.kind === finding)).toBe(true);

      const report = await indexDriftClass.check(workspace.context());
      expect(identities(report.findings)).toEqual(identities(injection.injected));
      expect(report.counts).toEqual(expectedCounts(INDEX_DRIFT_KINDS, injection.injected));
      expect(report.notes).toEqual([]);
      // The injector keeps to its class: the ledger and the routing still agree with the index.
      expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);
      expect((await sessionAmbiguityClass.check(workspace.context())).findings).toEqual([]);

      const before = baseline(workspace);
      const run = await healClass(indexDriftClass, workspace.context());
      expect(run.outcome).toBe('recovered');
      expect(attemptTrail(run)).toEqual(STEPS);
      expect(JSON.parse(run.payload)).toMatchObject({ event: 'RECOVERY_COMPLETE', failure_class: 'index-drift', owner: 'Engineering Lead' });
      expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
      expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);

      const appended = expectRepairInvariants(workspace, before);
      expect(expectRepairEntries(appended, 'index-drift', 'rebuild-index').sort()).toEqual([...ledger]);

      const after = byId(indexRows(db));
      const vectors = new Set(vectorIds(db));
      switch (fault) {
        case 'unindexed-file':
        case 'deleted-row': {
          for (const item of injection.injected) {
            const path = item.path as string;
            const row = [...after.values()].find((candidate) => candidate['file_path'] === path);
            expect(row, path).toBeDefined();
            const id = Number(row?.['id']);
            // A new row, not the deleted one brought back: the ledger recorded that one's end.
            expect(clean.some((old) => Number(old['id']) === id)).toBe(false);
            expect(row).toMatchObject({
              spec_folder: path.replace(/^specs\//, '').replace(/\/memory\/[^/]+$/, ''),
              content_hash: fileHash(join(workspace.root, path)),
              embedding_status: 'pending',
              anchor_id: null,
            });
            const entry = appended.find((candidate) => linkedId(candidate) === id);
            expect(entry).toMatchObject({ mutation_type: 'create', prior_hash: null, new_hash: row?.['content_hash'] });
          }
          expect(stepDetails(run, 'rebuild-index')).toEqual({ inserted: 2, ledger_appended: 2 });
          break;
        }
        case 'deleted-file':
          for (const item of injection.injected) {
            const old = clean.find((row) => Number(row['id']) === item.memoryId) as Row;
            expect(after.has(item.memoryId as number)).toBe(false);
            expect(vectors.has(item.memoryId as number)).toBe(false);
            const entry = appended.find((candidate) => linkedId(candidate) === item.memoryId);
            expect(entry).toMatchObject({
              mutation_type: 'delete',
              prior_hash: old['content_hash'],
              new_hash: deletionHash(item.memoryId as number, old['content_hash'] as string),
              session_id: old['session_id'],
            });
          }
          expect(stepDetails(run, 'rebuild-index')).toEqual({ deleted: 2, vectors_dropped: 2, ledger_appended: 2 });
          break;
        case 'edited-file':
          for (const item of injection.injected) {
            const old = clean.find((row) => Number(row['id']) === item.memoryId) as Row;
            const row = after.get(item.memoryId as number);
            const hash = fileHash(join(workspace.root, item.path as string));
            expect(row).toMatchObject({ content_hash: hash, embedding_status: 'pending', spec_folder: old['spec_folder'], session_id: old['session_id'] });
            expect(vectors.has(item.memoryId as number)).toBe(false);
            const entry = appended.find((candidate) => linkedId(candidate) === item.memoryId);
            expect(entry).toMatchObject({ mutation_type: 'update', prior_hash: old['content_hash'], new_hash: hash });
          }
          expect(stepDetails(run, 'rebuild-index')).toEqual({ refreshed: 2, vectors_dropped: 2, ledger_appended: 2 });
          break;
        case 'fts-out-of-step':
          expect([...after.values()]).toEqual(before.index);
          withDatabase(db, (handle) => {
            const indexed = new Set((handle.prepare('SELECT id FROM memory_fts_docsize').all() as { id: number }[]).map((row) => row.id));
            for (const item of injection.injected) expect(indexed.has(item.memoryId as number)).toBe(true);
          }, { readonly: true });
          expect(stepDetails(run, 'rebuild-index')).toEqual({ fts_rebuilt: 1 });
          break;
        case 'orphaned-vector':
          expect([...after.values()]).toEqual(before.index);
          for (const item of injection.injected) expect(vectors.has(item.memoryId as number)).toBe(false);
          expect(vectors.size).toBe(clean.length);
          expect(stepDetails(run, 'rebuild-index')).toEqual({ vectors_dropped: 2 });
          break;
      }

      // A second heal right after finds nothing.
      const again = await healClass(indexDriftClass, workspace.context());
      expect(again.outcome).toBe('healthy');
      expect(attemptTrail(again)).toEqual(['detect-divergence:success']);
    });
  });

  it('reports a row marked embedded without a vector as missing-vector, and sets its embedding pending', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const target = indexRows(db).find((row) => row['embedding_status'] === 'success') as Row;
    const id = Number(target['id']);
    withDatabase(db, (handle) => handle.prepare('DELETE FROM vec_memories WHERE rowid = ?').run(BigInt(id)));
    const report = await indexDriftClass.check(workspace.context());
    expect(identities(report.findings)).toEqual([{ kind: 'missing-vector', memoryId: id, path: target['file_path'] }]);

    const before = baseline(workspace);
    const run = await healClass(indexDriftClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    const appended = expectRepairInvariants(workspace, before);
    expect(expectRepairEntries(appended, 'index-drift', 'rebuild-index')).toEqual(['reindex:missing-vector']);
    expect(appended[0]).toMatchObject({ prior_hash: target['content_hash'], new_hash: target['content_hash'] });
    expect(indexRows(db).find((row) => Number(row['id']) === id)).toMatchObject({ embedding_status: 'pending', content_hash: target['content_hash'] });
  });

  it('does not count a changed mtime alone as drift', async () => {
    const workspace = template.copy();
    const path = String(indexRows(workspace.paths.db)[0]?.['file_path']);
    utimesSync(join(workspace.root, path), new Date(Date.UTC(2030, 0, 1)), new Date(Date.UTC(2030, 0, 1)));
    expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
  });

  it('escalates a memory file it cannot read to the Engineering Lead at once (no retry cures it), leaving its row alone', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const target = indexRows(db)[5] as Row;
    const path = String(target['file_path']);
    writeFileSync(join(workspace.root, path), Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0xfd, 0x0a]));
    const report = await indexDriftClass.check(workspace.context());
    expect(identities(report.findings)).toEqual([{ kind: 'unreadable-file', path }]);
    const plan = await indexDriftClass.plan(workspace.context());
    expect(plan.changes).toEqual([]);
    expect(identities(plan.needsDecision)).toEqual([{ kind: 'unreadable-file', path }]);

    const before = baseline(workspace);
    const run = await healClass(indexDriftClass, workspace.context());
    expect(run.outcome).toBe('escalated');
    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:success', 'verify-parity:non-retryable-failure']);
    expect(topLevelKeys(run.payload)).toEqual([...CONTRACT_ESCALATION_KEYS, 'error', 'decision', 'items', 'items_total']);
    const payload = JSON.parse(run.payload) as Record<string, unknown>;
    expect(payload).toMatchObject({ failure_class: 'index-drift', owner: 'Engineering Lead', step: 'verify-parity', reason: 'non-retryable-error', attempts: 1, items_total: 1 });
    expect(payload['decision']).toContain('fix or remove each by hand');
    expect(payload['items']).toEqual([expect.objectContaining({ kind: 'unreadable-file', path })]);
    expect(expectRepairInvariants(workspace, before)).toEqual([]);
    expect(indexRows(db)).toEqual(before.index);
  });

  it('gives a new row an id no ledger entry has linked, so an unrecorded deletion stays visible (regression: the deleted top id was reused)', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const top = indexRows(db).reduce((highest, row) => (Number(row['id']) > Number(highest['id']) ? row : highest));
    const topId = Number(top['id']);
    // The memory with the highest id disappears without the ledger hearing of it, and a new file appears.
    rmSync(join(workspace.root, String(top['file_path'])));
    withDatabase(db, (handle) => {
      handle.prepare('DELETE FROM memory_index WHERE id = ?').run(topId);
      handle.prepare('DELETE FROM vec_memories WHERE rowid = ?').run(BigInt(topId));
    });
    const injection = await indexDriftClass.inject(workspace.context(), { kind: 'unindexed-file', count: 1, seed: 4 });
    expect(identities((await ledgerMismatchClass.check(workspace.context())).findings)).toEqual([{ kind: 'unrecorded-deletion', memoryId: topId }]);

    expect((await healClass(indexDriftClass, workspace.context())).outcome).toBe('recovered');
    const added = indexRows(db).find((row) => row['file_path'] === injection.injected[0]?.path) as Row;
    expect(Number(added['id'])).toBeGreaterThan(topId);
    expect(identities((await ledgerMismatchClass.check(workspace.context())).findings)).toEqual([{ kind: 'unrecorded-deletion', memoryId: topId }]);
  });

  it('writes no row from a file that changed after the repair scanned it: the attempt rolls back, and the retry indexes what the file holds now', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const injection = await indexDriftClass.inject(workspace.context(), { kind: 'deleted-row', count: 1, seed: 5 });
    const path = injection.injected[0]?.path as string;
    const before = baseline(workspace);
    // The memory server writes the file just after the repair's plan has read it.
    const racing = afterPlanScan(workspace.context(), () => appendFileSync(join(workspace.root, path), '\nWritten while opsheal was repairing.\n'));
    const run = await healClass(indexDriftClass, racing);
    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:retryable-failure', 'rebuild-index:success', 'verify-parity:success']);
    const failed = run.env.events.find((event) => event.type === 'attempt-ended' && event.step === 'rebuild-index');
    expect(JSON.stringify(failed)).toContain(`${path} changed since it was read`);
    const row = indexRows(db).find((candidate) => candidate['file_path'] === path) as Row;
    expect(row['content_hash']).toBe(fileHash(join(workspace.root, path)));
    // The rolled-back attempt left nothing behind: one create entry, from the attempt that committed.
    const appended = ledgerRows(db).slice(before.ledger.length);
    expect(appended.map((entry) => entry['mutation_type'])).toEqual(['create']);
    expect(appended[0]?.['new_hash']).toBe(row['content_hash']);
  });

  it('deletes no row whose file came back after the repair planned: it is skipped, and the index is whole again', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const row = indexRows(db)[7] as Row;
    const path = join(workspace.root, String(row['file_path']));
    const text = readFileSync(path);
    rmSync(path);
    const before = baseline(workspace);
    // The memory server writes the file back just after the repair's plan scanned without it.
    const run = await healClass(indexDriftClass, afterPlanScan(workspace.context(), () => writeFileSync(path, text)));
    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:success', 'verify-parity:success']);
    expect(stepDetails(run, 'rebuild-index')).toMatchObject({ skipped: 1 });
    expect(stepDetails(run, 'rebuild-index')).not.toHaveProperty('deleted');
    expect(indexRows(db)).toEqual(before.index);
    expect(ledgerRows(db)).toEqual(before.ledger);
  });

  it('sets the FTS triggers aside while the rows change before a rebuild, and puts them back as they were; other triggers keep firing', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    withDatabase(db, (handle) => {
      handle.exec('CREATE TABLE row_audit (memory_id INTEGER)');
      handle.exec('CREATE TRIGGER row_audit_update AFTER UPDATE ON memory_index BEGIN INSERT INTO row_audit (memory_id) VALUES (new.id); END');
    });
    const triggers = (): unknown[] => withDatabase(db, (handle) => handle.prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all(), { readonly: true });
    const before = triggers();
    await indexDriftClass.inject(workspace.context(), { kind: 'fts-out-of-step', count: 2, seed: 6 });
    const edited = await indexDriftClass.inject(workspace.context(), { kind: 'edited-file', count: 2, seed: 7 });
    const run = await healClass(indexDriftClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(stepDetails(run, 'rebuild-index')).toMatchObject({ fts_rebuilt: 1, refreshed: 2 });
    expect(triggers()).toEqual(before);
    // The server's own trigger saw each refresh; the FTS triggers work again afterwards.
    const audited = withDatabase(db, (handle) => handle.prepare('SELECT memory_id FROM row_audit ORDER BY memory_id').pluck().all(), { readonly: true });
    expect(audited).toEqual(edited.injected.map((item) => item.memoryId).sort((a, b) => Number(a) - Number(b)));
    withDatabase(db, (handle) => handle.prepare("UPDATE memory_index SET title = 'Zebra quokka' WHERE id = ?").run(edited.injected[0]?.memoryId));
    const matches = withDatabase(db, (handle) => handle.prepare("SELECT rowid FROM memory_fts WHERE memory_fts MATCH 'quokka'").pluck().all(), { readonly: true });
    expect(matches).toEqual([edited.injected[0]?.memoryId]);
  });

  it('caps the escalation items at 20 and says how many there were', async () => {
    const workspace = template.copy();
    const paths = indexRows(workspace.paths.db).slice(0, 25).map((row) => String(row['file_path']));
    for (const path of paths) writeFileSync(join(workspace.root, path), Buffer.from([0xc3, 0x28, 0x0a]));
    const run = await healClass(indexDriftClass, workspace.context(), 1);
    const payload = JSON.parse(run.payload) as { items: Array<{ path: string }>; items_total: number };
    expect(payload.items_total).toBe(25);
    expect(payload.items.map((item) => item.path)).toEqual([...paths].sort().slice(0, 20));
  });

  it('waits a bounded time for another healer\'s workspace lock, then fails retryable and escalates, changing nothing', async () => {
    const workspace = template.copy({ config: { lockTimeoutSeconds: 0.2 } });
    await indexDriftClass.inject(workspace.context(), { kind: 'edited-file', count: 1, seed: 1 });
    const before = baseline(workspace);
    const other = acquireWorkspaceLock(workspace.paths, 1);
    let run: Awaited<ReturnType<typeof healClass>>;
    try {
      run = await healClass(indexDriftClass, workspace.context(), 2);
    } finally {
      other.release();
    }
    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:retryable-failure', 'rebuild-index:retryable-failure']);
    expect(JSON.parse(run.payload)).toMatchObject({ step: 'rebuild-index', reason: 'bounded-retry-exhausted', error: expect.stringMatching(/^another opsheal is repairing .* waited 0.2s for its lock/) });
    expect(expectRepairInvariants(workspace, before)).toEqual([]);
    expect(indexRows(workspace.paths.db)).toEqual(before.index);
    expect((await healClass(indexDriftClass, workspace.context())).outcome).toBe('recovered');
  });

  it('rebuilds an emptied index from the files, each new row under a new id and recorded by a create entry', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    withDatabase(db, (handle) => handle.exec('DELETE FROM memory_index'));
    const report = await indexDriftClass.check(workspace.context());
    expect(report.counts).toMatchObject({ missing: 300, 'orphaned-vector': 300 });
    expect(report.findings).toHaveLength(600);
    const before = baseline(workspace);
    const run = await healClass(indexDriftClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    const appended = expectRepairInvariants(workspace, before);
    expect(new Set(expectRepairEntries(appended, 'index-drift', 'rebuild-index'))).toEqual(new Set(['create:missing']));
    expect(appended).toHaveLength(300);
    const rebuilt = indexRows(db);
    expect(rebuilt).toHaveLength(300);
    // New memories get new ids: the 300 deleted behind the ledger's back stay visible as unrecorded deletions.
    expect(rebuilt.every((row) => Number(row['id']) > 300)).toBe(true);
    const ledger = await ledgerMismatchClass.check(workspace.context());
    expect(ledger.counts).toEqual({ 'unrecorded-state': 0, 'unrecorded-deletion': 300, 'unguarded-ledger': 0 });
    expect(vectorIds(db)).toEqual([]);
  });

  it('inject refuses, before any fault, a kind the database cannot take, and changes nothing', async () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec('DROP TABLE vec_memories'));
    const before = hashFiles(workspace.root);
    // Every kind asked for: the file, row and FTS faults come first in the order, and none is made.
    await expect(indexDriftClass.inject(workspace.context(), { count: 2, seed: 3 })).rejects.toThrow(
      'cannot inject orphaned-vector: the database has no vec_memories table',
    );
    await expect(indexDriftClass.checkInjectable?.(workspace.context(), { count: 2, seed: 3 })).rejects.toThrow('cannot inject orphaned-vector');
    expect(hashFiles(workspace.root)).toEqual(before);
    // The kinds it can make are still made.
    await expect(indexDriftClass.checkInjectable?.(workspace.context(), { kind: 'deleted-row', count: 1, seed: 3 })).resolves.toBeUndefined();
  });
});
