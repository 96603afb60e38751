import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { indexRows, useWorkspaceTemplate } from '../live/live-workspace.js';

// Found by breaking opsheal's own files: a lock file that was no SQLite file (or a folder) made
// every heal escalate "file is not a database" with the index database's decision ("a damaged
// database can be restored from .opsheal/backups"), though the index was intact; and a backups
// folder that was a link leading nowhere was retried as a file that vanished mid-read.
const template = useWorkspaceTemplate({ memories: 30, seed: 97 });

function escalation(root: string): Record<string, unknown> {
  const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', root]);
  expect(heal.status).toBe(1);
  return JSON.parse(linesOf(heal.stdout).at(-1) as string) as Record<string, unknown>;
}

describe("trouble with opsheal's own files", () => {
  it('a lock file that is not a SQLite file, or is a folder, is named as the lock, with what to do', () => {
    for (const breakLock of [(lock: string) => writeFileSync(lock, '12345\n'), (lock: string) => mkdirSync(lock)]) {
      const workspace = template.copy();
      runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'deleted-row']);
      mkdirSync(join(workspace.root, '.opsheal'));
      const lock = join(workspace.root, '.opsheal', 'lock');
      breakLock(lock);
      const rows = indexRows(workspace.paths.db);
      const payload = escalation(workspace.root);
      expect(payload).toMatchObject({ reason: 'non-retryable-error', attempts: 1 });
      expect(String(payload['error'])).toMatch(new RegExp(`^the workspace lock ${lock} cannot be used \\(.+\\): it is opsheal's own file; remove it when no opsheal is running`));
      expect(String(payload['decision'])).not.toContain('index database');
      expect(indexRows(workspace.paths.db)).toEqual(rows);
    }
  });

  it('a backups folder that is a link leading nowhere is said so at once', () => {
    const workspace = template.copy();
    runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'deleted-row']);
    mkdirSync(join(workspace.root, '.opsheal'));
    symlinkSync('/nonexistent/opsheal-backups', join(workspace.root, '.opsheal', 'backups'));
    const payload = escalation(workspace.root);
    expect(payload).toMatchObject({ reason: 'non-retryable-error', attempts: 1 });
    expect(String(payload['error'])).toContain('cannot be made: a symbolic link on its way leads nowhere');
  });
});
