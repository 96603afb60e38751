import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexDriftClass } from '../../../src/live/index-drift/index-drift-class.js';
import { INDEX_DRIFT_KINDS } from '../../../src/live/index-drift/index-drift-state.js';
import type { Finding, LiveClass } from '../../../src/live/live-class.js';
import { LEDGER_MISMATCH_KINDS } from '../../../src/live/ledger-mismatch/detect-ledger-mismatch.js';
import { ledgerMismatchClass } from '../../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { SESSION_AMBIGUITY_KINDS } from '../../../src/live/session-ambiguity/detect-session-ambiguity.js';
import { sessionAmbiguityClass } from '../../../src/live/session-ambiguity/session-ambiguity-class.js';
import { cachedMemoryFileSource } from '../../../src/workspace/cached-memory-files.js';
import { buildServerDatabase, type ServerDatabase } from '../../support/server-database.js';
import { linesOf, runBin } from '../../support/run-bin.js';
import {
  baseline,
  expectedCounts,
  expectRepairEntries,
  expectRepairInvariants,
  healClass,
  identities,
  indexRows,
  liveWorkspace,
  tableRows,
  useWorkspaceTemplate,
  vectorIds,
  withDatabase,
  type LiveWorkspace,
  type Row,
} from '../live-workspace.js';

const template = useWorkspaceTemplate({ memories: 200, seed: 41 });
const FOREIGN_PATHS = ['/elsewhere/checkout/specs/001-other/memory/2026-01-01__foreign-a.md', '/elsewhere/checkout/specs/001-other/memory/2026-01-01__foreign-b.md'];
const EXTRA_TABLES = ['schema_version', 'memory_history', 'checkpoints', 'memory_conflicts', 'causal_edges', 'working_memory', 'memory_corrections'];
/** The memory_index columns opsheal writes; every other column of a row it keeps must stay as the server left it. */
const OWNED_COLUMNS = new Set(['spec_folder', 'title', 'trigger_phrases', 'importance_tier', 'context_type', 'session_id', 'content_hash', 'file_mtime_ms', 'embedding_status', 'updated_at']);

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the generated workspace whose index is a database in the real server's layout, kept
 * outside the workspace (`--db`), with absolute paths and two rows of another checkout.
 */
function serverWorkspace(options: { pathStyle?: 'absolute' | 'relative'; foreignPaths?: readonly string[]; throughSymlink?: boolean } = {}): { workspace: LiveWorkspace; server: ServerDatabase } {
  const copy = template.copy();
  rmSync(join(copy.paths.db, '..'), { recursive: true, force: true });
  const dir = mkdtempSync(join(tmpdir(), 'opsheal-server-db-'));
  scratch.push(dir);
  const dbPath = join(dir, 'context-index.sqlite');
  const files = cachedMemoryFileSource(copy.paths).scan().files;
  const server = buildServerDatabase(dbPath, { root: copy.root, files, pathStyle: options.pathStyle ?? 'absolute', foreignPaths: options.foreignPaths ?? FOREIGN_PATHS });
  // The server stored the real path; the operator names the workspace through a symlink to it.
  const root = options.throughSymlink ? join(dir, 'linked-workspace') : copy.root;
  if (options.throughSymlink) symlinkSync(copy.root, root, 'dir');
  return { workspace: liveWorkspace(root, { db: dbPath }), server };
}

function extraTables(dbPath: string): Record<string, Row[]> {
  return Object.fromEntries(EXTRA_TABLES.map((table) => [table, tableRows(dbPath, table)]));
}

/** A row's columns opsheal does not own. */
function serverColumns(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([column]) => !OWNED_COLUMNS.has(column)));
}

const CASES: ReadonlyArray<{ liveClass: LiveClass; kinds: readonly string[]; faults: readonly string[] }> = [
  { liveClass: indexDriftClass, kinds: INDEX_DRIFT_KINDS, faults: indexDriftClass.faultKinds },
  { liveClass: ledgerMismatchClass, kinds: LEDGER_MISMATCH_KINDS, faults: ledgerMismatchClass.faultKinds },
  { liveClass: sessionAmbiguityClass, kinds: SESSION_AMBIGUITY_KINDS, faults: ['misrouted-folder', 'wrong-session-id'] },
];

describe('a database with the real server\'s wider schema and absolute paths', () => {
  it('reports nothing on a clean copy, and counts the other checkout\'s rows as foreign', async () => {
    const { workspace, server } = serverWorkspace();
    expect(server.vectors).toBe('written');
    for (const { liveClass } of CASES) {
      const report = await liveClass.check(workspace.context());
      expect(report.findings, liveClass.failureClass).toEqual([]);
    }
    const index = await indexDriftClass.check(workspace.context());
    expect(index.notes).toEqual(['2 rows point outside the workspace: counted as foreign and left alone']);
    expect(index.metrics).toEqual({ files: 200, rows: 202 });
  });

  it('heals every fault kind of the three database classes; new rows absolute, foreign rows and the server\'s tables and columns untouched', async () => {
    const { workspace, server } = serverWorkspace();
    const { db } = workspace.paths;
    const claimed = new Set<number>();
    const injected = new Map<string, readonly Finding[]>();
    for (const { liveClass, faults } of CASES) {
      const found: Finding[] = [];
      for (const kind of faults) found.push(...(await liveClass.inject(workspace.context(), { kind, count: 2, seed: 6, claimed })).injected);
      injected.set(liveClass.failureClass, found);
    }
    for (const { liveClass, kinds } of CASES) {
      const report = await liveClass.check(workspace.context());
      const expected = injected.get(liveClass.failureClass) ?? [];
      expect(identities(report.findings), liveClass.failureClass).toEqual(identities(expected));
      expect(report.counts).toEqual(expectedCounts(kinds, expected));
    }

    const foreignIds = FOREIGN_PATHS.map((path) => server.ids.get(path));
    const tablesBefore = extraTables(db);
    const before = baseline(workspace);
    for (const { liveClass } of CASES) {
      const run = await healClass(liveClass, workspace.context());
      expect(run.outcome, `${liveClass.failureClass}: ${run.payload}`).toBe('recovered');
      expect((await liveClass.check(workspace.context())).findings, liveClass.failureClass).toEqual([]);
    }
    for (const { liveClass } of CASES) expect((await liveClass.check(workspace.context())).findings, liveClass.failureClass).toEqual([]);

    const appended = expectRepairInvariants(workspace, before);
    expect(appended.length).toBeGreaterThan(0);
    expect(extraTables(db)).toEqual(tablesBefore);
    const after = indexRows(db);
    const earlier = new Map(before.index.map((row) => [Number(row['id']), row]));
    for (const row of after) {
      const old = earlier.get(Number(row['id']));
      if (old !== undefined) {
        expect(serverColumns(row)).toEqual(serverColumns(old));
        continue;
      }
      // A row opsheal added: the path in the table's absolute form, the server's columns at their defaults.
      expect(String(row['file_path']).startsWith(`${workspace.root}/specs/`)).toBe(true);
      expect(row).toMatchObject({ embedding_status: 'pending', importance_weight: 0.5, channel: 'default', version: 1, retry_count: 0, memory_type: 'episodic', content_text: null });
    }
    const added = after.filter((row) => !earlier.has(Number(row['id'])));
    expect(added).toHaveLength(4);
    for (const id of foreignIds) {
      expect(after.find((row) => Number(row['id']) === id)).toEqual(earlier.get(id as number));
    }
    const repairSteps: Record<string, string> = { 'index-drift': 'rebuild-index', 'ledger-mismatch': 'replay-ledger', 'session-ambiguity': 'refresh-session-candidates' };
    const byClass = (failureClass: string) => appended.filter((row) => (JSON.parse(String(row['decision_meta'])) as { failure_class?: string }).failure_class === failureClass);
    expect(Object.keys(repairSteps).map((failureClass) => byClass(failureClass).length).reduce((x, y) => x + y)).toBe(appended.length);
    for (const [failureClass, step] of Object.entries(repairSteps)) expect(expectRepairEntries(byClass(failureClass), failureClass, step).length).toBeGreaterThan(0);
    expect(vectorIds(db).every((id) => after.some((row) => Number(row['id']) === id))).toBe(true);
  });

  it('keeps new rows relative when the table is relative, even if its first row is another checkout\'s absolute path (regression: foreign first row decided the path style)', async () => {
    const { workspace } = serverWorkspace({ pathStyle: 'relative', foreignPaths: [] });
    withDatabase(workspace.paths.db, (db) => {
      db.prepare(`INSERT INTO memory_index (id, spec_folder, file_path, created_at, updated_at, content_hash) VALUES (1, 'foreign/spec', ?, 'x', 'x', ?)`).run(FOREIGN_PATHS[0], '0'.repeat(64));
      db.prepare(`INSERT INTO mutation_ledger (timestamp, mutation_type, reason, new_hash, linked_memory_ids, actor) VALUES ('x', 'create', 'test', ?, '[1]', 'memory-server')`).run('0'.repeat(64));
    });
    const injection = await indexDriftClass.inject(workspace.context(), { kind: 'unindexed-file', count: 1, seed: 2 });
    const run = await healClass(indexDriftClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    const path = injection.injected[0]?.path as string;
    expect(indexRows(workspace.paths.db).filter((row) => row['file_path'] === path)).toHaveLength(1);
  });

  it('injects orphaned vectors as wide as the server\'s vec_memories, and heal drops them (regression: injected vectors were always 8 wide)', async () => {
    const { workspace } = serverWorkspace();
    const injection = await indexDriftClass.inject(workspace.context(), { kind: 'orphaned-vector', count: 2, seed: 1 });
    const ids = injection.injected.map((item) => item.memoryId as number);
    expect(ids).toHaveLength(2);
    const widths = withDatabase(workspace.paths.db, (db) => ids.map((id) => (db.prepare('SELECT vec_length(embedding) AS width FROM vec_memories WHERE rowid = ?').get(BigInt(id)) as { width: number }).width), { readonly: true });
    expect(widths).toEqual([768, 768]);
    expect(identities((await indexDriftClass.check(workspace.context())).findings)).toEqual(identities(injection.injected));
    expect((await healClass(indexDriftClass, workspace.context())).outcome).toBe('recovered');
    expect(vectorIds(workspace.paths.db).some((id) => ids.includes(id))).toBe(false);
  });

  it('matches absolute paths under the workspace\'s real path when it is named through a symlink (regression: every row foreign, every file missing)', async () => {
    const { workspace } = serverWorkspace({ throughSymlink: true });
    const real = realpathSync(workspace.root);
    expect(real).not.toBe(workspace.root);
    const clean = await indexDriftClass.check(workspace.context());
    expect(clean.findings).toEqual([]);
    expect(clean.notes).toEqual(['2 rows point outside the workspace: counted as foreign and left alone']);
    expect((await sessionAmbiguityClass.check(workspace.context())).findings).toEqual([]);

    const injection = await indexDriftClass.inject(workspace.context(), { kind: 'unindexed-file', count: 1, seed: 2 });
    await indexDriftClass.inject(workspace.context(), { kind: 'deleted-file', count: 1, seed: 2 });
    expect((await indexDriftClass.check(workspace.context())).counts).toMatchObject({ missing: 1, orphaned: 1 });
    const before = baseline(workspace);
    expect((await healClass(indexDriftClass, workspace.context())).outcome).toBe('recovered');
    expectRepairInvariants(workspace, before);
    // The new row is written in the table's form: under the real path, as the server wrote the others.
    const path = injection.injected[0]?.path as string;
    expect(indexRows(workspace.paths.db).filter((row) => row['file_path'] === join(real, path))).toHaveLength(1);
    expect(indexRows(workspace.paths.db)).toHaveLength(202);
  });

  it('indexes session look-ups though the server\'s only index naming session_id does not lead with it (regression: idx_memories_scope taken for a session index)', async () => {
    const { workspace } = serverWorkspace();
    const lookupPlan = (): string => withDatabase(workspace.paths.db, (db) => (db.prepare('EXPLAIN QUERY PLAN SELECT id, spec_folder FROM memory_index WHERE session_id = ?').all('x') as { detail: string }[]).map((step) => step.detail).join('; '), { readonly: true });
    expect(lookupPlan()).toMatch(/^SCAN memory_index USING COVERING INDEX idx_memories_scope$/);
    await sessionAmbiguityClass.inject(workspace.context(), { kind: 'misrouted-folder', count: 1, seed: 3 });
    const plan = await sessionAmbiguityClass.plan(workspace.context());
    expect(plan.changes.map((change) => change.action)).toEqual(['reroute-row', 'create-index']);
    const run = await healClass(sessionAmbiguityClass, workspace.context());
    expect(run.outcome).toBe('recovered');
    expect(run.env.events.find((event) => event.type === 'attempt-ended' && event.step === 'refresh-session-candidates')).toMatchObject({ details: { rerouted: 1, session_index_created: 1 } });
    expect(lookupPlan()).toMatch(/^SEARCH memory_index USING INDEX opsheal_idx_memory_index_session_id \(session_id=\?\)$/);
  });

  it('never deletes a foreign row whose file is missing, nor judges its routing', async () => {
    const { workspace, server } = serverWorkspace();
    withDatabase(workspace.paths.db, (db) => db.prepare(`UPDATE memory_index SET spec_folder = 'somewhere/else', session_id = 'ses_foreign' WHERE id = ?`).run(server.ids.get(FOREIGN_PATHS[0] as string)));
    const before = baseline(workspace);
    expect((await indexDriftClass.check(workspace.context())).findings).toEqual([]);
    expect((await sessionAmbiguityClass.check(workspace.context())).findings).toEqual([]);
    for (const liveClass of [indexDriftClass, sessionAmbiguityClass]) await healClass(liveClass, workspace.context());
    expect(indexRows(workspace.paths.db)).toEqual(before.index);
  });

  it('runs check and heal through the CLI with --db: drift healed, foreign rows kept', () => {
    const { workspace } = serverWorkspace();
    const { db } = workspace.paths;
    const selector = ['--workspace', workspace.root, '--db', db];
    const inject = runBin('opsheal', ['inject', 'index-drift', ...selector, '--count', '2', '--seed', '3']);
    expect(inject.status, inject.stderr).toBe(0);
    const injectedLedger = runBin('opsheal', ['inject', 'ledger-mismatch', ...selector, '--seed', '3']);
    expect(injectedLedger.status, injectedLedger.stderr).toBe(0);
    const check = runBin('opsheal', ['check', 'index-drift', ...selector, '--json']);
    expect(check.status).toBe(1);
    const report = JSON.parse(linesOf(check.stdout)[0] as string) as { counts: Record<string, number>; notes: string[] };
    expect(report.counts).toMatchObject({ missing: 4, orphaned: 2, stale: 2, 'fts-out-of-step': 2, 'orphaned-vector': 2 });
    expect(report.notes).toContain('2 rows point outside the workspace: counted as foreign and left alone');

    const before = baseline(workspace);
    const heal = runBin('opsheal', ['heal', 'index-drift', ...selector]);
    expect(heal.status, heal.stdout + heal.stderr).toBe(0);
    const healLedger = runBin('opsheal', ['heal', 'ledger-mismatch', ...selector]);
    expect(healLedger.status, healLedger.stdout + healLedger.stderr).toBe(0);
    expectRepairInvariants(workspace, before);
    const recheck = runBin('opsheal', ['check', 'all', ...selector]);
    expect(recheck.stdout).toMatch(/^index-drift: healthy/m);
    expect(recheck.stdout).toMatch(/^ledger-mismatch: healthy/m);
    expect(indexRows(db).filter((row) => String(row['file_path']).startsWith('/elsewhere/'))).toHaveLength(2);
    expect(indexRows(db).every((row) => String(row['file_path']).startsWith('/'))).toBe(true);
  });
});
