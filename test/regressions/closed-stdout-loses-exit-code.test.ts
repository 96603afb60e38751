import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-bin.js';

// Found on review: `opsheal heal all | head -1` on a workspace that escalates exited 0. A reader
// that stops early closes the pipe, and opsheal then exited at once with the exit code set so far,
// which is none until the command returns: an escalation (or drift found) read as success, and a
// heal stopped between its steps. Now the run goes on without stdout and exits with its own code.

/** `opsheal ARGS | head -1` in bash: opsheal's exit status (PIPESTATUS), and what reached stderr. */
function pipedToHead(args: readonly string[]): { status: number | null; stderr: string } {
  const quoted = [process.execPath, join(ROOT, 'bin', 'opsheal'), ...args].map((word) => `'${word}'`).join(' ');
  const result = spawnSync('bash', ['-c', `${quoted} | head -1 >/dev/null; exit "\${PIPESTATUS[0]}"`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    // stdin not a socket: bash would take itself for a remote shell and read ~/.bashrc.
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

// The backoff keeps each drill writing after `head` has gone (a real pipe: a socket, as Node's own
// child pipes are, does not show it).
describe('closed stdout loses the exit code', () => {
  it('an escalating drill whose reader stops after the first line still exits 1', () => {
    const { status, stderr } = pipedToHead(['drill', 'index-drift', '--scenario', 'escalate', '--max-attempts', '2', '--backoff-seconds', '1']);
    expect(stderr).toBe('');
    expect(status).toBe(1);
  });

  it('a drill that recovers still exits 0', () => {
    const { status, stderr } = pipedToHead(['drill', 'index-drift', '--detect-failures', '1', '--max-attempts', '2', '--backoff-seconds', '1']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});
