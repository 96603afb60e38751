import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexDriftClass } from '../../../src/live/index-drift/index-drift-class.js';
import { ledgerMismatchClass } from '../../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { SESSION_AMBIGUITY_KINDS } from '../../../src/live/session-ambiguity/detect-session-ambiguity.js';
import { sessionAmbiguityClass } from '../../../src/live/session-ambiguity/session-ambiguity-class.js';
import { SESSION_INDEX_NAME } from '../../../src/live/session-ambiguity/session-lookup-latency.js';
import { parseMemoryMetadata } from '../../../src/workspace/front-matter.js';
import { readFileSync } from 'node:fs';
import { topLevelKeys } from '../../support/json-keys.js';
import {
  attemptTrail,
  baseline,
  CONTRACT_ESCALATION_KEYS,
  expectedCounts,
  expectRepairEntries,
  expectRepairInvariants,
  healClass,
  identities,
  indexRows,
  linkedId,
  stepDetails,
  useWorkspaceTemplate,
  withDatabase,
  type LiveWorkspace,
  type Row,
} from '../live-workspace.js';

const template = useWorkspaceTemplate({ memories: 300, seed: 31 });
const MEMORIES = 300;

function sessionIndexExists(dbPath: string): boolean {
  return withDatabase(dbPath, (db) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`).get(SESSION_INDEX_NAME) !== undefined, { readonly: true });
}

/** The folder and session a memory file says it has. */
function routingOfFile(workspace: LiveWorkspace, path: string): { spec_folder: string; session_id: string | null } {
  const text = readFileSync(join(workspace.root, path), 'utf8');
  return { spec_folder: path.replace(/^specs\//, '').replace(/\/memory\/[^/]+$/, ''), session_id: parseMemoryMetadata(text, path).sessionId };
}

describe('session-ambiguity live class', () => {
  it('injects the three fault kinds in the documented order', () => {
    expect(sessionAmbiguityClass.faultKinds).toEqual(['misrouted-folder', 'wrong-session-id', 'ambiguous-session']);
  });

  describe.each([
    { fault: 'misrouted-folder', finding: 'misrouted-folder' },
    { fault: 'wrong-session-id', finding: 'misrouted-session' },
  ])('inject $fault', ({ fault, finding }) => {
    it(`check reports exactly the ${finding} rows, heal sets them from their files, records each, and indexes sessions`, async () => {
      const workspace = template.copy();
      const { db } = workspace.paths;
      const clean = indexRows(db);
      expect(sessionIndexExists(db)).toBe(false);
      const injection = await sessionAmbiguityClass.inject(workspace.context(), { kind: fault, count: 2, seed: 4 });
      expect(injection.injected.map((item) => item.kind)).toEqual([finding, finding]);

      const report = await sessionAmbiguityClass.check(workspace.context());
      expect(identities(report.findings)).toEqual(identities(injection.injected));
      expect(report.counts).toEqual(expectedCounts(SESSION_AMBIGUITY_KINDS, injection.injected));
      expect(report.metrics).toEqual({ sampled: MEMORIES, affected: 2, misroute_rate: Number((2 / MEMORIES).toFixed(4)), threshold: 0.02 });
      expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
      expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);

      const before = baseline(workspace);
      const run = await healClass(sessionAmbiguityClass, workspace.context());
      expect(run.outcome).toBe('recovered');
      expect(attemptTrail(run)).toEqual(['detect-misroute-risk:success', 'refresh-session-candidates:success', 'verify-latency-and-route:success']);
      expect(stepDetails(run, 'refresh-session-candidates')).toEqual({ rerouted: 2, session_index_created: 1, ledger_appended: 2 });
      expect(stepDetails(run, 'verify-latency-and-route')).toMatchObject({ misroute_rate: 0 });
      expect(sessionIndexExists(db)).toBe(true);

      const appended = expectRepairInvariants(workspace, before);
      expect(expectRepairEntries(appended, 'session-ambiguity', 'refresh-session-candidates')).toEqual([`update:${finding}`, `update:${finding}`]);
      const after = indexRows(db);
      for (const item of injection.injected) {
        const row = after.find((candidate) => Number(candidate['id']) === item.memoryId) as Row;
        const original = clean.find((candidate) => Number(candidate['id']) === item.memoryId) as Row;
        expect(row).toMatchObject(routingOfFile(workspace, item.path as string));
        expect(row).toMatchObject({ spec_folder: original['spec_folder'], session_id: original['session_id'], content_hash: original['content_hash'] });
        const entry = appended.find((candidate) => linkedId(candidate) === item.memoryId);
        expect(entry).toMatchObject({ prior_hash: original['content_hash'], new_hash: original['content_hash'], session_id: original['session_id'] });
        expect(JSON.parse(String(entry?.['decision_meta']))).toMatchObject({ path: item.path });
      }
      expect((await sessionAmbiguityClass.check(workspace.context())).findings).toEqual([]);
      expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);
      expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
      const again = await healClass(sessionAmbiguityClass, workspace.context());
      expect(again.outcome).toBe('healthy');
    });
  });

  it('inject ambiguous-session: check reports the sessions and their folders; heal escalates them to the QA Lead without guessing', async () => {
    const workspace = template.copy();
    const { db } = workspace.paths;
    const injection = await sessionAmbiguityClass.inject(workspace.context(), { kind: 'ambiguous-session', count: 2, seed: 4 });
    expect(injection.injected).toHaveLength(2);
    for (const item of injection.injected) {
      expect(item).toEqual({ kind: 'ambiguous-session', subject: expect.stringMatching(/^ses_/), detail: expect.stringMatching(/^folders: [^,]+, [^,]+$/) });
    }

    const report = await sessionAmbiguityClass.check(workspace.context());
    expect(report.findings).toEqual([...injection.injected].sort((x, y) => ((x.subject ?? '') < (y.subject ?? '') ? -1 : 1)));
    expect(report.counts).toEqual(expectedCounts(SESSION_AMBIGUITY_KINDS, injection.injected));
    const sessions = new Set(injection.injected.map((item) => item.subject));
    const affected = indexRows(db).filter((row) => sessions.has(row['session_id'] as string)).length;
    expect(report.metrics).toEqual({ sampled: MEMORIES, affected, misroute_rate: Number((affected / MEMORIES).toFixed(4)), threshold: 0.02 });
    expect(affected / MEMORIES).toBeGreaterThan(0.02);
    // The memory server's own update (file, row and ledger together) leaves the other classes clean.
    expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
    expect((await ledgerMismatchClass.check(workspace.context())).findings).toEqual([]);

    const plan = await sessionAmbiguityClass.plan(workspace.context());
    expect(plan.changes.map((change) => change.action)).toEqual(['create-index']);
    expect(plan.needsDecision).toEqual(report.findings);

    const before = baseline(workspace);
    const run = await healClass(sessionAmbiguityClass, workspace.context());
    expect(run.outcome).toBe('escalated');
    expect(attemptTrail(run)).toEqual([
      'detect-misroute-risk:success',
      'refresh-session-candidates:success',
      'verify-latency-and-route:retryable-failure',
      'verify-latency-and-route:retryable-failure',
      'verify-latency-and-route:retryable-failure',
    ]);
    expect(run.env.sleeps).toEqual([1, 1]);
    expect(topLevelKeys(run.payload)).toEqual([
      ...CONTRACT_ESCALATION_KEYS,
      'error',
      'decision',
      'misroute_rate',
      'threshold',
      'lookup_p95_ms',
      'lookup_budget_ms',
      'items',
      'items_total',
    ]);
    const payload = JSON.parse(run.payload) as Record<string, unknown>;
    const rate = Number((affected / MEMORIES).toFixed(4));
    expect(payload).toMatchObject({
      event: 'ESCALATION',
      failure_class: 'session-ambiguity',
      step: 'verify-latency-and-route',
      attempts: 3,
      owner: 'QA Lead',
      reason: 'bounded-retry-exhausted',
      next_action: 'operator-ack-required',
      error: `misroute rate ${rate} is above the threshold 0.02`,
      misroute_rate: rate,
      threshold: 0.02,
      lookup_budget_ms: 5,
      items_total: 2,
    });
    expect(payload['decision']).toMatch(/more than one spec folder/);
    expect(payload['items']).toEqual(
      report.findings.map((item) => ({ session_id: item.subject, folders: (item.detail ?? '').replace('folders: ', '').split(', ') })),
    );

    // Nothing was guessed: no row was rerouted, only the session index was made.
    expect(expectRepairInvariants(workspace, before)).toEqual([]);
    expect(indexRows(db)).toEqual(before.index);
    expect(sessionIndexExists(db)).toBe(true);
    expect((await sessionAmbiguityClass.check(workspace.context())).findings).toEqual(report.findings);
  });

  it('caps the sessions listed in the escalation at 20 and says how many there were', async () => {
    const workspace = template.copy();
    const injection = await sessionAmbiguityClass.inject(workspace.context(), { kind: 'ambiguous-session', count: 25, seed: 2 });
    expect(injection.injected).toHaveLength(25);
    const run = await healClass(sessionAmbiguityClass, workspace.context(), 1);
    const payload = JSON.parse(run.payload) as { items: Array<{ session_id: string }>; items_total: number };
    expect(payload.items_total).toBe(25);
    expect(payload.items.map((item) => item.session_id)).toEqual(injection.injected.map((item) => item.subject as string).sort().slice(0, 20));
  });

  it('recovers with ambiguous sessions left in place when they keep the rate within a looser threshold', async () => {
    const workspace = template.copy({ config: { thresholds: { misrouteRate: 0.5 } } });
    const injection = await sessionAmbiguityClass.inject(workspace.context(), { kind: 'ambiguous-session', count: 1, seed: 8 });
    const before = baseline(workspace);
    const run = await healClass(sessionAmbiguityClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(expectRepairInvariants(workspace, before)).toEqual([]);
    expect(indexRows(workspace.paths.db)).toEqual(before.index);
    expect(identities((await sessionAmbiguityClass.check(workspace.context())).findings)).toEqual(identities(injection.injected));
  });

  it('samples only the most recently updated rows, and rates misroutes against the sample size', async () => {
    const workspace = template.copy({ config: { thresholds: { sampleSize: 50 } } });
    const injection = await sessionAmbiguityClass.inject(workspace.context(), { kind: 'misrouted-folder', count: 2, seed: 12 });
    const report = await sessionAmbiguityClass.check(workspace.context());
    expect(identities(report.findings)).toEqual(identities(injection.injected));
    expect(report.metrics).toEqual({ sampled: 50, affected: 2, misroute_rate: 0.04, threshold: 0.02 });

    // A row misrouted long ago, outside the sample, is not looked at.
    const oldest = indexRows(workspace.paths.db).sort((x, y) => String(x['updated_at']).localeCompare(String(y['updated_at'])))[0] as Row;
    withDatabase(workspace.paths.db, (db) => db.prepare(`UPDATE memory_index SET spec_folder = 'zzz-nowhere' WHERE id = ?`).run(oldest['id']));
    expect(identities((await sessionAmbiguityClass.check(workspace.context())).findings)).toEqual(identities(injection.injected));
  });

  it('heals every kind at once: misroutes mended and recorded, ambiguous sessions escalated', async () => {
    const workspace = template.copy();
    const injection = await sessionAmbiguityClass.inject(workspace.context(), { count: 2, seed: 21 });
    expect(injection.injected.map((item) => item.kind)).toEqual([
      'misrouted-folder',
      'misrouted-folder',
      'misrouted-session',
      'misrouted-session',
      'ambiguous-session',
      'ambiguous-session',
    ]);
    const report = await sessionAmbiguityClass.check(workspace.context());
    expect(identities(report.findings)).toEqual(identities(injection.injected));
    const before = baseline(workspace);
    const run = await healClass(sessionAmbiguityClass, workspace.context());
    expect(run.outcome).toBe('escalated');
    const appended = expectRepairInvariants(workspace, before);
    expect(expectRepairEntries(appended, 'session-ambiguity', 'refresh-session-candidates').sort()).toEqual([
      'update:misrouted-folder',
      'update:misrouted-folder',
      'update:misrouted-session',
      'update:misrouted-session',
    ]);
    const after = await sessionAmbiguityClass.check(workspace.context());
    expect(identities(after.findings)).toEqual(identities(injection.injected.filter((item) => item.kind === 'ambiguous-session')));
    expect((JSON.parse(run.payload) as { items_total: number }).items_total).toBe(2);
  });
});
