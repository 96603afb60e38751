// npm run torture [-- --full] [--seed S] [--only crash,concurrent,writer,cli,workspaces] [--jobs N] [--trials N] [--keep]
//
// Proves with numbers that opsheal keeps its promises under faults: it runs the BUILT executables
// (bin/ over dist/, so `npm run build` first) as child processes, kills them, races them against
// each other and a writer, feeds them hostile command lines and hostile workspaces, and checks
// after each trial that nothing was lost. Prints one table and a summary line; exits 0 only when
// no trial failed. Randomness is seeded: the seed is printed, and `--seed S` replays a run (kill
// instants land at the same offsets, though a machine's timing moves what is running then).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashScenario } from './torture/crash.mjs';
import { concurrentScenario } from './torture/concurrent.mjs';
import { writerScenario } from './torture/writer.mjs';
import { cliScenario } from './torture/cli.mjs';
import { workspacesScenario } from './torture/workspaces.mjs';
import { generateBase, prepareVariant } from './torture/fixtures.mjs';
import { ROOT, deriveSeed } from './torture/lib.mjs';

const PROFILES = {
  quick: { memories: 300, variants: 1, crash: 30, concurrent: 2, writer: 2, cli: 40, workspaceMemories: 60, dryRuns: 'some' },
  full: { memories: 2000, variants: 6, crash: 500, concurrent: 30, writer: 12, cli: 1000, workspaceMemories: 200, dryRuns: 'all' },
};

const SCENARIOS = [
  { id: 'crash', title: 'crash at any instant', run: crashScenario, needsVariants: true },
  { id: 'concurrent', title: 'concurrent healers', run: concurrentScenario, needsVariants: true },
  { id: 'writer', title: 'writer racing the healer', run: writerScenario, needsVariants: true },
  { id: 'cli', title: 'hostile command lines', run: cliScenario },
  { id: 'workspaces', title: 'hostile workspaces', run: workspacesScenario },
];

function parseArguments(argv) {
  const options = { profile: 'quick', seed: undefined, only: undefined, jobs: 2, keep: false };
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) usage(`${word} requires a value`);
      return next;
    };
    if (word === '--full') options.profile = 'full';
    else if (word === '--quick') options.profile = 'quick';
    else if (word === '--seed') options.seed = unsigned(word, value());
    else if (word === '--jobs') options.jobs = Math.max(1, unsigned(word, value()));
    else if (word === '--only') options.only = value().split(',');
    else if (word === '--trials') options.trials = unsigned(word, value());
    else if (word === '--keep') options.keep = true;
    else if (word === '--help' || word === '-h') usage();
    else usage(`unknown option ${word}`);
  }
  for (const id of options.only ?? []) if (!SCENARIOS.some((scenario) => scenario.id === id)) usage(`unknown scenario ${id}`);
  return options;
}

function unsigned(name, raw) {
  if (!/^[0-9]{1,10}$/.test(raw)) usage(`${name} must be an unsigned integer (got: ${raw})`);
  return Number(raw);
}

function usage(error) {
  const text = 'usage: npm run torture [-- --full] [--seed S] [--only crash,concurrent,writer,cli,workspaces] [--jobs N] [--trials N] [--keep]';
  if (error) {
    process.stderr.write(`torture: ${error}\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

const options = parseArguments(process.argv.slice(2));
if (!existsSync(join(ROOT, 'dist', 'main.js'))) usage('dist/ is missing: run npm run build first');
const profile = PROFILES[options.profile];
const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
const started = performance.now();
const scratch = mkdtempSync(join(tmpdir(), 'opsheal-torture-'));
process.env.TORTURE_TMPDIR = join(scratch, 'tmp');
mkdirSync(process.env.TORTURE_TMPDIR);
const log = (line) => process.stderr.write(`${line}\n`);
log(`torture: ${options.profile} profile, seed ${seed} (replay: npm run torture --${options.profile === 'full' ? ' --full' : ''} --seed ${seed}), ${options.jobs} jobs, in ${scratch}`);

let exitCode = 1;
try {
  const selected = SCENARIOS.filter((scenario) => options.only === undefined || options.only.includes(scenario.id));
  let variants = [];
  if (selected.some((scenario) => scenario.needsVariants)) {
    const base = await generateBase(scratch, profile.memories, deriveSeed(seed, 'base') % 1_000_000);
    const seeds = Array.from({ length: profile.variants }, (_, index) => (deriveSeed(seed, `variant-${index}`) % 1_000_000) + 1);
    variants = [];
    for (const injectSeed of seeds) variants.push(await prepareVariant(base, scratch, injectSeed));
    for (const variant of variants) {
      if (!variant.stepwiseAgrees) log(`note: variant ${variant.injectSeed}: heal all ended in another state than the four classes healed one by one`);
    }
    log(`torture: ${variants.length} faulty workspaces of ${profile.memories} memories ready; an uninterrupted heal all takes ${variants.map((variant) => `${Math.round(variant.timeline.total)} ms`).join(', ')} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const rows = [];
  for (const scenario of selected) {
    const scenarioStarted = performance.now();
    const results = await scenario.run({
      variants,
      trials: options.trials ?? profile[scenario.id],
      profile,
      profileName: options.profile,
      jobs: options.jobs,
      seed: deriveSeed(seed, scenario.id),
      scratch: mkdtempSync(join(scratch, `${scenario.id}-`)),
      keep: options.keep,
      log,
    });
    const row = {
      title: scenario.title,
      trials: results.length,
      failures: results.filter((result) => result.failures.length > 0).length,
      lost: results.filter((result) => result.dataLost).length,
      seconds: (performance.now() - scenarioStarted) / 1000,
    };
    rows.push(row);
    log(`torture: ${scenario.title}: ${row.trials} trials, ${row.failures} failures, ${row.lost} data lost (${row.seconds.toFixed(1)} s)`);
  }
  printTable(rows);
  const totals = rows.reduce((sum, row) => ({ trials: sum.trials + row.trials, failures: sum.failures + row.failures, lost: sum.lost + row.lost }), { trials: 0, failures: 0, lost: 0 });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`torture: ${rows.length} scenarios, ${totals.trials} trials, ${totals.failures} failures, ${totals.lost} data lost (seed ${seed}, ${options.profile}, ${seconds} s)\n`);
  exitCode = totals.failures === 0 && totals.lost === 0 ? 0 : 1;
} catch (error) {
  log(`torture: the harness itself failed: ${error instanceof Error ? error.stack : String(error)}`);
  exitCode = 1;
} finally {
  if (options.keep || exitCode !== 0) log(`torture: workspaces kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
process.exitCode = exitCode;

function printTable(rows) {
  const header = ['scenario', 'trials', 'failures', 'data lost', 'time'];
  const body = rows.map((row) => [row.title, String(row.trials), String(row.failures), String(row.lost), `${row.seconds.toFixed(1)} s`]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const format = (cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  process.stdout.write(`${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const cells of body) process.stdout.write(`${format(cells)}\n`);
}
