// Times live `check` and `heal` on generated workspaces against the floor any implementation pays:
// reading and SHA-256-hashing every memory file in one tight loop (scripts/bench-live-floor.mjs).
// Every command runs as a whole process, as an operator runs it; the files are warm (read once
// before anything is timed), since the page cache cannot be dropped here.
//
//   npm run bench:live                          (after npm run build)
//   node scripts/bench-live.mjs --sizes 10000,100000 --runs 3 --keep
//
// For each size: a workspace is generated into a temporary folder; `check all` is timed on it;
// then about 10% of its memories are broken across the kinds of index-drift and ledger-mismatch
// (`opsheal inject`), the broken workspace is kept as a snapshot, and `heal all` is timed on fresh
// copies of it (each heal must recover, and `check all` must then be clean). Peak memory is the
// maximum resident set size of the timed processes. Goals (issue 3): check <= 1.5 x floor, heal of
// 10% drift <= 3 x floor, peak memory < 300 MB at 100,000 memories, time per memory roughly
// constant from the smallest size to the largest.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const GOALS = { check: 1.5, heal: 3, peakMb: 300, perMemoryGrowth: 1.25 };
/** The share of memories the heal benchmark breaks. */
const DRIFT_SHARE = 0.1;
/**
 * Kinds that each break `count` memories: index-drift's unindexed-file, deleted-file, edited-file,
 * deleted-row and fts-out-of-step, and ledger-mismatch's unrecorded-update and unrecorded-deletion.
 * (`--count` also makes that many orphaned vectors, which break no memory, and drops both ledger
 * triggers.)
 */
const MEMORY_KINDS = 7;

const root = fileURLToPath(new URL('..', import.meta.url));
const opsheal = join(root, 'bin', 'opsheal');
const floorScript = join(root, 'scripts', 'bench-live-floor.mjs');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map((size) => Number(size.trim()));
const runs = Number(values.runs);
if (sizes.some((size) => !Number.isInteger(size) || size < 100) || !Number.isInteger(runs) || runs < 1 || !/^\d+$/.test(values.seed)) {
  console.error('usage: bench-live.mjs [--sizes N,N...] (each >= 100) [--runs N>=1] [--seed S] [--keep]');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'main.js'))) {
  console.error('dist/main.js is missing: run `npm run build` first');
  process.exit(2);
}

// /usr/bin/time reports the child's peak RSS; without it, a preloaded module reports its own.
const timeBinary = ['/usr/bin/time', '/bin/time'].find((path) => existsSync(path));
const rssPreload = `data:text/javascript,${encodeURIComponent(
  "import{writeSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();writeSync(2,`\\nBENCH_MAXRSS_KB ${u.maxRSS} BENCH_CPU_S ${(u.userCPUTime+u.systemCPUTime)/1e6}\\n`)})",
)}`;

/**
 * Runs `node args...` to completion and returns its wall time (ms, start to exit, measured here),
 * peak RSS (KB) and CPU time (user + system, s). Throws on an unexpected exit status.
 */
function measure(args, expectedStatus, label) {
  const [command, commandArgs] = timeBinary
    ? [timeBinary, ['-f', 'BENCH_MAXRSS_KB %M BENCH_CPU_S %U %S', process.execPath, ...args]]
    : [process.execPath, ['--import', rssPreload, ...args]];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  const stderr = result.stderr.toString();
  if (result.status !== expectedStatus) {
    throw new Error(`${label} exited ${result.status} (expected ${expectedStatus})\n${result.stdout.toString().slice(-4000)}\n${stderr.slice(-4000)}`);
  }
  const rss = /BENCH_MAXRSS_KB (\d+)/.exec(stderr);
  const cpu = /BENCH_CPU_S ([\d.]+)(?: ([\d.]+))?/.exec(stderr);
  const cpuS = cpu ? Number(cpu[1]) + Number(cpu[2] ?? 0) : Number.NaN;
  return { ms, rssKb: rss ? Number(rss[1]) : Number.NaN, cpuS, stdout: result.stdout.toString() };
}

/** Runs an opsheal command for its output (untimed). */
function opshealRun(args, expectedStatus, label) {
  const result = spawnSync(process.execPath, [opsheal, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  if (result.error) throw result.error;
  if (result.status !== expectedStatus) {
    throw new Error(`${label} exited ${result.status} (expected ${expectedStatus})\n${result.stdout.toString().slice(-4000)}\n${result.stderr.toString().slice(-4000)}`);
  }
  return result.stdout.toString();
}

/** A copy of a workspace folder, with `cp -a` where there is one (much faster than cpSync). */
function copyWorkspace(from, to) {
  rmSync(to, { recursive: true, force: true });
  const cp = spawnSync('cp', ['-a', from, to], { stdio: 'ignore' });
  if (cp.error !== undefined || cp.status !== 0) cpSync(from, to, { recursive: true });
}

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
const log = (message) => console.error(`… ${message}`);

const startedAt = Date.now();
const loadBefore = loadavg();
const scratch = mkdtempSync(join(tmpdir(), 'opsheal-bench-live-'));
const results = [];
try {
  for (const size of sizes) {
    const dir = join(scratch, String(size));
    const base = join(dir, 'workspace');
    const broken = join(dir, 'broken');
    const work = join(dir, 'heal');

    log(`${size}: generating`);
    const generateStarted = Date.now();
    opshealRun(['workspace', 'generate', base, '--memories', String(size), '--seed', values.seed], 0, 'workspace generate');
    const generateMs = Date.now() - generateStarted;

    log(`${size}: breaking ${Math.round(DRIFT_SHARE * 100)}% of a copy`);
    copyWorkspace(base, broken);
    const count = Math.max(1, Math.round((size * DRIFT_SHARE) / MEMORY_KINDS));
    const injectStarted = Date.now();
    opshealRun(['inject', 'index-drift', '--workspace', broken, '--count', String(count), '--seed', values.seed], 0, 'inject index-drift');
    opshealRun(['inject', 'ledger-mismatch', '--workspace', broken, '--count', String(count), '--seed', String(Number(values.seed) + 1)], 0, 'inject ledger-mismatch');
    const injectMs = Date.now() - injectStarted;
    const found = opshealRun(['check', 'all', '--workspace', broken, '--json'], 1, 'check all (broken)')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((report) => report.counts !== undefined);
    const faults = Object.fromEntries(found.map((report) => [report.class, Object.values(report.counts).reduce((sum, n) => sum + n, 0)]));

    // Warm: the floor reads every file once, a check reads the database once; neither is timed.
    measure([floorScript, base], 0, 'floor');
    measure([opsheal, 'check', 'all', '--workspace', base], 0, 'check all');

    const floor = [];
    const check = [];
    const floorLoop = [];
    for (let run = 0; run < runs; run++) {
      log(`${size}: floor and check, run ${run + 1}/${runs}`);
      // Interleaved, alternating which goes first, so drift in machine load hits both alike.
      const order = run % 2 === 0 ? ['floor', 'check'] : ['check', 'floor'];
      for (const subject of order) {
        if (subject === 'floor') {
          const sample = measure([floorScript, base], 0, 'floor');
          floor.push(sample);
          floorLoop.push(JSON.parse(sample.stdout).loop_ms);
        } else {
          check.push(measure([opsheal, 'check', 'all', '--workspace', base], 0, 'check all'));
        }
      }
    }

    const heal = [];
    for (let run = 0; run < runs; run++) {
      log(`${size}: heal all, run ${run + 1}/${runs}`);
      copyWorkspace(broken, work);
      // Warm the copy's files as the check's were (the copy has mostly done so already), and flush
      // the copy's writes to disk, so the heal's own fsyncs (backup, commits) do not queue behind them.
      measure([floorScript, work], 0, 'floor');
      spawnSync('sync', { stdio: 'ignore' });
      heal.push(measure([opsheal, 'heal', 'all', '--workspace', work], 0, 'heal all'));
      // The heal must really have healed: a clean check afterwards (untimed).
      opshealRun(['check', 'all', '--workspace', work], 0, 'check all after heal');
    }
    rmSync(work, { recursive: true, force: true });

    results.push({
      size,
      generateMs,
      injectMs,
      count,
      faults,
      floorMs: median(floor.map((sample) => sample.ms)),
      floorLoopMs: median(floorLoop),
      checkMs: median(check.map((sample) => sample.ms)),
      healMs: median(heal.map((sample) => sample.ms)),
      checkRssMb: Math.max(...check.map((sample) => sample.rssKb)) / 1024,
      healRssMb: Math.max(...heal.map((sample) => sample.rssKb)) / 1024,
      floorRssMb: Math.max(...floor.map((sample) => sample.rssKb)) / 1024,
      floorCpuS: median(floor.map((sample) => sample.cpuS)),
      checkCpuS: median(check.map((sample) => sample.cpuS)),
      healCpuS: median(heal.map((sample) => sample.cpuS)),
      samples: { floor: floor.map((s) => s.ms), check: check.map((s) => s.ms), heal: heal.map((s) => s.ms) },
    });
  }
} finally {
  if (values.keep) console.error(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

// Report.
const loadAfter = loadavg();
console.log(`opsheal bench:live — node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${runs} runs each, median; files warm`);
console.log(`load average before ${loadBefore.map((n) => n.toFixed(2)).join(' ')}, after ${loadAfter.map((n) => n.toFixed(2)).join(' ')}; took ${seconds(Date.now() - startedAt)}`);
for (const r of results) {
  const faultText = Object.entries(r.faults).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(', ');
  console.log(`${r.size} memories: generated in ${seconds(r.generateMs)}; heal input: --count ${r.count} per kind of index-drift and ledger-mismatch (${faultText} findings) injected in ${seconds(r.injectMs)}`);
}
console.log('');
const header = ['memories', 'floor', '(loop)', 'check all', 'check/floor', 'heal all', 'heal/floor', 'peak check', 'peak heal', 'check/mem', 'heal/mem'];
const rows = results.map((r) => [
  String(r.size),
  seconds(r.floorMs),
  seconds(r.floorLoopMs),
  seconds(r.checkMs),
  (r.checkMs / r.floorMs).toFixed(2),
  seconds(r.healMs),
  (r.healMs / r.floorMs).toFixed(2),
  `${r.checkRssMb.toFixed(0)} MB`,
  `${r.healRssMb.toFixed(0)} MB`,
  `${((r.checkMs * 1000) / r.size).toFixed(1)} µs`,
  `${((r.healMs * 1000) / r.size).toFixed(1)} µs`,
]);
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
const line = (cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
console.log(line(header));
console.log(widths.map((width) => '-'.repeat(width)).join('  '));
for (const row of rows) console.log(line(row));
console.log('');
console.log(`CPU time (user + system, median): ${results
  .map((r) => `${r.size}: floor ${r.floorCpuS.toFixed(2)} s, check ${r.checkCpuS.toFixed(2)} s (x${(r.checkCpuS / r.floorCpuS).toFixed(2)}), heal ${r.healCpuS.toFixed(2)} s (x${(r.healCpuS / r.floorCpuS).toFixed(2)})`)
  .join('; ')}`);
console.log('floor: node scripts/bench-live-floor.mjs as a whole process (loop: its read-and-hash loop alone); check all and heal all: whole processes;');
console.log(`heal all: on a fresh copy of the broken workspace each run (backup on), then check all must be clean. Samples (ms): ${results
  .map((r) => `${r.size}: floor ${r.samples.floor.map((n) => n.toFixed(0)).join('/')}, check ${r.samples.check.map((n) => n.toFixed(0)).join('/')}, heal ${r.samples.heal.map((n) => n.toFixed(0)).join('/')}`)
  .join('; ')}`);
console.log('');

const verdict = (ok) => (ok ? 'met' : 'NOT met');
const verdicts = [];
for (const r of results) {
  verdicts.push([`check <= ${GOALS.check} x floor at ${r.size}`, r.checkMs / r.floorMs <= GOALS.check, (r.checkMs / r.floorMs).toFixed(2)]);
  verdicts.push([`heal <= ${GOALS.heal} x floor at ${r.size}`, r.healMs / r.floorMs <= GOALS.heal, (r.healMs / r.floorMs).toFixed(2)]);
}
const largest = results.reduce((a, b) => (b.size > a.size ? b : a), results[0]);
if (largest !== undefined && largest.size >= 100_000) {
  const peak = Math.max(largest.checkRssMb, largest.healRssMb);
  // One decimal: a peak just under the goal must not read as the goal itself.
  verdicts.push([`peak memory < ${GOALS.peakMb} MB at ${largest.size}`, peak < GOALS.peakMb, `${peak.toFixed(1)} MB`]);
}
const smallest = results.reduce((a, b) => (b.size < a.size ? b : a), results[0]);
if (smallest !== undefined && largest !== undefined && largest.size > smallest.size) {
  for (const [name, key] of [['check', 'checkMs'], ['heal', 'healMs']]) {
    const growth = largest[key] / largest.size / (smallest[key] / smallest.size);
    verdicts.push([
      `${name} time per memory roughly constant ${smallest.size} -> ${largest.size} (growth <= ${GOALS.perMemoryGrowth})`,
      growth <= GOALS.perMemoryGrowth,
      `x${growth.toFixed(2)}`,
    ]);
  }
}
const nameWidth = Math.max(...verdicts.map(([name]) => name.length));
for (const [name, ok, value] of verdicts) console.log(`${name.padEnd(nameWidth)}  ${value.padStart(8)}  ${verdict(ok)}`);
process.exitCode = verdicts.every(([, ok]) => ok) ? 0 : 1;
