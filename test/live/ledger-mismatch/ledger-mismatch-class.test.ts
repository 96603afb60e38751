import { describe, expect, it } from 'vitest';
import { indexDriftClass } from '../../../src/live/index-drift/index-drift-class.js';
import { deletionHash } from '../../../src/live/ledger-hashes.js';
import { LEDGER_MISMATCH_KINDS } from '../../../src/live/ledger-mismatch/detect-ledger-mismatch.js';
import { ledgerMismatchClass } from '../../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { sessionAmbiguityClass } from '../../../src/live/session-ambiguity/session-ambiguity-class.js';
import {
  attemptTrail,
  baseline,
  expectedCounts,
  expectRepairEntries,
  expectRepairInvariants,
  healClass,
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

const template = useWorkspaceTemplate({ memories: 300, seed: 23 });
const STEPS = ['detect-ledger-divergence:success', 'replay-ledger:success', 'verify-rpo-zero:success'];

/** The hash the ledger last recorded for a memory. */
function lastRecordedHash(ledger: readonly Row[], id: number): string | null {
  const linking = ledger.filter((row) => (JSON.parse(String(row['linked_memory_ids'])) as number[]).includes(id));
  return (linking[linking.length - 1]?.['new_hash'] as string | undefined) ?? null;
}

function triggers(dbPath: string): string[] {
  return withDatabase(dbPath, (db) => (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'mutation_ledger' ORDER BY name`).all() as { name: string }[]).map((row) => row.name), { readonly: true });
}

describe('ledger-mismatch live class', () => {
  it('injects the three fault kinds in the documented order', () => {
    expect(ledgerMismatchClass.faultKinds).toEqual(['unrecorded-update', 'unrecorded-deletion', 'dropped-ledger-trigger']);
  });

  it('inject unrecorded-update: check reports exactly the edited memories, heal appends a reindex entry for each', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const ledgerBefore = ledgerRows(db);
    const injection = await ledgerMismatchClass.inject(workspace.context(), { kind: 'unrecorded-update', count: 2, seed: 5 });
    expect(injection.injected.map((item) => item.kind)).toEqual(['unrecorded-state', 'unrecorded-state']);
    // The faults are real: the files and the rows changed, the ledger did not.
    expect(ledgerRows(db)).toEqual(ledgerBefore);

    const report = await ledgerMismatchClass.check(workspace.context());
    expect(identities(report.findings)).toEqual(identities(injection.injected));
    expect(report.counts).toEqual(expectedCounts(LEDGER_MISMATCH_KINDS, injection.injected));
    expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
    expect((await sessionAmbiguityClass.check(workspace.context())).findings).toEqual([]);

    const before = baseline(workspace);
    const run = await healClass(ledgerMismatchClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(attemptTrail(run)).toEqual(STEPS);
    expect(stepDetails(run, 'replay-ledger')).toEqual({ appended: 2 });
    expect(stepDetails(run, 'verify-rpo-zero')).toEqual({ ledger_rows: before.ledger.length + 2 });
    const appended = expectRepairInvariants(workspace, before);
    expect(expectRepairEntries(appended, 'ledger-mismatch', 'replay-ledger')).toEqual(['reindex:unrecorded-state', 'reindex:unrecorded-state']);
    for (const row of appended) {
      const id = linkedId(row);
      const indexRow = before.index.find((candidate) => Number(candidate['id']) === id) as Row;
      expect(row).toMatchObject({ prior_hash: lastRecordedHash(before.ledger, id), new_hash: indexRow['content_hash'], session_id: indexRow['session_id'] });
      expect(row['prior_hash']).not.toBe(row['new_hash']);
    }
    expect(appended.map(linkedId).sort((x, y) => x - y)).toEqual(injection.injected.map((item) => item.memoryId).sort((x, y) => (x ?? 0) - (y ?? 0)));
    expect(indexRows(db)).toEqual(before.index);
    expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);
    expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
  });

  it('inject unrecorded-deletion: check reports exactly the deleted memories, heal appends a delete entry for each', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const clean = indexRows(db);
    const injection = await ledgerMismatchClass.inject(workspace.context(), { kind: 'unrecorded-deletion', count: 2, seed: 5 });
    expect(injection.injected.map((item) => item.kind)).toEqual(['unrecorded-deletion', 'unrecorded-deletion']);
    const gone = injection.injected.map((item) => item.memoryId as number);
    expect(indexRows(db).some((row) => gone.includes(Number(row['id'])))).toBe(false);
    expect(vectorIds(db).some((id) => gone.includes(id))).toBe(false);

    const report = await ledgerMismatchClass.check(workspace.context());
    expect(identities(report.findings)).toEqual(identities(injection.injected));
    expect(report.counts).toEqual(expectedCounts(LEDGER_MISMATCH_KINDS, injection.injected));
    expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);

    const before = baseline(workspace);
    const run = await healClass(ledgerMismatchClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(attemptTrail(run)).toEqual(STEPS);
    const appended = expectRepairInvariants(workspace, before);
    expect(expectRepairEntries(appended, 'ledger-mismatch', 'replay-ledger')).toEqual(['delete:unrecorded-deletion', 'delete:unrecorded-deletion']);
    for (const row of appended) {
      const id = linkedId(row);
      const prior = lastRecordedHash(before.ledger, id);
      expect(prior).toBe(clean.find((candidate) => Number(candidate['id']) === id)?.['content_hash']);
      expect(row).toMatchObject({ prior_hash: prior, new_hash: deletionHash(id, prior), session_id: null });
    }
    expect(appended.map(linkedId).sort((x, y) => x - y)).toEqual([...gone].sort((x, y) => x - y));
    expect(indexRows(db)).toEqual(before.index);
    expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);
  });

  it.each([
    [1, ['prevent_ledger_update']],
    [2, ['prevent_ledger_update', 'prevent_ledger_delete']],
  ])('inject dropped-ledger-trigger x%d: check reports exactly the dropped triggers, heal recreates them and they guard again', async (count, dropped) => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const injection = await ledgerMismatchClass.inject(workspace.context(), { kind: 'dropped-ledger-trigger', count, seed: 5 });
    expect(injection.injected).toEqual(dropped.map((name) => ({ kind: 'unguarded-ledger', subject: name })));
    expect(triggers(db)).toEqual(['prevent_ledger_delete', 'prevent_ledger_update'].filter((name) => !dropped.includes(name)));

    const report = await ledgerMismatchClass.check(workspace.context());
    expect(identities(report.findings)).toEqual(identities(injection.injected));
    expect(report.counts).toEqual(expectedCounts(LEDGER_MISMATCH_KINDS, injection.injected));

    const before = baseline(workspace);
    const run = await healClass(ledgerMismatchClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(stepDetails(run, 'replay-ledger')).toEqual({ triggers_recreated: count });
    expect(expectRepairInvariants(workspace, before)).toEqual([]);
    expect(triggers(db)).toEqual(['prevent_ledger_delete', 'prevent_ledger_update']);
    withDatabase(db, (handle) => {
      expect(() => handle.prepare(`UPDATE mutation_ledger SET reason = 'rewritten' WHERE id = 1`).run()).toThrow(/append-only/);
      expect(() => handle.prepare('DELETE FROM mutation_ledger WHERE id = 1').run()).toThrow(/append-only/);
    });
    expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);
  });

  it('heals every kind at once in one repair, and a second heal right after finds nothing', async () => {
    const workspace = template.copy();
    const injection = await ledgerMismatchClass.inject(workspace.context(), { count: 2, seed: 77 });
    expect(injection.injected.map((item) => item.kind)).toEqual([
      'unrecorded-state',
      'unrecorded-state',
      'unrecorded-deletion',
      'unrecorded-deletion',
      'unguarded-ledger',
      'unguarded-ledger',
    ]);
    const report = await ledgerMismatchClass.check(workspace.context());
    expect(identities(report.findings)).toEqual(identities(injection.injected));
    const plan = await ledgerMismatchClass.plan(workspace.context());
    expect(plan.changes.map((change) => change.action)).toEqual([
      'append-reindex-entry',
      'append-reindex-entry',
      'append-delete-entry',
      'append-delete-entry',
      'recreate-trigger',
      'recreate-trigger',
    ]);
    expect(plan.needsDecision).toEqual([]);

    const before = baseline(workspace);
    const run = await healClass(ledgerMismatchClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(stepDetails(run, 'replay-ledger')).toEqual({ appended: 4, triggers_recreated: 2 });
    const appended = expectRepairInvariants(workspace, before);
    expect(expectRepairEntries(appended, 'ledger-mismatch', 'replay-ledger')).toEqual([
      'reindex:unrecorded-state',
      'reindex:unrecorded-state',
      'delete:unrecorded-deletion',
      'delete:unrecorded-deletion',
    ]);
    // The plan (what --dry-run prints) names the hashes the repair then recorded.
    const reindexed = appended.filter((row) => row['mutation_type'] === 'reindex');
    expect(plan.changes.filter((change) => change.action === 'append-reindex-entry').map((change) => [change.memoryId, change.detail])).toEqual(
      reindexed.map((row) => [linkedId(row), `prior ${String(row['prior_hash']).slice(0, 12)}, new ${String(row['new_hash']).slice(0, 12)}`]),
    );
    const again = await healClass(ledgerMismatchClass, workspace.context());
    expect(again.outcome).toBe('healthy');
    expect(JSON.parse(again.payload)).toMatchObject({ event: 'HEALTHY', failure_class: 'ledger-mismatch', summary: 'ledger accounts for every memory row' });
    expect(ledgerRows(workspace.paths.db)).toHaveLength(before.ledger.length + 4);
  });

  it('counts a bulk archive entry linking many gone memories as recording their deletion', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const ids = indexRows(db).slice(0, 25).map((row) => Number(row['id']));
    withDatabase(db, (handle) => {
      handle.prepare(`DELETE FROM memory_index WHERE id IN (${ids.join(',')})`).run();
      handle.prepare(`INSERT INTO mutation_ledger (timestamp, mutation_type, reason, prior_hash, new_hash, linked_memory_ids, decision_meta, actor, session_id)
        VALUES ('2026-02-01T00:00:00.000Z', 'archive', 'bulk archive', NULL, ?, ?, '{}', 'memory-server', NULL)`).run('e'.repeat(64), JSON.stringify(ids));
    });
    expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);
  });
});
