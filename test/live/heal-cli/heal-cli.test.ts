import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../../src/catalog/failure-classes.js';
import { generateSampleWorkspace } from '../../../src/sample/generate-sample-workspace.js';
import { topLevelKeys } from '../../support/json-keys.js';
import { linesOf, runBin, type BinResult } from '../../support/run-bin.js';
import {
  baseline,
  CONTRACT_ESCALATION_KEYS,
  expectRepairInvariants,
  hashFiles,
  hashMemoryFiles,
  indexRows,
  ledgerRows,
  liveWorkspace,
  NOW,
  useWorkspaceTemplate,
  type LiveWorkspace,
} from '../live-workspace.js';

const template = useWorkspaceTemplate({ memories: 250, seed: 3 });
const CLASSES = FAILURE_CLASSES.map((failureClass) => failureClass.id);

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function opsheal(args: readonly string[]): BinResult {
  return runBin('opsheal', args);
}

function on(workspace: LiveWorkspace, ...args: string[]): string[] {
  return [...args, '--workspace', workspace.root];
}

/** The JSON lines of an output (payloads, INJECTED, check --json), parsed. */
function jsonLines(output: string): Array<Record<string, unknown>> {
  return linesOf(output).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `check all --json`, by class. */
function checkAll(workspace: LiveWorkspace): { status: number | null; byClass: Map<string, { healthy: boolean; counts: Record<string, number>; findings: Array<Record<string, unknown>> }> } {
  const result = opsheal(on(workspace, 'check', 'all', '--json'));
  const byClass = new Map(jsonLines(result.stdout).map((report) => [report['class'] as string, report as never]));
  return { status: result.status, byClass };
}

/** Only the counts above zero. */
function found(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
}

/** A finding's identity, as `kind|id|path|subject`. */
function key(finding: Record<string, unknown>): string {
  return [finding['kind'], finding['memoryId'] ?? '', finding['path'] ?? '', finding['subject'] ?? ''].join('|');
}

describe('opsheal check, heal and inject on a live workspace', () => {
  it.each([1, 2, 3])('finds nothing in a freshly generated workspace (seed %d): no false positives in any class', (seed) => {
    const dir = mkdtempSync(join(tmpdir(), 'opsheal-clean-'));
    scratch.push(dir);
    generateSampleWorkspace(join(dir, 'w'), { memories: 120, seed, now: NOW });
    const workspace = liveWorkspace(join(dir, 'w'));
    const { status, byClass } = checkAll(workspace);
    expect(status).toBe(0);
    expect([...byClass.keys()]).toEqual(CLASSES);
    for (const [failureClass, report] of byClass) {
      expect(report.findings, failureClass).toEqual([]);
      expect(report.healthy).toBe(true);
    }
  });

  it('heals mixed faults of every kind in one heal all: all recovered but the ambiguous sessions and unknown events, which escalate', () => {
    const workspace = template.copy();
    const inject = opsheal(on(workspace, 'inject', 'all', '--count', '2', '--seed', '5'));
    expect(inject.status, inject.stderr).toBe(0);
    const injected = new Map(jsonLines(inject.stdout).map((line) => [line['failure_class'] as string, line['faults'] as Array<Record<string, unknown>>]));
    expect([...injected.keys()]).toEqual(CLASSES);

    const before = checkAll(workspace);
    expect(before.status).toBe(1);
    for (const failureClass of CLASSES) {
      const faults = injected.get(failureClass) ?? [];
      expect(before.byClass.get(failureClass)?.findings.map(key).sort(), failureClass).toEqual(faults.map(key).sort());
    }
    const faultKinds = (failureClass: string) => new Set((injected.get(failureClass) ?? []).map((fault) => fault['kind']));
    expect(faultKinds('index-drift')).toEqual(new Set(['missing', 'orphaned', 'stale', 'fts-out-of-step', 'orphaned-vector']));
    expect(faultKinds('ledger-mismatch')).toEqual(new Set(['unrecorded-state', 'unrecorded-deletion', 'unguarded-ledger']));
    expect(faultKinds('session-ambiguity')).toEqual(new Set(['misrouted-folder', 'misrouted-session', 'ambiguous-session']));

    const files = hashMemoryFiles(workspace.root);
    const ledger = ledgerRows(workspace.paths.db);
    const heal = opsheal(on(workspace, 'heal', 'all'));
    expect(heal.status, heal.stderr).toBe(1);
    const payloads = jsonLines(heal.stdout);
    expect(payloads.map((payload) => `${payload['failure_class']}:${payload['event']}`)).toEqual([
      'index-drift:RECOVERY_COMPLETE',
      'session-ambiguity:ESCALATION',
      'ledger-mismatch:RECOVERY_COMPLETE',
      'telemetry-drift:ESCALATION',
    ]);
    const sessionLine = linesOf(heal.stdout).find((line) => line.startsWith('{"event":"ESCALATION","failure_class":"session-ambiguity"')) as string;
    expect(topLevelKeys(sessionLine).slice(0, CONTRACT_ESCALATION_KEYS.length)).toEqual(CONTRACT_ESCALATION_KEYS);
    const ambiguous = (injected.get('session-ambiguity') ?? []).filter((fault) => fault['kind'] === 'ambiguous-session');
    expect(payloads[1]).toMatchObject({ owner: 'QA Lead', reason: 'bounded-retry-exhausted', step: 'verify-latency-and-route', items_total: ambiguous.length });
    expect((payloads[1]?.['items'] as Array<{ session_id: string }>).map((item) => item.session_id).sort()).toEqual(ambiguous.map((fault) => fault['subject']).sort());
    expect(payloads[3]).toMatchObject({ owner: 'Operations Lead', reason: 'bounded-retry-exhausted', items_total: 2 });

    const after = checkAll(workspace);
    expect(after.status).toBe(1);
    expect(after.byClass.get('index-drift')?.findings).toEqual([]);
    expect(after.byClass.get('ledger-mismatch')?.findings).toEqual([]);
    expect(after.byClass.get('session-ambiguity')?.findings.map(key).sort()).toEqual(ambiguous.map(key).sort());
    expect(found(after.byClass.get('telemetry-drift')?.counts ?? {})).toEqual({ 'unknown-emitted-event': 2 });

    expect(hashMemoryFiles(workspace.root)).toEqual(files);
    const ledgerAfter = ledgerRows(workspace.paths.db);
    expect(ledgerAfter.slice(0, ledger.length)).toEqual(ledger);
    for (const row of ledgerAfter.slice(ledger.length)) {
      expect(row['actor']).toBe('opsheal');
      expect(JSON.parse(String(row['decision_meta']))).toMatchObject({ tool: 'opsheal', failure_class: expect.any(String), step: expect.any(String), fault: expect.any(String) });
    }
  });

  it('injects the same faults for the same seed, and others for another seed', () => {
    const [first, second, third] = [template.copy(), template.copy(), template.copy()] as const;
    const run = (workspace: LiveWorkspace, seed: string) => opsheal(on(workspace, 'inject', 'all', '--count', '2', '--seed', seed));
    const a = run(first, '9');
    const b = run(second, '9');
    const c = run(third, '10');
    expect(a.status).toBe(0);
    expect(b.stdout.replaceAll(second.root, first.root)).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    expect(hashMemoryFiles(second.root)).toEqual(hashMemoryFiles(first.root));
    expect(ledgerRows(second.paths.db)).toEqual(ledgerRows(first.paths.db));
  });

  it('heal --dry-run prints the plan, exits 0 and changes no byte of the database or any file', () => {
    const workspace = template.copy();
    expect(opsheal(on(workspace, 'inject', 'all', '--count', '2')).status).toBe(0);
    const before = hashFiles(workspace.root);
    const dryRun = opsheal(on(workspace, 'heal', 'all', '--dry-run'));
    expect(dryRun.status, dryRun.stderr).toBe(0);
    const lines = linesOf(dryRun.stdout);
    for (const failureClass of CLASSES) expect(lines.some((line) => line.includes(`| PLAN | class=${failureClass} changes=`))).toBe(true);
    expect(lines.some((line) => / \| CHANGE \| class=index-drift action=insert-row path=specs\//.test(line))).toBe(true);
    expect(lines.some((line) => / \| CHANGE \| class=ledger-mismatch action=recreate-trigger subject=prevent_ledger_update/.test(line))).toBe(true);
    expect(lines.some((line) => / \| DECIDE \| class=session-ambiguity action=ambiguous-session subject=/.test(line))).toBe(true);
    expect(lines.some((line) => line.includes('| STATE |') || line.includes('"event"'))).toBe(false);
    expect(hashFiles(workspace.root)).toEqual(before);
    expect(existsSync(join(workspace.root, '.opsheal'))).toBe(false);

    const json = opsheal(on(workspace, 'heal', 'index-drift', '--dry-run', '--json'));
    expect(json.status).toBe(0);
    const [plan] = jsonLines(json.stdout);
    expect(plan).toMatchObject({ event: 'PLAN', failure_class: 'index-drift' });
    expect((plan?.['changes'] as Array<{ action: string }>).map((change) => change.action)).toContain('rebuild-fts');
    expect(hashFiles(workspace.root)).toEqual(before);
  });

  it('a second heal right after a successful one finds nothing and prints the HEALTHY payloads', () => {
    const workspace = template.copy();
    for (const args of [['index-drift', '--count', '2'], ['ledger-mismatch'], ['session-ambiguity', '--kind', 'misrouted-folder']]) {
      const [failureClass, ...rest] = args;
      expect(opsheal(on(workspace, 'inject', failureClass as string, ...rest)).status).toBe(0);
    }
    const first = opsheal(on(workspace, 'heal', 'all'));
    expect(first.status, first.stdout).toBe(0);
    expect(jsonLines(first.stdout).map((payload) => payload['event'])).toEqual(['RECOVERY_COMPLETE', 'RECOVERY_COMPLETE', 'RECOVERY_COMPLETE', 'HEALTHY']);
    const before = baseline(workspace);
    const second = opsheal(on(workspace, 'heal', 'all'));
    expect(second.status).toBe(0);
    const payloads = jsonLines(second.stdout);
    expect(payloads.map((payload) => payload['event'])).toEqual(['HEALTHY', 'HEALTHY', 'HEALTHY', 'HEALTHY']);
    expect(payloads[0]).toEqual({ event: 'HEALTHY', failure_class: 'index-drift', owner: 'Engineering Lead', summary: 'index matches the memory files', timestamp: '2026-02-22T00:00:00Z' });
    expect(linesOf(second.stdout).filter((line) => line.includes('| ACTION |'))).toHaveLength(4);
    expect(expectRepairInvariants(workspace, before)).toEqual([]);
    expect(indexRows(workspace.paths.db)).toEqual(before.index);
  });

  it('takes one online backup under .opsheal/backups/ per run, of the state before its first change, and never replaces an earlier one (regression: heal all overwrote earlier backups of the same second)', () => {
    const workspace = template.copy();
    expect(opsheal(on(workspace, 'inject', 'index-drift', '--count', '2')).status).toBe(0);
    expect(opsheal(on(workspace, 'inject', 'ledger-mismatch')).status).toBe(0);
    const ledgerBefore = ledgerRows(workspace.paths.db).length;
    const rowsBefore = indexRows(workspace.paths.db);
    const heal = opsheal(on(workspace, 'heal', 'all'));
    expect(heal.status, heal.stdout).toBe(0);
    const backupsDir = join(workspace.root, '.opsheal', 'backups');
    // index-drift's repair and ledger-mismatch's replay both changed the database; nothing else did
    // in between, so the one backup (before index-drift's repair) covers the run.
    const backups = (): string[] => readdirSync(backupsDir).filter((name) => name.endsWith('.sqlite')).sort();
    expect(backups()).toHaveLength(1);
    expect(readdirSync(backupsDir).filter((name) => name.includes('.partial'))).toEqual([]);
    const [first] = backups() as [string];
    expect(first).toMatch(/^context-index-20260222T000000Z-\d+\.sqlite$/);
    expect(indexRows(join(backupsDir, first))).toEqual(rowsBefore);
    expect(ledgerRows(join(backupsDir, first))).toHaveLength(ledgerBefore);

    // A later run, in the same (fixed) second, keeps the first backup and adds its own.
    expect(opsheal(on(workspace, 'inject', 'index-drift', '--kind', 'deleted-row', '--seed', '9')).status).toBe(0);
    const rowsBeforeSecond = indexRows(workspace.paths.db);
    expect(opsheal(on(workspace, 'heal', 'all')).status).toBe(0);
    const after = backups();
    expect(after).toHaveLength(2);
    expect(after).toContain(first);
    const second = after.find((name) => name !== first) as string;
    expect(indexRows(join(backupsDir, second))).toEqual(rowsBeforeSecond);
  });

  it('skips the backup with --no-backup', () => {
    const workspace = template.copy();
    expect(opsheal(on(workspace, 'inject', 'index-drift', '--kind', 'deleted-file')).status).toBe(0);
    const heal = opsheal(on(workspace, 'heal', 'index-drift', '--no-backup'));
    expect(heal.status).toBe(0);
    const backupsDir = join(workspace.root, '.opsheal', 'backups');
    expect(existsSync(backupsDir) ? readdirSync(backupsDir) : []).toEqual([]);
  });

  it('check exits 0 when healthy, 1 when drift is found, 2 on a usage error', () => {
    const workspace = template.copy();
    expect(opsheal(on(workspace, 'check', 'index-drift')).status).toBe(0);
    expect(opsheal(on(workspace, 'inject', 'index-drift', '--kind', 'edited-file')).status).toBe(0);
    const drift = opsheal(on(workspace, 'check', 'index-drift'));
    expect(drift.status).toBe(1);
    expect(linesOf(drift.stdout)[0]).toMatch(/^index-drift: drift found stale=1 files=250 rows=250$/);
    expect(opsheal(on(workspace, 'check', 'ledger-mismatch')).status).toBe(0);
    const usage = opsheal(on(workspace, 'check', 'index-drifts'));
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^ERROR: /);
  });

  it.each([
    ['an unknown class', (root: string) => ['heal', 'no-such-class', '--workspace', root]],
    ['a missing class', (root: string) => ['heal', '--workspace', root]],
    ['a missing workspace', (root: string) => ['check', 'all', '--workspace', join(root, 'does-not-exist')]],
    ['a workspace without an index database', (root: string) => ['heal', 'index-drift', '--workspace', join(root, 'specs')]],
    ['a folder given as the index database', (root: string) => ['heal', 'all', '--workspace', root, '--db', join(root, 'specs')]],
    ['a folder given as the index database to check', (root: string) => ['check', 'index-drift', '--workspace', root, '--db', root]],
    ['a count of zero', (root: string) => ['inject', 'index-drift', '--workspace', root, '--count', '0']],
    ['a count that is not a number', (root: string) => ['inject', 'index-drift', '--workspace', root, '--count', 'two']],
    ['an unknown fault kind', (root: string) => ['inject', 'index-drift', '--workspace', root, '--kind', 'on-fire']],
    ['a bad --max-attempts', (root: string) => ['heal', 'all', '--workspace', root, '--max-attempts', '0']],
  ])('exits 2 with ERROR: on stderr for %s, and changes nothing', (_name, args) => {
    const workspace = template.copy();
    const before = hashFiles(workspace.root);
    const result = opsheal(args(workspace.root));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^ERROR: \S/);
    expect(hashFiles(workspace.root)).toEqual(before);
  });

  // Regression: `inject all` on a database without vec_memories made the file, row, FTS and ledger
  // faults, then failed at orphaned-vector: exit 1, faults made and none reported.
  it.each([
    ['inject all, and vec_memories is gone', 'DROP TABLE vec_memories', ['all'], /^ERROR: cannot inject orphaned-vector: the database has no vec_memories table; nothing was injected/],
    ['inject index-drift, and memory_fts is gone', 'DROP TABLE memory_fts', ['index-drift'], /^ERROR: cannot inject fts-out-of-step: the database has no memory_fts table; nothing was injected/],
    ['inject all, and every memory is in one spec folder', "UPDATE memory_index SET spec_folder = 'one-folder'", ['all'], /^ERROR: cannot inject misrouted-folder: the workspace has only one spec folder; nothing was injected/],
  ])('%s: exits 2 before making any fault, and changes nothing', (_name, sql, target, message) => {
    const workspace = template.copy();
    const db = new Database(workspace.paths.db);
    sqliteVec.load(db);
    if (sql.startsWith('DROP TABLE memory_fts')) db.exec(`DROP TRIGGER memory_fts_insert; DROP TRIGGER memory_fts_delete; DROP TRIGGER memory_fts_update`);
    db.exec(sql);
    db.close();
    const before = hashFiles(workspace.root);
    const result = opsheal(on(workspace, 'inject', ...target, '--count', '2'));
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(hashFiles(workspace.root)).toEqual(before);
  });

  it('inject of a missing telemetry schema exits 2 before the index faults are made', () => {
    const workspace = template.copy();
    rmSync(workspace.paths.telemetrySchema);
    const before = hashFiles(workspace.root);
    const result = opsheal(on(workspace, 'inject', 'all'));
    expect(result.status, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERROR: cannot inject telemetry-drift faults: .+ not found; nothing was injected/);
    expect(hashFiles(workspace.root)).toEqual(before);
  });
});
