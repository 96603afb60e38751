import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexRows, useWorkspaceTemplate } from '../live/live-workspace.js';
import { ROOT, runBin } from '../support/run-bin.js';

// Found by running two heals at once on a workspace whose repair step is a configured command: both
// commands ran together (their logs interleaved start, start, end, end), though two healers must
// never repair one workspace at once. Built-in repairs took the workspace lock; commands did not.
const template = useWorkspaceTemplate({ memories: 30, seed: 41 });

/** A repair command that logs its start and end around a pause, so that two of them would overlap. */
function configureSlowRepair(root: string, log: string): void {
  const script = `require('fs').appendFileSync(${JSON.stringify(log)}, 'start\\n'); setTimeout(() => require('fs').appendFileSync(${JSON.stringify(log)}, 'end\\n'), 2500);`;
  writeFileSync(
    join(root, 'opsheal.config.json'),
    JSON.stringify({ lockTimeoutSeconds: 0.5, steps: { 'index-drift': { 'rebuild-index': { command: [process.execPath, '-e', script] } } } }),
  );
}

describe('a configured repair command', () => {
  it('runs under the workspace lock: a second heal meanwhile waits lockTimeoutSeconds, then fails that attempt naming the holder', async () => {
    const workspace = template.copy();
    const log = join(workspace.root, 'repair.log');
    configureSlowRepair(workspace.root, log);
    runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'unindexed-file']);

    const first = spawn(process.execPath, [join(ROOT, 'bin', 'opsheal'), 'heal', 'index-drift', '--workspace', workspace.root, '--max-attempts', '1'], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    const firstEnded = new Promise<number | null>((resolve) => first.on('close', resolve));
    for (let waited = 0; !(existsSync(log) && readFileSync(log, 'utf8').includes('start')) && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const second = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--max-attempts', '1']);
    await firstEnded;

    expect(second.stdout).toMatch(/step=rebuild-index outcome=retryable-failure .*another opsheal is repairing .* \(process \d+\); waited 0\.5s/);
    expect(second.status).toBe(1);
    expect(readFileSync(log, 'utf8')).toBe('start\nend\n');
  });

  // Found the same day: a configured repair command rewrote the index with no backup taken, though
  // WORKSPACE.md has one taken before the first change unless the operator says not to.
  it('runs after a backup of the index database, as a built-in repair does, unless --no-backup', () => {
    for (const noBackup of [false, true]) {
      const workspace = template.copy();
      const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(workspace.paths.db)}); db.exec("UPDATE memory_index SET title = 'rewritten by the reindexer'"); db.close();`;
      writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ steps: { 'index-drift': { 'rebuild-index': { command: [process.execPath, '-e', script], cwd: ROOT } } } }));
      runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'deleted-row']);
      const titles = indexRows(workspace.paths.db).map((row) => row['title']);
      runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--max-attempts', '1', ...(noBackup ? ['--no-backup'] : [])]);
      expect(indexRows(workspace.paths.db).every((row) => row['title'] === 'rewritten by the reindexer')).toBe(true);
      const backups = join(workspace.root, '.opsheal', 'backups');
      if (noBackup) {
        expect(existsSync(backups)).toBe(false);
        continue;
      }
      const [backup, ...more] = readdirSync(backups);
      expect(more).toEqual([]);
      expect(indexRows(join(backups, String(backup))).map((row) => row['title'])).toEqual(titles);
    }
  });
});
