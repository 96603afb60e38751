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

/** The file's bytes, or `undefined` when it does not exist. */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
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

// Errors another attempt may cure: a busy or locked file, a descriptor shortage, a file that
// vanished between being found and being read.
const TRANSIENT_CODES = new Set(['EBUSY', 'EAGAIN', 'EWOULDBLOCK', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'EINTR', 'ENOENT']);

/** Whether a retry may cure this file-system error (`EBUSY`, `EMFILE`, …) rather than a person (`EACCES`, `EISDIR`). */
export function isTransientFileError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
