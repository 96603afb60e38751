// The workspaces the scenarios torture: generated once per run, faults injected once per variant,
// each with its snapshot and the states an uninterrupted heal passes through.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DB_PATH, copyWorkspace, firstLine, inspectDatabase, runBin, snapshotWorkspace } from './lib.mjs';

/** The heal order of `heal all`, and the repair step of each class. */
export const CLASSES = ['index-drift', 'session-ambiguity', 'ledger-mismatch', 'telemetry-drift'];
export const REPAIR_STEPS = {
  'index-drift': 'rebuild-index',
  'session-ambiguity': 'refresh-session-candidates',
  'ledger-mismatch': 'replay-ledger',
  'telemetry-drift': 'sync-schema-and-docs',
};

async function must(program, args, what) {
  const result = await runBin(program, args, { timeoutMs: 300_000 });
  if (result.status !== 0 && !(what.allow ?? []).includes(result.status)) {
    throw new Error(`${what.label} failed (exit ${result.status ?? result.signal}): ${firstLine(result.stderr) || firstLine(result.stdout)}`);
  }
  return result;
}

/** Generates the clean sample workspace every scenario starts from. */
export async function generateBase(folder, memories, seed) {
  const root = join(folder, 'base');
  await must('opsheal', ['workspace', 'generate', root, '--memories', String(memories), '--seed', String(seed)], { label: 'workspace generate' });
  return root;
}

/**
 * A copy of the base with `inject all --count 2` applied, its snapshot, and the reference: the
 * database state after each class's uninterrupted heal (S0 before any, S4 after all four), the
 * telemetry docs before and after, the ledger entries the heal appended, and the timeline of an
 * uninterrupted `heal all` (when each stdout line arrived) to aim kills with.
 */
export async function prepareVariant(base, folder, injectSeed) {
  const root = join(folder, `variant-${injectSeed}`);
  copyWorkspace(base, root);
  await must('opsheal', ['inject', 'all', '--workspace', root, '--count', '2', '--seed', String(injectSeed)], { label: 'inject all' });
  const snapshot = snapshotWorkspace(root);
  const docsBefore = readFileSync(join(root, 'telemetry', 'README.md'));

  // Class by class: the states a heal passes through, in order.
  const stepwise = join(folder, `reference-${injectSeed}`);
  copyWorkspace(root, stepwise);
  const states = [snapshot.state];
  for (const failureClass of CLASSES) {
    await must('opsheal', ['heal', failureClass, '--workspace', stepwise], { label: `heal ${failureClass}`, allow: [1] });
    states.push(inspectDatabase(join(stepwise, DB_PATH)).state);
  }
  const docsAfter = readFileSync(join(stepwise, 'telemetry', 'README.md'));
  const finalDatabase = inspectDatabase(join(stepwise, DB_PATH));
  const appended = [...finalDatabase.ledger].filter(([id]) => !snapshot.ledger.has(id)).map(([, row]) => repairKey(JSON.parse(row)));

  // One uninterrupted heal all, timed line by line.
  const timed = join(folder, `timed-${injectSeed}`);
  copyWorkspace(root, timed);
  const run = await must('opsheal', ['heal', 'all', '--workspace', timed], { label: 'heal all', allow: [1] });
  const finalState = inspectDatabase(join(timed, DB_PATH)).state;
  return {
    root,
    injectSeed,
    snapshot,
    states: [...new Set([...states, finalState])],
    finalState,
    stepwiseAgrees: finalState === states[states.length - 1],
    docsBefore,
    docsAfter,
    appended,
    timeline: timelineOf(run),
  };
}

/**
 * When each step of the uninterrupted run began and ended (ms after the process started), and the
 * whole run's length.
 */
function timelineOf(run) {
  const steps = [];
  for (const [index, { line, at }] of run.lines.entries()) {
    const match = / \| ACTION \| class=(\S+) step=(\S+) attempt=1\//.exec(line);
    if (match === null) continue;
    const end = run.lines[index + 1]?.at ?? run.elapsedMs;
    steps.push({ failureClass: match[1], step: match[2], start: at, end });
  }
  return { total: run.elapsedMs, firstLine: run.lines[0]?.at ?? 0, steps };
}

/**
 * What identifies one repair in the ledger, whatever order or process made it: the mutation, the
 * memory, the hashes and the fault recorded in decision_meta (not the entry id or its timestamp).
 */
export function repairKey(row) {
  let meta = {};
  try {
    meta = JSON.parse(row.decision_meta ?? '{}') ?? {};
  } catch {
    // an unparsable decision_meta is keyed as it is
  }
  return JSON.stringify([row.actor, row.mutation_type, row.linked_memory_ids, row.prior_hash, row.new_hash, meta.failure_class ?? null, meta.fault ?? null, meta.path ?? null]);
}

/** Keys that occur more often in `actual` than in `expected`, and keys of `expected` that `actual` lacks. */
export function compareRepairs(expected, actual) {
  const count = (keys) => {
    const counts = new Map();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return counts;
  };
  const want = count(expected);
  const got = count(actual);
  const extra = [];
  const missing = [];
  for (const [key, n] of got) if (n > (want.get(key) ?? 0)) extra.push(`${describeKey(key)} ×${n}`);
  for (const [key, n] of want) if ((got.get(key) ?? 0) < n) missing.push(describeKey(key));
  return { extra, missing };
}

export function describeKey(key) {
  const [actor, type, linked, , , failureClass, fault, path] = JSON.parse(key);
  return `${actor} ${type} ${linked} (${failureClass ?? '?'} ${fault ?? '?'}${path ? ` ${path}` : ''})`;
}
