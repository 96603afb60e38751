import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { defaultConfig } from '../../src/config/opsheal-config.js';
import { workspacePaths, type WorkspacePaths } from '../../src/workspace/workspace-paths.js';

/** Fresh temporary folders for a test file, all removed after each test. */
export function useTemporaryFolders(): (prefix?: string) => string {
  const made: string[] = [];
  afterEach(() => {
    for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  return (prefix = 'opsheal-workspace-') => {
    const folder = mkdtempSync(join(tmpdir(), prefix));
    made.push(folder);
    return folder;
  };
}

/** The paths of a workspace at `root` with the default config. */
export function defaultPaths(root: string): WorkspacePaths {
  return workspacePaths(root, defaultConfig(root));
}
