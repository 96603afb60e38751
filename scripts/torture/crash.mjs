// Scenario 1, crash at any instant: SIGKILL a live `heal all` at a seeded moment and check that
// nothing was lost, the database is whole and in a state an uninterrupted heal passes through, no
// half backup looks complete, and a rerun converges.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASSES, REPAIR_STEPS } from './fixtures.mjs';
import {
  DB_PATH,
  completeBackups,
  copyWorkspace,
  createRandom,
  firstLine,
  hashTree,
  incompleteRun,
  inspectDatabase,
  ledgerLosses,
  payloadsOf,
  pool,
  progressLog,
  tidy,
  residualFindings,
  runBin,
  stackTraceIn,
  treeDifferences,
  unexpectedEscalations,
  verdict,
} from './lib.mjs';

const KILL_HEAL = fileURLToPath(new URL('./kill-heal.mjs', import.meta.url));

/** The repair steps that write the database (and so take a backup first). */
const DATABASE_REPAIRS = CLASSES.filter((name) => name !== 'telemetry-drift').map((name) => REPAIR_STEPS[name]);
const PHASE_OF_STEP = new Map(CLASSES.flatMap((name) => [[REPAIR_STEPS[name], 'repair']]));

/**
 * How each kill is aimed (seeded), and with what: SIGKILL mostly, which no code can react to; now
 * and then SIGTERM or SIGINT, whose default action ends opsheal at once (a shell reports 143 or 130).
 *
 * Where: a third anywhere in the run once it has started working (after
 * its first line; now and then during start-up too); a third some way into a repair step (after its
 * ACTION line, within that step's calibrated length); a third inside a backup (the moment its
 * `.partial` file appears).
 */
function killPlan(random, variant) {
  const plan = { ...aim(random, variant), signal: random.chance(0.8) ? 'SIGKILL' : random.pick(['SIGTERM', 'SIGINT']) };
  // Half the heals run with helper threads forced on (OPSHEAL_THREADS=2), whatever the workspace's
  // size: files read and stat'ed on them, SQLite's checks and the backup's copy taken there.
  return random.chance(0.5) ? { ...plan, threads: 2 } : plan;
}

function aim(random, variant) {
  const mode = random.pick(['anywhere', 'repair', 'backup']);
  if (mode === 'anywhere') {
    const startup = variant.timeline.firstLine;
    return random.chance(0.15)
      ? { mode, delayMs: random.between(0, startup) }
      : { mode, afterFirstLine: true, delayMs: random.between(0, variant.timeline.total - startup) };
  }
  const steps = mode === 'backup' ? DATABASE_REPAIRS : Object.values(REPAIR_STEPS);
  const step = random.pick(steps);
  const window = variant.timeline.steps.find((entry) => entry.step === step);
  const length = window === undefined ? 50 : window.end - window.start;
  return { mode, step, delayMs: mode === 'backup' ? random.between(0, 2) : random.between(0, length * 1.2) };
}

export async function crashScenario(settings) {
  const { variants, trials, jobs, seed, scratch, log } = settings;
  const random = createRandom(seed);
  const plans = Array.from({ length: trials }, (_, index) => ({ index, variant: variants[index % variants.length], plan: killPlan(random, variants[index % variants.length]) }));
  const phases = new Map();
  const results = await pool(plans.map(({ index, variant, plan }) => async () => {
    const result = await crashTrial(join(scratch, `crash-${index}`), variant, plan);
    tidy(join(scratch, `crash-${index}`), result, settings.keep);
    const where = plan.signal === 'SIGKILL' ? result.phase : `${result.phase} (${plan.signal})`;
    phases.set(where, (phases.get(where) ?? 0) + 1);
    if (result.failures.length > 0) log(`crash trial ${index} (${plan.signal} ${plan.mode}${plan.threads ? ` threads=${plan.threads}` : ''}${plan.step ? ` ${plan.step}` : ''}${plan.afterFirstLine ? ' after the first line' : ''} +${plan.delayMs.toFixed(1)} ms, killed in ${result.phase}): ${result.failures.join('; ')}`);
    return result;
  }), jobs, progressLog('crash', log));
  if (process.env.TORTURE_VERBOSE) {
    const sums = {};
    for (const result of results) for (const [key, ms] of Object.entries(result.timing ?? {})) sums[key] = (sums[key] ?? 0) + ms;
    log(`crash: mean ms per trial ${Object.entries(sums).map(([key, ms]) => `${key} ${Math.round(ms / results.length)}`).join(', ')}`);
  }
  log(`crash: kills landed in ${[...phases].sort().map(([phase, n]) => `${phase} ${n}`).join(', ')}`);
  return results;
}

async function crashTrial(root, variant, plan) {
  const outcome = verdict();
  copyWorkspace(variant.root, root);

  const killer = await runNode(KILL_HEAL, [root, JSON.stringify(plan)]);
  let report;
  try {
    report = JSON.parse(killer.stdout);
  } catch {
    outcome.fail(`kill-heal.mjs failed (exit ${killer.status ?? killer.signal}): ${firstLine(killer.stderr ?? '')}`);
    return { failures: outcome.failures, dataLost: false, phase: 'unknown' };
  }
  const { killedAt } = report;
  const run = report;
  const timing = { killed: run.elapsedMs };
  let mark = performance.now();
  const phase = killedAt === undefined ? 'finished first' : phaseOf(run.lines, completeBackups(root).partial.length > 0);
  if (run.timedOut) outcome.fail('heal all did not finish within 120 s');
  if (killedAt === undefined && run.status !== 0 && run.status !== 1) outcome.fail(`heal all exited ${run.status ?? run.signal} before the kill: ${firstLine(run.stderr)}`);
  if (killedAt !== undefined && plan.signal !== 'SIGKILL') {
    // README: a run cut short by Ctrl-C ends at once, by the signal itself (a shell reports 130;
    // SIGTERM: 143), or with exit 130 or 143 while a configured step command runs. Finished just as
    // the signal arrived is as good.
    const expected = plan.signal === 'SIGINT' ? 130 : 143;
    const finished = (run.status === 0 || run.status === 1) && payloadsOf(run.lines.map((entry) => entry.line).join('\n')).length === 4;
    if (run.status !== expected && run.signal !== plan.signal && !finished) outcome.fail(`heal all exited ${run.status ?? run.signal} after ${plan.signal}, README says ${expected}: ${firstLine(run.stderr)}`);
    if (stackTraceIn(run.stderr)) outcome.fail(`heal all printed a stack trace after ${plan.signal}: ${firstLine(run.stderr)}`);
  }

  // The database: whole, every earlier ledger row as it was, and in a state a heal passes through.
  const database = inspectDatabase(join(root, DB_PATH));
  if (database.integrity !== 'ok') outcome.lose(`integrity_check after the kill: ${database.integrity}`);
  const losses = ledgerLosses(variant.snapshot.ledger, database.ledger);
  if (losses.count > 0) outcome.lose(`${losses.count} ledger rows lost or changed: ${losses.first.join(', ')}`);
  if (database.state !== 'unreadable' && !variant.states.includes(database.state)) {
    outcome.fail(`the database is in a state no uninterrupted heal passes through (half a repair committed?)`);
  }

  // The files: memory files byte-identical, telemetry docs either before or after, never half.
  const specs = treeDifferences(variant.snapshot.specs, hashTree(join(root, 'specs')));
  if (specs.count > 0) outcome.lose(`${specs.count} files under specs/ differ: ${specs.first.join(', ')}`);
  checkTelemetry(root, variant, outcome);

  // Backups: whatever does not look partial must be a complete, sound copy of a state before a repair.
  for (const backup of completeBackups(root).complete) {
    if (!backup.endsWith('.sqlite')) {
      outcome.fail(`unexpected file in .opsheal/backups: ${backup}`);
      continue;
    }
    // Read-write though it only reads: a read-only connection would leave -wal and -shm beside the backup.
    const copy = inspectDatabase(backup);
    if (copy.integrity !== 'ok' || !variant.states.includes(copy.state)) outcome.fail(`backup ${backup} looks complete but is not a sound copy (${copy.integrity}, state ${copy.state})`);
  }

  timing.inspect = performance.now() - mark;
  mark = performance.now();
  // A rerun converges: only what needs a person is left, and the database ends as an uninterrupted heal leaves it.
  // One attempt per step: a rerun that needs a retry to converge is a finding too.
  const rerun = await runBin('opsheal', ['heal', 'all', '--workspace', root, '--max-attempts', '1']);
  const incomplete = incompleteRun(rerun, 4, 'the rerun of heal all');
  if (incomplete) outcome.fail(incomplete);
  for (const escalation of unexpectedEscalations(rerun.stdout)) outcome.fail(`rerun: ${escalation}`);
  const leftovers = completeBackups(root);
  if (leftovers.partial.length + leftovers.partialJournals.length > 0) {
    outcome.fail(`the rerun's backup left a killed backup's files behind: ${[...leftovers.partial, ...leftovers.partialJournals].join(', ')}`);
  }
  checkTelemetry(root, variant, outcome, true);
  const after = inspectDatabase(join(root, DB_PATH));
  if (after.integrity !== 'ok') outcome.lose(`integrity_check after the rerun: ${after.integrity}`);
  if (after.state !== variant.finalState) outcome.fail('the rerun did not reach the state an uninterrupted heal reaches');
  timing.rerun = performance.now() - mark;
  mark = performance.now();
  const residual = await residualFindings(root);
  if (residual.problem) outcome.fail(residual.problem);
  else if (residual.residual.length > 0) outcome.fail(`check all after the rerun still finds ${residual.residual.slice(0, 3).join(', ')}`);
  timing.check = performance.now() - mark;
  return { failures: outcome.failures, dataLost: outcome.dataLost, phase, timing };
}

function checkTelemetry(root, variant, outcome, afterRerun = false) {
  const telemetry = join(root, 'telemetry');
  const docs = readFileSync(join(telemetry, 'README.md'));
  if (!docs.equals(variant.docsBefore) && !docs.equals(variant.docsAfter)) outcome.lose('telemetry/README.md is neither the docs before the heal nor after it');
  const before = variant.snapshot.telemetry;
  const now = hashTree(telemetry);
  for (const name of ['schema.json', 'events.jsonl']) {
    if (before.get(name) !== now.get(name)) outcome.lose(`telemetry/${name} changed`);
  }
  // A docs write killed between its write and its rename leaves `.README.md.<pid>.tmp`; the next write
  // must tidy it up (checked after the rerun), and nothing else may appear.
  for (const name of now.keys()) {
    if (!before.has(name) && (afterRerun || !/^\.README\.md\.\d+\.tmp$/.test(name))) outcome.fail(`telemetry/${name} was left behind${afterRerun ? ' (the rerun did not tidy it up)' : ''}`);
  }
  if (!existsSync(join(telemetry, 'README.md'))) outcome.lose('telemetry/README.md is gone');
}

/** Runs a Node script to its end and collects its output (without blocking this process's event loop). */
function runNode(script, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Where the kill landed, from the last line the heal printed (and a backup's partial file). */
function phaseOf(lines, partialLeft) {
  if (partialLeft) return 'backup';
  const last = lines.at(-1)?.line;
  if (last === undefined) return 'startup';
  const action = / \| ACTION \| class=\S+ step=(\S+)/.exec(last);
  if (action === null) return 'between steps';
  const step = action[1];
  if (PHASE_OF_STEP.has(step)) return 'repair';
  return /^(detect|verify)/.test(step) ? step.split('-')[0] : 'step';
}
