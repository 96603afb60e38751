import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrity, ledgerRows, useWorkspaceTemplate } from '../live/live-workspace.js';
import { isGone } from '../support/process-gone.js';
import { ROOT, runBin } from '../support/run-bin.js';

// Found by pressing Ctrl-C during `heal all` as an operator would: nothing stopped. opsheal's SIGINT
// listener could only run when the event loop turned, and a heal waits on its helper threads
// synchronously, so the whole heal ran on (every class, every repair) and only then exited 130;
// `workspace generate --memories 100000` ran its 50 seconds to the end the same way. Now the
// signal's default action ends the process at once, except while a configured step command runs.
const template = useWorkspaceTemplate({ memories: 2000, seed: 17 });

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

interface Interrupted {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
}

/**
 * Runs `bin/<name>` and sends SIGINT once `ready(stdout)` holds (looked at on each output and every
 * 50 ms) or after `afterMs`; resolves when it has ended.
 */
function interrupt(name: string, args: readonly string[], when: { ready?: (stdout: string) => boolean; afterMs?: number }): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', name), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    const send = (): void => {
      if (sent) return;
      sent = true;
      child.kill('SIGINT');
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (when.ready?.(stdout)) send();
    });
    if (when.afterMs !== undefined) setTimeout(send, when.afterMs);
    const poll = setInterval(() => {
      if (when.ready?.(stdout)) send();
    }, 50);
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ status, signal, stdout });
    });
  });
}

/** Ended by the SIGINT: by its default action, or by opsheal's own exit with 130. */
function endedByCtrlC(run: Interrupted): boolean {
  return run.signal === 'SIGINT' || run.status === 130;
}

describe('Ctrl-C', () => {
  it('stops a heal where it is, and a rerun converges', async () => {
    const workspace = template.copy();
    expect(runBin('opsheal', ['inject', 'all', '--workspace', workspace.root, '--count', '30']).status).toBe(0);
    const ledgerBefore = ledgerRows(workspace.paths.db);

    const run = await interrupt('opsheal', ['heal', 'all', '--workspace', workspace.root], {
      ready: (stdout) => stdout.includes('step=detect-divergence outcome=success'),
    });
    expect(endedByCtrlC(run)).toBe(true);
    // The old listener let the heal go on through every class before exiting.
    expect(run.stdout).not.toContain('class=ledger-mismatch');
    expect(run.stdout).not.toContain('"event":"RECOVERY_COMPLETE"');

    // Whole (the injected faults are still there: FTS out of step among them).
    expect(integrity(workspace.paths.db).database).toEqual(['ok']);
    expect(ledgerRows(workspace.paths.db).slice(0, ledgerBefore.length)).toEqual(ledgerBefore);
    expect([0, 1]).toContain(runBin('opsheal', ['heal', 'all', '--workspace', workspace.root]).status);
    expect(runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]).status).toBe(0);
    expect(runBin('opsheal', ['check', 'ledger-mismatch', '--workspace', workspace.root]).status).toBe(0);
  });

  it('stops workspace generate at once instead of after the whole workspace is written', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'opsheal-ctrl-c-')), 'generated');
    scratch.push(dir);
    const started = performance.now();
    const run = await interrupt('opsheal', ['workspace', 'generate', dir, '--memories', '60000'], { afterMs: 700 });
    expect(endedByCtrlC(run)).toBe(true);
    expect(run.stdout).toBe('');
    // 60,000 memories take 15 s and more on this machine; a Ctrl-C honoured ends it within a few.
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it('still takes a configured step command and its children down with opsheal (exit 130)', async () => {
    const workspace = template.copy();
    const pids = join(workspace.root, 'pids');
    const script = join(workspace.root, 'hang.mjs');
    writeFileSync(
      script,
      `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
writeFileSync(${JSON.stringify(pids)}, JSON.stringify([process.pid, grandchild.pid]));
setInterval(() => {}, 1000);
`,
    );
    const config = join(workspace.root, 'opsheal.config.json');
    writeFileSync(config, JSON.stringify({ steps: { 'index-drift': { 'detect-divergence': { command: [process.execPath, script] } } } }));
    const run = await interrupt('opsheal', ['heal', 'index-drift', '--workspace', workspace.root], {
      ready: (stdout) => stdout.includes('step=detect-divergence attempt=1/') && existsSync(pids),
    });
    expect(run.status).toBe(130);
    const [child, grandchild] = JSON.parse(readFileSync(pids, 'utf8')) as number[];
    for (const pid of [child, grandchild]) await expect.poll(() => isGone(pid as number), { timeout: 2000, interval: 50 }).toBe(true);
  });
});
