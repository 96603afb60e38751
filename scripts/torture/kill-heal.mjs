// Runs `heal all` on a workspace and SIGKILLs it (or sends SIGTERM or SIGINT) as a plan says, in a process of its own: the
// harness's own work (hashing files, reading databases) would otherwise hold up the timers and
// polls that aim the kill. Prints one JSON line: when the kill came, how the heal ended, and the
// lines it printed with their arrival times.
//
// node kill-heal.mjs <workspace> <plan as JSON>
//   plan: { mode: 'anywhere' | 'repair' | 'backup', delayMs, afterFirstLine?, step?, signal? (default SIGKILL),
//           threads? (OPSHEAL_THREADS for the heal) }
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBin } from './lib.mjs';

const [root, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
const backupsDir = join(root, '.opsheal', 'backups');

let killedAt;
let armed = false;
const heal = startBin('opsheal', ['heal', 'all', '--workspace', root], {
  timeoutMs: 120_000,
  ...(plan.threads !== undefined ? { env: { OPSHEAL_THREADS: String(plan.threads) } } : {}),
  onLine: (line) => {
    if (plan.afterFirstLine && !armed) {
      armed = true;
      setTimeout(kill, plan.delayMs);
    }
    if (plan.mode === 'anywhere' || armed || !line.includes('| ACTION | ') || !line.includes(` step=${plan.step} attempt=1/`)) return;
    armed = true;
    if (plan.mode === 'repair') setTimeout(kill, plan.delayMs);
    else watchForPartial();
  },
});

function kill() {
  if (killedAt !== undefined || heal.child.exitCode !== null) return;
  killedAt = performance.now() - heal.started;
  heal.child.kill(plan.signal ?? 'SIGKILL');
}

/** Polls (every turn of the event loop) for the backup's temporary file, then kills `delayMs` after it appears. */
function watchForPartial() {
  const deadline = performance.now() + 10_000;
  const poll = () => {
    if (killedAt !== undefined || heal.child.exitCode !== null) return;
    let found = false;
    try {
      found = readdirSync(backupsDir).some((name) => name.endsWith('.partial'));
    } catch {
      // not made yet
    }
    if (found || performance.now() > deadline) {
      if (plan.delayMs < 0.5) kill();
      else setTimeout(kill, plan.delayMs);
      return;
    }
    setImmediate(poll);
  };
  poll();
}

if (plan.mode === 'anywhere' && !plan.afterFirstLine) setTimeout(kill, plan.delayMs);
const run = await heal.done;
process.stdout.write(`${JSON.stringify({ killedAt, status: run.status, signal: run.signal, timedOut: run.timedOut, stderr: run.stderr.slice(0, 2000), lines: run.lines, elapsedMs: run.elapsedMs })}\n`);
