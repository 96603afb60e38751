import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useWorkspaceTemplate } from '../live/live-workspace.js';
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
});
