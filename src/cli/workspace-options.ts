import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { findWorkspaceConfig, loadConfig } from '../config/load-config.js';
import type { OpshealConfig } from '../config/opsheal-config.js';
import { defaultConfig } from '../config/opsheal-config.js';
import { workspacePaths, type WorkspacePaths } from '../workspace/workspace-paths.js';
import type { CommandLine, OptionKind } from './command-line.js';
import { displayValue } from './display-value.js';
import { checkAtLeast, checkAtMost, parseUnsigned } from './unsigned-option.js';
import { UsageError } from '../core/usage-error.js';

/** The options that say which workspace, index database and config: every live command has them. */
export const WORKSPACE_LOCATION_OPTIONS: Readonly<Record<string, OptionKind>> = {
  workspace: 'value',
  db: 'value',
  config: 'value',
};

/** The options of the commands that judge a workspace (check, heal, drill --live): where, and how. */
export const WORKSPACE_OPTIONS: Readonly<Record<string, OptionKind>> = {
  ...WORKSPACE_LOCATION_OPTIONS,
  'sample-size': 'value',
};

export interface ResolvedWorkspace {
  readonly paths: WorkspacePaths;
  readonly config: OpshealConfig;
  /**
   * The arguments that rerun a step on this workspace as this run judged it, for `command=` lines:
   * `--workspace W [--db F] [--config C]`, then {@link ResolvedWorkspace.judging}.
   */
  readonly selector: readonly string[];
  /** The options given that change what a step judges (`--sample-size N`), as arguments; often none. */
  readonly judging: readonly string[];
}

/**
 * The workspace (`--workspace`, default the current folder), its config (`--config`, else the
 * workspace's `opsheal.config.*`, else defaults) and its paths (`--db` over the config's `db`).
 */
export function resolveWorkspace(line: CommandLine, cwd: string): ResolvedWorkspace {
  const root = resolve(cwd, pathOption(line, 'workspace') ?? '.');
  if (!isDirectory(root)) throw new UsageError(`workspace ${displayValue(root)} is not a folder: give --workspace DIR`);
  const configFile = pathOption(line, 'config') ?? findWorkspaceConfig(root);
  let config = configFile !== undefined ? loadConfig(resolve(cwd, configFile)) : defaultConfig(root);
  const rawSample = line.values.get('sample-size');
  const judging: string[] = [];
  if (rawSample !== undefined) {
    const sampleSize = parseUnsigned('sample_size', rawSample);
    checkAtLeast('sample_size', sampleSize, 1);
    checkAtMost('sample_size', rawSample, sampleSize, 1_000_000);
    config = { ...config, thresholds: { ...config.thresholds, sampleSize } };
    // A rerun by hand must sample as many rows as this run did, or it judges another sample.
    judging.push('--sample-size', String(sampleSize));
  }
  const db = pathOption(line, 'db');
  const paths = workspacePaths(root, config, db !== undefined ? resolve(cwd, db) : undefined);
  const selector = [
    '--workspace',
    root,
    ...(db !== undefined ? ['--db', paths.db] : []),
    ...(line.values.has('config') && configFile ? ['--config', resolve(cwd, configFile)] : []),
    ...judging,
  ];
  return { paths, config, selector, judging };
}

/**
 * Fails with a usage error when the index database is not where the workspace says it is, or a
 * folder is: a wrong path, not a damaged database (a file that is not a database is met by the
 * steps, which escalate it).
 */
export function requireDatabase(paths: WorkspacePaths): void {
  if (!existsSync(paths.db)) {
    throw new UsageError(`no index database at ${displayValue(paths.db)}: give --db FILE, or --workspace DIR of a memory workspace`);
  }
  if (isDirectory(paths.db)) {
    throw new UsageError(`${displayValue(paths.db)} is a folder, not an index database: give --db FILE (the database file itself)`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A path option's value. An empty one is refused rather than read as the current folder: a script
 * whose `--workspace "$WS"` lost its variable would otherwise check, or heal, wherever it ran.
 */
export function pathOption(line: CommandLine, name: string): string | undefined {
  const value = line.values.get(name);
  if (value === '') throw new UsageError(`--${name} requires a value (got an empty one)`);
  return value;
}
