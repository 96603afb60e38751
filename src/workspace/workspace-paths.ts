import { isAbsolute, join, resolve } from 'node:path';
import type { OpshealConfig } from '../config/opsheal-config.js';

/** Where the memory server keeps its index, relative to the workspace. */
export const DEFAULT_DB_PATH = '.opencode/skill/system-spec-kit/mcp_server/database/context-index.sqlite';

/** Every place in a workspace opsheal reads or writes, as absolute paths. */
export interface WorkspacePaths {
  readonly root: string;
  readonly specsRoot: string;
  readonly db: string;
  readonly telemetrySchema: string;
  readonly telemetryDocs: string;
  readonly telemetryEvents: string;
  /** opsheal's own folder: backups, the lock. */
  readonly stateDir: string;
  readonly backupsDir: string;
  readonly lockFile: string;
}

/** Resolves the workspace's paths; `dbOverride` (`--db`) wins over the config's `db`. */
export function workspacePaths(root: string, config: OpshealConfig, dbOverride?: string): WorkspacePaths {
  const absoluteRoot = resolve(root);
  const inside = (path: string): string => (isAbsolute(path) ? path : join(absoluteRoot, path));
  const stateDir = join(absoluteRoot, '.opsheal');
  return {
    root: absoluteRoot,
    specsRoot: inside(config.specsRoot),
    db: dbOverride !== undefined ? resolve(dbOverride) : inside(config.db ?? DEFAULT_DB_PATH),
    telemetrySchema: inside(config.telemetry.schema),
    telemetryDocs: inside(config.telemetry.docs),
    telemetryEvents: inside(config.telemetry.events),
    stateDir,
    backupsDir: join(stateDir, 'backups'),
    lockFile: join(stateDir, 'lock'),
  };
}
