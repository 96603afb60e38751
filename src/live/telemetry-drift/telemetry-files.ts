import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { WorkspacePaths } from '../../workspace/workspace-paths.js';

/** The three telemetry files as bytes; `undefined` where the file does not exist. */
export interface TelemetryFiles {
  readonly schema: Buffer | undefined;
  readonly docs: Buffer | undefined;
  readonly events: Buffer | undefined;
}

/** How findings name the files: workspace-relative with `/`, or absolute when outside the workspace. */
export interface TelemetryLabels {
  readonly schema: string;
  readonly docs: string;
  readonly events: string;
}

/** Reads the three files. A missing file is `undefined`; any other error (permission, a folder) is thrown. */
export async function readTelemetryFiles(paths: WorkspacePaths): Promise<TelemetryFiles> {
  const [schema, docs, events] = await Promise.all([
    readIfPresent(paths.telemetrySchema),
    readIfPresent(paths.telemetryDocs),
    readIfPresent(paths.telemetryEvents),
  ]);
  return { schema, docs, events };
}

/**
 * The file's bytes, or `undefined` when it does not exist. Any other failure is thrown with the path
 * in its message and its code kept: Node's own words ("EISDIR: illegal operation on a directory,
 * read") name no file.
 */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    const why = code === 'EISDIR' ? 'is a folder, not a file' : error instanceof Error ? error.message : String(error);
    throw Object.assign(new Error(`${path}: ${why}`, { cause: error }), code === undefined ? {} : { code });
  }
}

export function telemetryLabels(paths: WorkspacePaths): TelemetryLabels {
  return {
    schema: workspaceLabel(paths.root, paths.telemetrySchema),
    docs: workspaceLabel(paths.root, paths.telemetryDocs),
    events: workspaceLabel(paths.root, paths.telemetryEvents),
  };
}

/** `telemetry/README.md` for a file inside the workspace, the absolute path for one outside. */
export function workspaceLabel(root: string, path: string): string {
  const relativePath = relative(root, path);
  if (relativePath === '' || relativePath.startsWith('..') || isAbsolute(relativePath)) return path;
  return relativePath.split(sep).join('/');
}

/** The `code` of a Node error (`ENOENT`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
