// Scenario 2, concurrent healers: 2 to 8 heals started at once on one faulty workspace. No
// corruption, each fault repaired exactly once (the ledger entries the healers appended are those
// of one uninterrupted heal, none twice), every process ends with 0, 1 or 2 and says why, none hangs.
import { join } from 'node:path';
import { compareRepairs, repairKey } from './fixtures.mjs';
import {
  DB_PATH,
  copyWorkspace,
  createRandom,
  firstLine,
  hashTree,
  incompleteRun,
  inspectDatabase,
  ledgerLosses,
  payloadsOf,
  pool,
  tidy,
  residualFindings,
  runBin,
  stackTraceIn,
  startBin,
  treeDifferences,
  unexpectedEscalations,
  unparsableJsonLines,
  verdict,
} from './lib.mjs';

/** How long one healer may run before it counts as hung. */
const HANG_BOUND_MS = 60_000;

export async function concurrentScenario(settings) {
  const { variants, trials, seed, scratch, log } = settings;
  const random = createRandom(seed);
  const plans = Array.from({ length: trials }, (_, index) => {
    const healers = random.int(2, 8);
    const mixed = index % 2 === 1;
    const targets = Array.from({ length: healers }, () => (mixed ? random.pick(['index-drift', 'ledger-mismatch', 'all']) : 'all'));
    return { index, variant: variants[index % variants.length], targets };
  });
  // Each trial already runs up to eight processes: one trial at a time.
  return pool(plans.map((plan) => async () => {
    const result = await concurrentTrial(join(scratch, `concurrent-${plan.index}`), plan);
    tidy(join(scratch, `concurrent-${plan.index}`), result, settings.keep);
    if (result.failures.length > 0) log(`concurrent trial ${plan.index} (heal ${plan.targets.join(', ')}): ${result.failures.join('; ')}`);
    return result;
  }), 1);
}

async function concurrentTrial(root, { variant, targets }) {
  const outcome = verdict();
  copyWorkspace(variant.root, root);
  const runs = await Promise.all(targets.map((target) => startBin('opsheal', ['heal', target, '--workspace', root], { timeoutMs: HANG_BOUND_MS }).done));

  for (const [index, run] of runs.entries()) {
    const who = `healer ${index + 1} (heal ${targets[index]})`;
    if (run.timedOut) {
      outcome.fail(`${who} still ran after ${HANG_BOUND_MS / 1000} s`);
      continue;
    }
    if (run.status !== 0 && run.status !== 1 && run.status !== 2) outcome.fail(`${who} exited ${run.status ?? run.signal}`);
    if (stackTraceIn(run.stderr)) outcome.fail(`${who} printed a stack trace: ${firstLine(run.stderr)}`);
    const broken = unparsableJsonLines(run.stdout);
    if (broken.length > 0) outcome.fail(`${who} printed a line that is not JSON: ${broken[0].slice(0, 120)}`);
    // A clear message: one payload per class it ran, or an ERROR line saying what went wrong.
    const expected = targets[index] === 'all' ? 4 : 1;
    const payloads = payloadsOf(run.stdout);
    if (payloads.length !== expected) outcome.fail(`${who} ended without a payload for every class it ran (${payloads.length} of ${expected}, exit ${run.status}): ${firstLine(run.stderr)}`);
    for (const escalation of unexpectedEscalations(run.stdout)) outcome.fail(`${who}: ${escalation}`);
    const wantStatus = targets[index] === 'all' ? 1 : 0;
    if (run.status !== wantStatus && outcome.failures.length === 0) outcome.fail(`${who} exited ${run.status}, expected ${wantStatus}: ${firstLine(run.stderr)}`);
  }

  const database = inspectDatabase(join(root, DB_PATH));
  if (database.integrity !== 'ok') outcome.lose(`integrity_check: ${database.integrity}`);
  const losses = ledgerLosses(variant.snapshot.ledger, database.ledger);
  if (losses.count > 0) outcome.lose(`${losses.count} ledger rows lost or changed: ${losses.first.join(', ')}`);
  const specs = treeDifferences(variant.snapshot.specs, hashTree(join(root, 'specs')));
  if (specs.count > 0) outcome.lose(`${specs.count} files under specs/ differ: ${specs.first.join(', ')}`);

  // Finish what these healers did not run, then compare what was appended with one uninterrupted heal.
  const finish = await runBin('opsheal', ['heal', 'all', '--workspace', root]);
  const unfinished = incompleteRun(finish, 4, 'the closing heal all');
  if (unfinished) outcome.fail(unfinished);
  const after = inspectDatabase(join(root, DB_PATH));
  const appended = [...after.ledger].filter(([id]) => !variant.snapshot.ledger.has(id)).map(([, row]) => repairKey(JSON.parse(row)));
  const { extra, missing } = compareRepairs(variant.appended, appended);
  if (extra.length > 0) outcome.fail(`repaired more than once (or not as one heal does): ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''}`);
  if (missing.length > 0) outcome.fail(`repairs one heal makes are missing: ${missing.slice(0, 3).join(', ')}`);
  const residual = await residualFindings(root);
  if (residual.problem) outcome.fail(residual.problem);
  else if (residual.residual.length > 0) outcome.fail(`check all afterwards still finds ${residual.residual.slice(0, 3).join(', ')}`);
  return { failures: outcome.failures, dataLost: outcome.dataLost };
}
