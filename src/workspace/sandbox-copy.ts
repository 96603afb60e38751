import Database from 'better-sqlite3';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { OpshealConfig } from '../config/opsheal-config.js';
import { backUpAtOnce } from './database-backup.js';
import { openIndexDatabase } from './index-database.js';
import { workspacePaths, type WorkspacePaths } from './workspace-paths.js';

/** Where the sandbox keeps its copy of the index database. */
const SANDBOX_DB = 'index.sqlite';

/** The sandbox's own config file, found by any command given `--workspace SANDBOX`. */
const SANDBOX_CONFIG = 'opsheal.config.json';

/**
 * Copies what the live classes read into `sandboxRoot`, keeping the layout relative to the
 * workspace: the specs tree and the telemetry files as files, the database through SQLite's online
 * backup API (a consistent copy even while the server writes). Rows that store absolute paths into
 * the original workspace are pointed at the copy, so healing the sandbox never judges the original.
 * The original is only read. The sandbox gets a config file saying where each of these is, so that
 * the `command=` a step of the drill names (`opsheal check <class> --workspace SANDBOX`) finds them
 * there as the drill did. Returns the sandbox's paths.
 */
export async function copyWorkspaceToSandbox(source: WorkspacePaths, config: OpshealConfig, sandboxRoot: string): Promise<WorkspacePaths> {
  const inside = (path: string, what: string): string => {
    const rel = relative(source.root, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`cannot rehearse on a copy: the ${what} (${path}) is outside the workspace`);
    return rel.split(sep).join('/');
  };
  const sandboxConfig: OpshealConfig = {
    ...config,
    baseDir: sandboxRoot,
    db: SANDBOX_DB,
    specsRoot: inside(source.specsRoot, 'specs root'),
    telemetry: {
      schema: inside(source.telemetrySchema, 'telemetry schema'),
      docs: inside(source.telemetryDocs, 'telemetry docs'),
      events: inside(source.telemetryEvents, 'telemetry events'),
    },
    // A rehearsal runs the built-in actions only: configured commands may touch real systems.
    steps: {},
  };
  const sandbox = workspacePaths(sandboxRoot, sandboxConfig);
  for (const [from, to] of [
    [source.specsRoot, sandbox.specsRoot],
    [source.telemetrySchema, sandbox.telemetrySchema],
    [source.telemetryDocs, sandbox.telemetryDocs],
    [source.telemetryEvents, sandbox.telemetryEvents],
  ] as const) {
    if (!existsSync(from)) continue;
    mkdirSync(dirname(to), { recursive: true });
    // Links are copied as links: the scan refuses any that lead outside the (sandbox) workspace.
    cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    // The copy keeps the source's modes: read-only memory files or folders (a workspace this user
    // may only read) would stop the faults from being made in the copy, and the copy from being
    // removed afterwards. The sandbox is this run's own, so it is made writable by its owner.
    makeWritableByOwner(to);
  }
  if (existsSync(source.db)) {
    // Opened as a check opens it, so that a copy leaves no -wal or -shm file behind in the source.
    const { db: original } = openIndexDatabase(source.db, { readonly: true });
    try {
      await backUpAtOnce(original, source.db, sandbox.db);
    } finally {
      original.close();
    }
    repointAbsolutePaths(sandbox.db, source.root, sandbox.root);
  }
  writeFileSync(join(sandboxRoot, SANDBOX_CONFIG), `${JSON.stringify(sandboxConfigFile(sandboxConfig), null, 2)}\n`);
  return sandbox;
}

/** The sandbox's config as a config file: its paths and policy, and no step commands. */
function sandboxConfigFile(config: OpshealConfig): Record<string, unknown> {
  return {
    db: config.db,
    specsRoot: config.specsRoot,
    telemetry: config.telemetry,
    ...(config.policy !== undefined ? { policy: config.policy } : {}),
    thresholds: config.thresholds,
    lockTimeoutSeconds: config.lockTimeoutSeconds,
    ...(Object.keys(config.owners).length > 0 ? { owners: config.owners } : {}),
  };
}

function repointAbsolutePaths(dbPath: string, from: string, to: string): void {
  const db = new Database(dbPath);
  try {
    const prefix = `${from}${sep}`;
    const hasIndex = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memory_index'`).get() !== undefined;
    if (!hasIndex) return;
    db.prepare('UPDATE memory_index SET file_path = ? || substr(file_path, ?) WHERE substr(file_path, 1, ?) = ?')
      .run(`${to}${sep}`, prefix.length + 1, prefix.length, prefix);
  } finally {
    db.close();
  }
}

/** Adds the owner's write permission (and search, for folders) to everything under `path`; links are left alone. */
function makeWritableByOwner(path: string): void {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) return;
  if (stats.isDirectory()) {
    chmodSync(path, stats.mode | 0o700);
    for (const entry of readdirSync(path)) makeWritableByOwner(join(path, entry));
  } else {
    chmodSync(path, stats.mode | 0o200);
  }
}
