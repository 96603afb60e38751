// Scenario 3, a writer racing the healer: a separate process saves memories (file, row, ledger
// entry) in short transactions, sometimes long ones, while `heal all` runs. Afterwards every row and
// ledger entry the writer made is still there, busy errors were retried (WARN, never a
// non-retryable failure), and once the writer stops a heal converges.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DB_PATH,
  copyWorkspace,
  createRandom,
  firstLine,
  hashTree,
  incompleteRun,
  openDatabase,
  integrity,
  ledgerLosses,
  ledgerRows,
  pool,
  tidy,
  residualFindings,
  runBin,
  sleep,
  treeDifferences,
  unexpectedEscalations,
  verdict,
} from './lib.mjs';

const WRITER = fileURLToPath(new URL('./memory-writer.mjs', import.meta.url));

export async function writerScenario(settings) {
  const { variants, trials, jobs, seed, scratch, log } = settings;
  const random = createRandom(seed);
  const plans = Array.from({ length: trials }, (_, index) => ({ index, variant: variants[index % variants.length], writerSeed: random.int(1, 2 ** 30), headStartMs: random.int(0, 300) }));
  let busyRetried = 0;
  let saved = 0;
  const results = await pool(plans.map((plan) => async () => {
    const result = await writerTrial(join(scratch, `writer-${plan.index}`), plan);
    tidy(join(scratch, `writer-${plan.index}`), result, settings.keep);
    busyRetried += result.busyWarnings;
    for (const escalation of result.raced) log(`writer trial ${plan.index}: escalated while the writer wrote (allowed, bounded retries): ${escalation}`);
    saved += result.saved;
    if (result.failures.length > 0) log(`writer trial ${plan.index} (writer seed ${plan.writerSeed}): ${result.failures.join('; ')}`);
    return result;
  }), Math.min(jobs, 2));
  log(`writer: the writers saved ${saved} memories during the heals; the healers retried ${busyRetried} busy or locked attempts`);
  return results;
}

async function writerTrial(root, { variant, writerSeed, headStartMs }) {
  const outcome = verdict();
  copyWorkspace(variant.root, root);
  const logFile = join(root, '..', `${root.split('/').pop()}.writer.jsonl`);
  const stopFile = `${logFile}.stop`;
  writeFileSync(logFile, '');
  const writer = spawn(process.execPath, [WRITER, root, join(root, DB_PATH), logFile, stopFile, String(writerSeed)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let writerError = '';
  writer.stderr.on('data', (chunk) => (writerError += chunk));
  const writerDone = new Promise((resolve) => writer.on('close', (status) => resolve(status)));
  const writerLate = setTimeout(() => writer.kill('SIGKILL'), 120_000);

  // Let the writer get going, then heal while it writes.
  for (let waited = 0; !existsSync(`${logFile}.ready`) && waited < 10_000 && writer.exitCode === null; waited += 10) await sleep(10);
  await sleep(headStartMs);
  const heal = await runBin('opsheal', ['heal', 'all', '--workspace', root]);
  writeFileSync(stopFile, '');
  const writerStatus = await writerDone;
  clearTimeout(writerLate);

  const records = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const summary = records.find((record) => record.done);
  const saves = records.filter((record) => record.id !== undefined);
  if (writerStatus !== 0 || summary === undefined) outcome.fail(`the writer itself failed (exit ${writerStatus}): ${firstLine(writerError)}`);

  // The healer: finished, for escalation reasons only, busy attempts retried.
  const incomplete = incompleteRun(heal, 4, 'heal all');
  if (incomplete) outcome.fail(incomplete);
  const nonRetryable = heal.stdout.split('\n').filter((line) => line.includes('outcome=non-retryable-failure'));
  if (nonRetryable.length > 0) outcome.fail(`heal all gave up at once on: ${nonRetryable[0].replace(/^.*\| ERROR \| /, '').slice(0, 200)}`);
  const raced = unexpectedEscalations(heal.stdout);
  const busyWarnings = heal.stdout.split('\n').filter((line) => line.includes('outcome=retryable-failure') && /busy|locked/.test(line)).length;

  // Nothing of the writer's, or of before, is lost.
  const db = openDatabase(join(root, DB_PATH));
  try {
    const verdictText = integrity(db);
    if (verdictText !== 'ok') outcome.lose(`integrity_check: ${verdictText}`);
    const row = db.prepare('SELECT id, file_path, content_hash FROM memory_index WHERE id = ?');
    const ledger = ledgerRows(db);
    let lostRows = 0;
    let lostEntries = 0;
    for (const save of saves) {
      const found = row.get(save.id);
      if (found === undefined || !String(found.file_path).endsWith(save.path) || found.content_hash !== save.hash) lostRows++;
      const entry = ledger.get(save.entry);
      if (entry === undefined || JSON.parse(entry).new_hash !== save.hash) lostEntries++;
    }
    if (lostRows > 0) outcome.lose(`${lostRows} of the writer's ${saves.length} rows are gone or changed`);
    if (lostEntries > 0) outcome.lose(`${lostEntries} of the writer's ${saves.length} ledger entries are gone or changed`);
    const losses = ledgerLosses(variant.snapshot.ledger, ledger);
    if (losses.count > 0) outcome.lose(`${losses.count} ledger rows from before lost or changed: ${losses.first.join(', ')}`);
  } finally {
    db.close();
  }
  const now = hashTree(join(root, 'specs'));
  const specs = treeDifferences(variant.snapshot.specs, new Map([...now].filter(([path]) => !path.includes('__writer-'))));
  if (specs.count > 0) outcome.lose(`${specs.count} files under specs/ differ: ${specs.first.join(', ')}`);

  // With the writer stopped, a heal converges.
  const settle = await runBin('opsheal', ['heal', 'all', '--workspace', root]);
  const unsettled = incompleteRun(settle, 4, 'heal all after the writer stopped');
  if (unsettled) outcome.fail(unsettled);
  const residual = await residualFindings(root);
  if (residual.problem) outcome.fail(residual.problem);
  else if (residual.residual.length > 0) outcome.fail(`check all after the writer stopped still finds ${residual.residual.slice(0, 3).join(', ')}`);
  return { failures: outcome.failures, dataLost: outcome.dataLost, busyWarnings, saved: saves.length, raced };
}
