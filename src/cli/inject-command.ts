import { FAILURE_CLASSES } from '../catalog/failure-classes.js';
import { orderedJson } from '../core/ordered-json.js';
import { loadLiveClass, usesIndexDatabase } from '../live/live-classes.js';
import { NotInjectableError } from '../live/not-injectable-error.js';
import { readCommandLine } from './command-line.js';
import { displayValue } from './display-value.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { createLiveContext } from './live-context.js';
import { injectUsage } from './live-usage.js';
import { clockFromEnvironment } from './run-environment.js';
import { requireClass, type CommandContext } from './runbook-commands.js';
import { checkAtLeast, checkAtMost, parseUnsigned } from './unsigned-option.js';
import { UsageError } from '../core/usage-error.js';
import { WORKSPACE_LOCATION_OPTIONS, requireDatabase, resolveWorkspace } from './workspace-options.js';

/** The most faults of one kind one call makes. */
const MAX_COUNT = 100_000;

/**
 * `inject <class|all>`: makes real faults on purpose, deterministic for a seed, for tests, demos and
 * rehearsals, and prints what it did as one JSON object per class. Never run it on a workspace you
 * care about: it edits and deletes memory files and rows, as the faults it imitates would.
 */
export async function injectCommand({ program, args, sink, env }: CommandContext): Promise<ExitCode> {
  const line = readCommandLine(args, { options: { ...WORKSPACE_LOCATION_OPTIONS, kind: 'value', count: 'value', seed: 'value' }, positionals: 1 });
  if (line.help) {
    sink.out(await injectUsage(program));
    return EXIT.ok;
  }
  const target = line.positionals[0];
  if (target === undefined || target === '') throw new UsageError('inject requires <failure-class|all>');
  const classes = target === 'all' ? FAILURE_CLASSES : [requireClass(target)];
  const rawCount = line.values.get('count') ?? '1';
  const count = parseUnsigned('count', rawCount);
  checkAtLeast('count', count, 1);
  checkAtMost('count', rawCount, count, MAX_COUNT);
  const seed = parseSeed(line.values.get('seed'));
  const kind = line.values.get('kind');
  const workspace = resolveWorkspace(line, process.cwd());

  const liveClasses = [];
  for (const failureClass of classes) {
    const liveClass = await loadLiveClass(failureClass.id);
    if (liveClass === undefined) throw new UsageError(`${failureClass.id} has no fault injector yet`);
    liveClasses.push(liveClass);
  }
  if (kind !== undefined && !liveClasses.some((liveClass) => liveClass.faultKinds.includes(kind))) {
    const known = liveClasses.map((liveClass) => `${liveClass.failureClass}: ${liveClass.faultKinds.join(', ')}`).join('; ');
    throw new UsageError(`unknown fault kind ${displayValue(kind)} (${known})`);
  }
  if (liveClasses.some((liveClass) => usesIndexDatabase(liveClass.failureClass))) requireDatabase(workspace.paths);

  const live = createLiveContext(workspace, { program, now: clockFromEnvironment(env), backup: false, sink });
  const selected = liveClasses.filter((liveClass) => kind === undefined || liveClass.faultKinds.includes(kind));
  const request = { ...(kind !== undefined ? { kind } : {}), count, seed };
  // Every class says first whether it can make what is asked: a fault that cannot be made here
  // stops the command before any is made, not halfway with some made and none reported.
  for (const liveClass of selected) {
    try {
      await liveClass.checkInjectable?.(live, request);
    } catch (error) {
      if (!(error instanceof NotInjectableError)) throw error;
      throw new UsageError(`${error.message}; nothing was injected (leave that kind out with --kind, or inject another class)`);
    }
  }
  const claimed = new Set<number>();
  for (const liveClass of selected) {
    const report = await liveClass.inject(live, { ...request, claimed });
    sink.out(orderedJson([
      ['event', 'INJECTED'],
      ['failure_class', report.failureClass],
      ['seed', seed],
      ['count', report.injected.length],
      ['faults', report.injected],
    ]));
    // A kind that ran out (a small workspace, a large --count) would otherwise make fewer, or none,
    // without a word: the operator then reads check's counts against what they asked for.
    for (const [faultKind, made] of Object.entries(report.made)) {
      if (made < count) sink.err(`note: ${report.failureClass} ${faultKind}: made ${made} of ${count}: nothing left in this workspace for more (faults never share a memory, a trigger or an event)`);
    }
  }
  return EXIT.ok;
}

/** `--seed`: an unsigned 32-bit integer (default 1). */
export function parseSeed(raw: string | undefined): number {
  const value = parseUnsigned('seed', raw ?? '1');
  checkAtMost('seed', raw ?? '1', value, 0xffffffff);
  return value;
}
