// Shared pieces of the torture harness: seeded randomness, running the built executables as child
// processes, snapshots of a workspace (memory files, ledger rows, the database's logical state) and
// the checks every scenario makes after it has done its worst.
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: bin/ and dist/ live here. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where the index database sits inside a generated workspace. */
export const DB_PATH = '.opencode/skill/system-spec-kit/mcp_server/database/context-index.sqlite';

/** Every timestamp the executables write is this instant (2026-02-22T00:00:00Z), so repairs are reproducible. */
export const EPOCH = '1771718400';

/** The executables, as installed in bin/. */
export const EXECUTABLES = ['opsheal', 'runbook', 'heal-index-drift', 'heal-session-ambiguity', 'heal-ledger-mismatch', 'heal-telemetry-drift'];

/** Findings that no repair mends: what a converged `check all` may still show. */
export const ESCALATION_ONLY_KINDS = new Set(['ambiguous-session', 'unknown-emitted-event']);

/** Classes whose `heal` is expected to escalate (exit 1) on an injected workspace, and only for the kinds above. */
export const ESCALATING_CLASSES = new Set(['session-ambiguity', 'telemetry-drift']);

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: small, fast and good enough to pick delays and cases; the same seed, the same picks. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** A number in [min, max). */
    between: (min, max) => min + next() * (max - min),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (probability) => next() < probability,
  };
}

/** A scenario's own seed, derived from the run's seed and its name, so `--only` replays it alone. */
export function deriveSeed(seed, label) {
  return createHash('sha256').update(`${seed}:${label}`).digest().readUInt32BE(0);
}

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Starts `bin/<program>` with Node and collects what it prints. `onLine(line, elapsedMs)` sees each
 * stdout line as it arrives. The process is killed (SIGKILL) after `timeoutMs`; `result.timedOut`
 * says so. Resolves with status, signal, stdout, stderr, the stdout lines with their arrival times,
 * and the elapsed time.
 */
export function startBin(program, args, options = {}) {
  const started = performance.now();
  // TMPDIR: a live drill's or a demo's sandbox (kept with --keep) lands in the run's scratch folder.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TORTURE_TMPDIR, SOURCE_DATE_EPOCH: EPOCH, ...(options.env ?? {}) };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(process.execPath, [join(ROOT, 'bin', program), ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = [];
  const stderr = [];
  const lines = [];
  let pending = '';
  child.stdout.on('data', (chunk) => {
    stdout.push(chunk);
    pending += chunk.toString('utf8');
    let newline;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const at = performance.now() - started;
      lines.push({ line, at });
      options.onLine?.(line, at);
    }
  });
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const done = new Promise((resolve) => {
    child.on('error', (error) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ status: null, signal: null, error, stdout: '', stderr: String(error), lines, elapsedMs: performance.now() - started, timedOut });
    });
    child.on('close', (status, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        lines,
        elapsedMs: performance.now() - started,
        timedOut,
      });
    });
  });
  return { child, done, started };
}

/** Runs `bin/<program>` to its end (at most `timeoutMs`, default 60 s). */
export function runBin(program, args, options = {}) {
  return startBin(program, args, { timeoutMs: 60_000, ...options }).done;
}

/** A stack trace or Node's internals on stderr: the CLI let an error escape instead of explaining it. */
export function stackTraceIn(text) {
  return /^\s+at .+/m.test(text) || text.includes('node:internal');
}

/** The stdout lines that start with `{` and do not parse as JSON. */
export function unparsableJsonLines(stdout) {
  return stdout.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    try {
      JSON.parse(line);
      return false;
    } catch {
      return true;
    }
  });
}

/** The run's payload lines (ESCALATION, RECOVERY_COMPLETE, HEALTHY), parsed. */
export function payloadsOf(stdout) {
  const payloads = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"event":')) continue;
    try {
      payloads.push(JSON.parse(line));
    } catch {
      // reported by unparsableJsonLines
    }
  }
  return payloads;
}

/**
 * Runs `tasks` (functions returning promises) at most `jobs` at a time; results in task order.
 * `progress(done, total)` is called after each one.
 */
export async function pool(tasks, jobs, progress) {
  const results = new Array(tasks.length);
  let nextIndex = 0;
  let done = 0;
  const worker = async () => {
    while (nextIndex < tasks.length) {
      const index = nextIndex++;
      results[index] = await tasks[index]();
      progress?.(++done, tasks.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return results;
}

/** Removes a trial's folder once it passed (a full run would otherwise fill gigabytes); failures stay for a look. */
export function tidy(folder, result, keep) {
  if (keep || result.failures.length > 0) return;
  rmSync(folder, { recursive: true, force: true });
}

/** A `pool` progress callback that logs every tenth of a long scenario. */
export function progressLog(label, log) {
  return (done, total) => {
    if (total >= 100 && done % Math.ceil(total / 10) === 0 && done < total) log(`${label}: ${done} of ${total} trials done`);
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Workspaces and snapshots

/** Copies a workspace (symbolic links as links, never followed; mtimes kept, as rows record them). */
export function copyWorkspace(from, to) {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/**
 * Every file under `folder` (links recorded as their target, never followed) as path → sha256 of
 * its bytes. `skip(relativePath)` leaves folders or files out.
 */
export function hashTree(folder, skip = () => false) {
  const hashes = new Map();
  const walk = (current) => {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      const rel = relative(folder, path);
      if (skip(rel)) continue;
      if (entry.isSymbolicLink()) hashes.set(rel, `link:${readlinkSync(path)}`);
      else if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        try {
          hashes.set(rel, createHash('sha256').update(readFileSync(path)).digest('hex'));
        } catch (error) {
          // Unreadable to us too (or a name that is not UTF-8 and so cannot be opened by it): keep what can be seen.
          const stats = lstatSync(path, { throwIfNoEntry: false });
          hashes.set(rel, `unreadable:${error.code}:${stats?.size}:${stats?.mtimeMs}`);
        }
      }
      else hashes.set(rel, `special:${lstatSync(path).mode}`);
    }
  };
  walk(folder);
  return hashes;
}

/** What differs between two `hashTree`s: at most `limit` descriptions. */
export function treeDifferences(before, after, limit = 5) {
  const differences = [];
  for (const [path, hash] of before) {
    if (!after.has(path)) differences.push(`${path} is gone`);
    else if (after.get(path) !== hash) differences.push(`${path} changed`);
  }
  for (const path of after.keys()) if (!before.has(path)) differences.push(`${path} appeared`);
  return { count: differences.length, first: differences.slice(0, limit) };
}

/** Opens a database for the harness's own reads (sqlite-vec loaded when it can be). */
export function openDatabase(path, options = {}) {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: true, timeout: 10_000 });
  try {
    sqliteVec.load(db);
  } catch {
    // Vectors then stay out of the state hash; both sides of a comparison are read the same way.
  }
  return db;
}

/** Every ledger row, keyed by id, as a JSON string of its columns. */
export function ledgerRows(db) {
  const rows = new Map();
  for (const row of db.prepare('SELECT * FROM mutation_ledger ORDER BY id').all()) rows.set(row.id, JSON.stringify(row));
  return rows;
}

/** Ledger rows of `before` that are missing or changed in `after`. */
export function ledgerLosses(before, after, limit = 5) {
  const losses = [];
  for (const [id, row] of before) {
    if (!after.has(id)) losses.push(`ledger row ${id} is gone`);
    else if (after.get(id) !== row) losses.push(`ledger row ${id} changed`);
  }
  return { count: losses.length, first: losses.slice(0, limit) };
}

/**
 * The database's logical state as one hash: memory_index and mutation_ledger rows, the schema
 * (tables, indexes, triggers) and the vector rowids. Under a fixed SOURCE_DATE_EPOCH a repair
 * always produces the same state, so a database killed mid-heal must hold one of the states an
 * uninterrupted heal passes through.
 */
export function databaseState(db) {
  const hash = createHash('sha256');
  const add = (label, rows) => {
    hash.update(label);
    for (const row of rows) hash.update(JSON.stringify(row)).update('\n');
  };
  add('index', db.prepare('SELECT * FROM memory_index ORDER BY id').raw(true).all());
  add('ledger', db.prepare('SELECT * FROM mutation_ledger ORDER BY id').raw(true).all());
  add('schema', db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').raw(true).all());
  try {
    add('vectors', db.prepare('SELECT rowid FROM vec_memories ORDER BY rowid').raw(true).all());
  } catch {
    add('vectors', [['unavailable']]);
  }
  return hash.digest('hex').slice(0, 16);
}

/** `PRAGMA integrity_check`'s verdict: 'ok' or its first complaints. */
export function integrity(db) {
  const rows = db.pragma('integrity_check', { simple: false }).map((row) => Object.values(row)[0]);
  return rows.length === 1 && rows[0] === 'ok' ? 'ok' : rows.slice(0, 3).join('; ');
}

/** Reads a database file's integrity, ledger and state; a failure to open is reported, not thrown. */
export function inspectDatabase(path, options = {}) {
  let db;
  try {
    db = openDatabase(path, options);
    const verdict = integrity(db);
    return { integrity: verdict, ledger: ledgerRows(db), state: databaseState(db) };
  } catch (error) {
    return { integrity: `cannot read: ${error instanceof Error ? error.message : String(error)}`, ledger: new Map(), state: 'unreadable' };
  } finally {
    db?.close();
  }
}

/** The snapshot the checks compare against: every file under specs/, the telemetry files, the ledger, the state. */
export function snapshotWorkspace(root) {
  const database = inspectDatabase(join(root, DB_PATH));
  return {
    specs: hashTree(join(root, 'specs')),
    telemetry: hashTree(join(root, 'telemetry')),
    ledger: database.ledger,
    state: database.state,
  };
}

/** The files in .opsheal/backups that look like complete backups (partials are named `.*.partial`). */
export function completeBackups(root) {
  const folder = join(root, '.opsheal', 'backups');
  if (!existsSync(folder)) return { complete: [], partial: [], partialJournals: [] };
  const names = readdirSync(folder);
  return {
    complete: names.filter((name) => !/^\..*\.partial(-journal)?$/.test(name)).map((name) => join(folder, name)),
    partial: names.filter((name) => /^\..*\.partial$/.test(name)),
    // What SQLite writes beside a partial copy while it is being made: its rollback journal.
    partialJournals: names.filter((name) => /^\..*\.partial-journal$/.test(name)),
  };
}

/**
 * `check all --json` on a workspace; returns the findings that a converged workspace must not have
 * (anything but ambiguous sessions and unknown emitted events), or a problem with the run itself.
 */
export async function residualFindings(root) {
  const check = await runBin('opsheal', ['check', 'all', '--workspace', root, '--json']);
  if (check.status !== 0 && check.status !== 1) return { problem: `check all exited ${check.status ?? check.signal}: ${firstLine(check.stderr)}` };
  const residual = [];
  for (const line of check.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const report = JSON.parse(line);
    for (const finding of report.findings ?? []) {
      if (!ESCALATION_ONLY_KINDS.has(finding.kind)) residual.push(`${report.class}: ${finding.kind} ${finding.path ?? finding.subject ?? finding.memoryId ?? ''}`.trim());
    }
  }
  return { residual };
}

/**
 * The escalations of a `heal` run that a fully repairable fault should not cause: any class other
 * than session-ambiguity and telemetry-drift, or those two for another reason than the findings
 * no repair can mend.
 */
export function unexpectedEscalations(stdout) {
  const unexpected = [];
  for (const payload of payloadsOf(stdout)) {
    if (payload.event !== 'ESCALATION') continue;
    const items = payload.items ?? [];
    const onlyDecisions = ESCALATING_CLASSES.has(payload.failure_class) && payload.reason === 'bounded-retry-exhausted'
      && items.every((item) => item.session_id !== undefined || ESCALATION_ONLY_KINDS.has(item.kind));
    if (!onlyDecisions) unexpected.push(`${payload.failure_class} escalated at ${payload.step} (${payload.reason}): ${payload.error ?? ''}`);
  }
  return unexpected;
}

/**
 * Why a `heal` run did not end the way a run ends, or `undefined`: one payload per class it ran
 * (an `ERROR:` exit without them is an unexpected failure, not an escalation), exit 0 or 1, no
 * stack trace, JSON lines that parse.
 */
export function incompleteRun(run, classes, label) {
  if (run.timedOut) return `${label} did not finish within its time bound`;
  if (run.status !== 0 && run.status !== 1) return `${label} exited ${run.status ?? run.signal}: ${firstLine(run.stderr) || firstLine(run.stdout)}`;
  if (stackTraceIn(run.stderr)) return `${label} printed a stack trace: ${firstLine(run.stderr)}`;
  const broken = unparsableJsonLines(run.stdout);
  if (broken.length > 0) return `${label} printed a line that is not JSON: ${broken[0].slice(0, 120)}`;
  const payloads = payloadsOf(run.stdout);
  if (payloads.length !== classes) return `${label} ended without a payload for every class (${payloads.length} of ${classes}, exit ${run.status}): ${firstLine(run.stderr) || lastLineOf(run.stdout)}`;
  return undefined;
}

function lastLineOf(text) {
  return (text.trim().split('\n').at(-1) ?? '').slice(0, 200);
}

export function firstLine(text) {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').slice(0, 200);
}

/** A trial's verdict: failures (strings) and whether data was lost; `note` for the scenario's log. */
export function verdict() {
  const failures = [];
  let dataLost = false;
  return {
    failures,
    fail(message) {
      failures.push(message);
    },
    lose(message) {
      failures.push(message);
      dataLost = true;
    },
    get dataLost() {
      return dataLost;
    },
  };
}
