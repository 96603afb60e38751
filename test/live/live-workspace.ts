import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { findFailureClass } from '../../src/catalog/failure-classes.js';
import { defaultConfig, type OpshealConfig } from '../../src/config/opsheal-config.js';
import { runClass, type RunResult } from '../../src/core/step-runner.js';
import type { Finding, LiveClass, LiveContext } from '../../src/live/live-class.js';
import { generateSampleWorkspace } from '../../src/sample/generate-sample-workspace.js';
import { cachedMemoryFileSource } from '../../src/workspace/cached-memory-files.js';
import { workspacePaths, type WorkspacePaths } from '../../src/workspace/workspace-paths.js';
import { fakeRunnerEnvironment, type FakeRunnerEnvironment } from '../support/fake-runner-environment.js';

/** The instant the fixtures generate at and the live context's clock reads. */
export const NOW = Date.UTC(2026, 1, 22, 12, 0, 0);

/** The contract's escalation fields, in order: extras come after them. */
export const CONTRACT_ESCALATION_KEYS = ['event', 'failure_class', 'step', 'attempts', 'owner', 'reason', 'next_action', 'command', 'timestamp'];

export type Row = Record<string, unknown>;

/** A generated workspace, made once per test file; each test works on its own copy. */
export interface WorkspaceTemplate {
  /** The template's folder (available once `beforeAll` has run). */
  readonly root: string;
  /** A fresh copy of the template in its own temporary folder, removed after the file's tests. */
  copy(options?: ContextOptions): LiveWorkspace;
}

export interface ContextOptions {
  /** Replaces parts of the default config (thresholds are merged). */
  readonly config?: Partial<Omit<OpshealConfig, 'thresholds'>> & { readonly thresholds?: Partial<OpshealConfig['thresholds']> };
  readonly backup?: boolean;
  /** `--db`: an index database somewhere else. */
  readonly db?: string;
}

/** One test's workspace: its paths, and a fresh live context per call (as each CLI process has its own). */
export interface LiveWorkspace {
  readonly root: string;
  readonly paths: WorkspacePaths;
  context(): LiveContext;
}

/**
 * Registers `beforeAll`/`afterAll` hooks that generate a sample workspace of `memories` memories
 * (the telemetry files included) and remove it and every copy afterwards.
 */
export function useWorkspaceTemplate(options: { memories?: number; seed?: number } = {}): WorkspaceTemplate {
  const temporary: string[] = [];
  let root: string | undefined;
  const tempDir = (prefix: string): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temporary.push(dir);
    return dir;
  };
  beforeAll(() => {
    root = join(tempDir('opsheal-template-'), 'workspace');
    generateSampleWorkspace(root, { memories: options.memories ?? 300, seed: options.seed ?? 7, now: NOW });
  });
  afterAll(() => {
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get root(): string {
      if (root === undefined) throw new Error('the template is made in beforeAll');
      return root;
    },
    copy(contextOptions = {}) {
      if (root === undefined) throw new Error('the template is made in beforeAll');
      const copy = join(tempDir('opsheal-live-'), 'workspace');
      cpSync(root, copy, { recursive: true });
      return liveWorkspace(copy, contextOptions);
    },
  };
}

/** A live workspace over an existing folder, with contexts built the way src/cli/live-context.ts builds them. */
export function liveWorkspace(root: string, options: ContextOptions = {}): LiveWorkspace {
  const defaults = defaultConfig(root);
  const config: OpshealConfig = {
    ...defaults,
    ...options.config,
    thresholds: { ...defaults.thresholds, ...options.config?.thresholds },
  };
  const paths = workspacePaths(root, config, options.db);
  return {
    root,
    paths,
    context: () => ({
      paths,
      config,
      now: () => NOW,
      backup: options.backup ?? false,
      rerunCommand: (failureClass, phase) => `opsheal ${phase === 'repair' ? 'heal' : 'check'} ${failureClass} --workspace ${root}`,
      memoryFiles: cachedMemoryFileSource(paths),
      progress: () => undefined,
    }),
  };
}

/** Runs a class's built-in steps through the real step runner in virtual time. */
export async function healClass(liveClass: LiveClass, context: LiveContext, maxAttempts = 3, backoffSeconds = 1): Promise<RunResult & { env: FakeRunnerEnvironment }> {
  const catalog = findFailureClass(liveClass.failureClass);
  if (!catalog) throw new Error(`${liveClass.failureClass} missing from the catalog`);
  const actions = liveClass.actions(context);
  const env = fakeRunnerEnvironment(NOW);
  const result = await runClass(
    {
      failureClass: catalog.id,
      owner: catalog.owner,
      scenario: 'live',
      recoverySummary: catalog.summary,
      healthySummary: catalog.healthySummary,
      policy: { maxAttempts, backoffSeconds },
      steps: catalog.steps.map((step) => ({ name: step.name, command: context.rerunCommand(catalog.id, step.phase), action: actions[step.phase] })),
    },
    env,
  );
  return { ...result, env };
}

/** `step:outcome` per attempt, for asserting the course of a run. */
export function attemptTrail(run: RunResult): string[] {
  return run.attempts.map((attempt) => `${attempt.step}:${attempt.outcome}`);
}

/** The details of the attempt-ended event of a step (its last attempt). */
export function stepDetails(run: { env: FakeRunnerEnvironment }, step: string): Record<string, unknown> | undefined {
  const ended = run.env.events.filter((event) => event.type === 'attempt-ended' && event.step === step);
  const last = ended[ended.length - 1];
  return last?.type === 'attempt-ended' ? { ...last.details } : undefined;
}

/** A finding reduced to what identifies it (kind, memory id, path, subject), for comparing inject with check. */
export function identity(finding: Finding): Finding {
  return {
    kind: finding.kind,
    ...(finding.memoryId !== undefined ? { memoryId: finding.memoryId } : {}),
    ...(finding.path !== undefined ? { path: finding.path } : {}),
    ...(finding.subject !== undefined ? { subject: finding.subject } : {}),
  };
}

/** Identities in a stable order. */
export function identities(findings: readonly Finding[]): Finding[] {
  const key = (finding: Finding): string => `${finding.kind}\u0000${finding.path ?? ''}\u0000${String(finding.memoryId ?? '').padStart(12, '0')}\u0000${finding.subject ?? ''}`;
  return findings.map(identity).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Every kind with the number of findings of it: what `check` reports for exactly these findings. */
export function expectedCounts(kinds: readonly string[], findings: readonly Finding[]): Record<string, number> {
  const counts = Object.fromEntries(kinds.map((kind) => [kind, 0]));
  for (const finding of findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  return counts;
}

/** SHA-256 of every file under `dir` (recursively), by `/`-separated path relative to `base`. */
export function hashFiles(dir: string, base = dir, skip: (relativePath: string) => boolean = () => false): Map<string, string> {
  const hashes = new Map<string, string>();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const rel = relative(base, path).split(sep).join('/');
      if (skip(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hashes.set(rel, createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(dir);
  return new Map([...hashes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The memory files (everything under specs/), hashed. */
export function hashMemoryFiles(root: string): Map<string, string> {
  return hashFiles(join(root, 'specs'), root);
}

/** Opens a database with sqlite-vec loaded (so vec_memories can be read), runs `work`, closes it. */
export function withDatabase<T>(dbPath: string, work: (db: Database.Database) => T, options: { readonly?: boolean } = {}): T {
  const db = new Database(dbPath, { readonly: options.readonly ?? false, fileMustExist: true });
  try {
    db.pragma('foreign_keys = OFF');
    sqliteVec.load(db);
    return work(db);
  } finally {
    db.close();
  }
}

/** Another writer (the memory server) committing a change of its own: the newest row's updated_at. */
export function otherWriterCommits(dbPath: string): void {
  withDatabase(dbPath, (db) => db.prepare('UPDATE memory_index SET updated_at = ? WHERE id = (SELECT max(id) FROM memory_index)').run('2026-03-01T00:00:00.000Z'));
}

/** Every row of a table, every column, by `order`. */
export function tableRows(dbPath: string, table: string, order = 'rowid'): Row[] {
  return withDatabase(dbPath, (db) => db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all() as Row[], { readonly: true });
}

/** The whole ledger, every column, by id. */
export function ledgerRows(dbPath: string): Row[] {
  return tableRows(dbPath, 'mutation_ledger', 'id');
}

/** Every memory_index row, every column, by id. */
export function indexRows(dbPath: string): Row[] {
  return tableRows(dbPath, 'memory_index', 'id');
}

/** The rowids of vec_memories. */
export function vectorIds(dbPath: string): number[] {
  return withDatabase(dbPath, (db) => (db.prepare('SELECT rowid FROM vec_memories ORDER BY rowid').raw(true).all() as unknown[][]).map((row) => Number(row[0])), { readonly: true });
}

/** `PRAGMA integrity_check` and the FTS5 integrity check, as `ok` or what they said. */
export function integrity(dbPath: string): { database: string[]; fts: string } {
  return withDatabase(dbPath, (db) => {
    const database = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
    let fts = 'ok';
    try {
      db.prepare(`INSERT INTO memory_fts(memory_fts, rank) VALUES('integrity-check', 1)`).run();
    } catch (error) {
      fts = error instanceof Error ? error.message : String(error);
    }
    return { database, fts };
  });
}

/** The state a heal must not lose: the memory files and the ledger. */
export interface HealBaseline {
  readonly files: Map<string, string>;
  readonly ledger: Row[];
  readonly index: Row[];
}

export function baseline(workspace: LiveWorkspace): HealBaseline {
  return { files: hashMemoryFiles(workspace.root), ledger: ledgerRows(workspace.paths.db), index: indexRows(workspace.paths.db) };
}

/**
 * The rules every live repair keeps, checked after a heal: every memory file byte-identical, the
 * ledger only grew with every earlier row unchanged, both integrity checks ok, and each memory_index
 * row the heal added, removed or changed linked by one of the ledger entries it appended. Returns
 * the appended ledger rows.
 */
export function expectRepairInvariants(workspace: LiveWorkspace, before: HealBaseline): Row[] {
  expect(hashMemoryFiles(workspace.root)).toEqual(before.files);
  const ledger = ledgerRows(workspace.paths.db);
  expect(ledger.length).toBeGreaterThanOrEqual(before.ledger.length);
  expect(ledger.slice(0, before.ledger.length)).toEqual(before.ledger);
  expect(integrity(workspace.paths.db)).toEqual({ database: ['ok'], fts: 'ok' });
  const appended = ledger.slice(before.ledger.length);
  const linked = new Set(appended.flatMap((row) => JSON.parse(String(row['linked_memory_ids'])) as number[]));
  for (const id of changedRowIds(before.index, indexRows(workspace.paths.db))) {
    expect(linked.has(id), `memory_index row ${id} changed without a ledger entry`).toBe(true);
  }
  return appended;
}

/** Ids of rows added, removed or changed (any column) between two snapshots of memory_index. */
export function changedRowIds(before: readonly Row[], after: readonly Row[]): number[] {
  const earlier = new Map(before.map((row) => [Number(row['id']), JSON.stringify(row)]));
  const later = new Map(after.map((row) => [Number(row['id']), JSON.stringify(row)]));
  const ids = new Set<number>();
  for (const [id, text] of earlier) if (later.get(id) !== text) ids.add(id);
  for (const id of later.keys()) if (!earlier.has(id)) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}

/**
 * Checks ledger rows a repair appended: actor opsheal, the run's timestamp, one linked memory, and a
 * decision_meta naming the tool, class, step and fault. Returns `mutation_type:fault` per row.
 */
export function expectRepairEntries(appended: readonly Row[], failureClass: string, step: string): string[] {
  return appended.map((row) => {
    expect(row['actor']).toBe('opsheal');
    expect(row['timestamp']).toBe(new Date(NOW).toISOString());
    expect(JSON.parse(String(row['linked_memory_ids']))).toHaveLength(1);
    const meta = JSON.parse(String(row['decision_meta'])) as Record<string, unknown>;
    expect(meta).toMatchObject({ tool: 'opsheal', failure_class: failureClass, step });
    expect(typeof meta['fault']).toBe('string');
    return `${String(row['mutation_type'])}:${String(meta['fault'])}`;
  });
}

/** The memory id an appended ledger row links. */
export function linkedId(row: Row): number {
  return (JSON.parse(String(row['linked_memory_ids'])) as number[])[0] as number;
}

/** SHA-256 of a file's bytes, hex. */
export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
