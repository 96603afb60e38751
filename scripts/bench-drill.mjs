// Times `runbook drill all` as a whole process against `node -e 0`, the floor any Node CLI pays,
// interleaving the two so drift in machine load hits both alike. Goal: median ratio <= 1.25.
//
//   npm run bench:drill                      (after npm run build)
//   node scripts/bench-drill.mjs --runs 50 --warmup 10
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const GOAL = 1.25;
const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(warmup) || warmup < 0) {
  console.error('usage: bench-drill.mjs [--runs N>=1] [--warmup N>=0]');
  process.exit(2);
}
if (!existsSync(new URL('../dist/main.js', import.meta.url))) {
  console.error('dist/main.js is missing: run `npm run build` first');
  process.exit(2);
}

const subjects = [
  { name: 'node -e 0', args: ['-e', '0'], expectedStatus: 0 },
  { name: 'runbook drill all', args: ['bin/runbook', 'drill', 'all'], expectedStatus: 0 },
];

/** Wall-clock milliseconds for one run of a subject, start to exit, stdout and stderr piped and discarded. */
function timeOnce(subject) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, subject.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== subject.expectedStatus) {
    throw new Error(`${subject.name} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return elapsed;
}

function quantile(sorted, q) {
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

for (let i = 0; i < warmup; i++) for (const subject of subjects) timeOnce(subject);

const samples = subjects.map(() => []);
for (let i = 0; i < runs; i++) {
  // Alternate which goes first, so neither always runs right after the other.
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  for (const index of order) samples[index].push(timeOnce(subjects[index]));
}

const stats = subjects.map((subject, index) => {
  const sorted = [...samples[index]].sort((a, b) => a - b);
  return { name: subject.name, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), min: sorted[0] };
});

console.log(`node ${process.version}, ${runs} runs each after ${warmup} warm-up, interleaved`);
for (const { name, median, p90, min } of stats) {
  console.log(`${name.padEnd(20)} median ${median.toFixed(1).padStart(6)} ms   p90 ${p90.toFixed(1).padStart(6)} ms   min ${min.toFixed(1).padStart(6)} ms`);
}
const ratio = stats[1].median / stats[0].median;
console.log(`median ratio ${ratio.toFixed(3)} (goal <= ${GOAL}): ${ratio <= GOAL ? 'met' : 'NOT met'}`);
