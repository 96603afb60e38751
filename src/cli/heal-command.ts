import type { FailureClass } from '../catalog/failure-class.js';
import { FAILURE_CLASSES } from '../catalog/failure-classes.js';
import { commandStepAction } from '../commands/command-step-action.js';
import { lockedCommandStep } from '../live/locked-command-step.js';
import { ownerOf } from '../config/opsheal-config.js';
import { formatArgv } from '../commands/format-argv.js';
import type { StepAction } from '../core/step-action.js';
import type { ClassRunPlan, RunnableStep } from '../core/step-runner.js';
import type { LiveClass, LiveContext } from '../live/live-class.js';
import { loadLiveClass, readsMemoryFiles, usesIndexDatabase } from '../live/live-classes.js';
import { readCommandLine } from './command-line.js';
import { RETRY_OPTIONS, readRetryPolicy } from './drill-options.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { healCollections } from './heal-collections.js';
import { createLiveContext, warmHelpersForScan } from './live-context.js';
import { printPlan } from './plan-output.js';
import { clockFromEnvironment } from './run-environment.js';
import { runPlans } from './run-plans.js';
import { withScanMoments } from './scan-moments.js';
import { requireClass, type CommandContext } from './runbook-commands.js';
import { healUsage } from './live-usage.js';
import { displayValue } from './display-value.js';
import { rollBackHotJournal } from '../workspace/index-database.js';
import { UsageError } from '../core/usage-error.js';
import { WORKSPACE_OPTIONS, requireDatabase, resolveWorkspace } from './workspace-options.js';

/**
 * `heal <class|all>`: runs each class's detect, repair and verify for real, with the step engine's
 * bounded retries. A step runs the command the config gives it, else the class's built-in action.
 * Everything is validated before anything runs; `--dry-run` prints the repair plan and changes nothing.
 */
export async function healCommand(context: CommandContext): Promise<ExitCode> {
  const { program, args, sink, env } = context;
  const line = readCommandLine(args, {
    options: { ...WORKSPACE_OPTIONS, ...RETRY_OPTIONS, json: 'flag', 'dry-run': 'flag', 'no-backup': 'flag' },
    positionals: 1,
  });
  if (line.help) {
    sink.out(healUsage(program));
    return EXIT.ok;
  }
  const target = line.positionals[0];
  if (target === undefined || target === '') throw new UsageError('heal requires <failure-class|all>');
  const classes = target === 'all' ? FAILURE_CLASSES : [requireClass(target)];
  const workspace = resolveWorkspace(line, process.cwd());
  const policy = readRetryPolicy(line, {
    maxAttempts: workspace.config.policy?.maxAttempts ?? 3,
    backoffSeconds: workspace.config.policy?.backoffSeconds ?? 0,
  });
  if (classes.some((failureClass) => readsMemoryFiles(failureClass.id))) warmHelpersForScan(workspace.paths);
  const now = clockFromEnvironment(env);
  const dryRun = line.flags.has('dry-run');
  // A heal's steps share a scan of the memory files until one of them could change what they judge
  // (withScanMoments, below, says when); a dry run reads the files once.
  const live = createLiveContext(workspace, { program, now, backup: !line.flags.has('no-backup'), sink, readOnly: dryRun, holdScans: !dryRun });
  const json = line.flags.has('json');

  const prepared = [];
  for (const failureClass of classes) prepared.push(await prepareClass(failureClass, live, (chunk) => sink.err(chunk.replace(/\n$/, ''))));
  if (prepared.some((entry) => entry.liveClass !== undefined && usesIndexDatabase(entry.failureClass.id))) requireDatabase(workspace.paths);

  if (dryRun) {
    for (const entry of prepared) await printPlan(entry, live, { sink, json, now });
    return EXIT.ok;
  }
  if (prepared.some((entry) => usesIndexDatabase(entry.failureClass.id)) && rollBackHotJournal(workspace.paths.db)) {
    sink.err(`opsheal: rolled back the unfinished transaction an interrupted writer left in ${displayValue(workspace.paths.db)}-journal (nothing it held had committed)`);
  }
  const collections = healCollections(prepared, live.memoryFiles);
  const plans = prepared.map((entry, index) => async (): Promise<ClassRunPlan> => {
    collections.beforeClass(index);
    return {
      failureClass: entry.failureClass.id,
      owner: ownerOf(live.config, entry.failureClass),
      scenario: 'live',
      recoverySummary: entry.failureClass.summary,
      healthySummary: entry.failureClass.healthySummary,
      policy,
      steps: withScanMoments(entry, collections.steps(entry), live.memoryFiles),
    };
  });
  const { exitCode } = await runPlans(plans, { sink, now, json, env });
  return exitCode;
}

/** A class ready to run: its steps resolved to config commands or built-in actions. */
export interface PreparedClass {
  readonly failureClass: FailureClass;
  readonly liveClass: LiveClass | undefined;
  readonly steps: readonly RunnableStep[];
  /** The steps that run a configured command instead of the built-in action. */
  readonly commandSteps: readonly string[];
}

async function prepareClass(failureClass: FailureClass, live: LiveContext, onOutput: (chunk: string) => void): Promise<PreparedClass> {
  const configured = live.config.steps[failureClass.id] ?? {};
  const builtInSteps = failureClass.steps.filter((step) => configured[step.name] === undefined);
  const liveClass = builtInSteps.length > 0 ? await loadLiveClass(failureClass.id) : undefined;
  const builtIns = liveClass?.actions(live, new Set(builtInSteps.map((step) => step.phase)));
  const steps = failureClass.steps.map((step): RunnableStep => {
    const command = configured[step.name];
    if (command !== undefined) {
      const action = commandStepAction(command, { baseDir: live.config.baseDir, onOutput });
      return {
        name: step.name,
        command: formatArgv(command.command),
        action: step.phase === 'repair' ? lockedCommandStep(live, action, usesIndexDatabase(failureClass.id)) : action,
      };
    }
    const action: StepAction | undefined = builtIns?.[step.phase];
    if (action === undefined) {
      throw new UsageError(
        `${failureClass.id} step ${step.name} has nothing to run: it has no built-in action yet; give it a command in the config under steps.${failureClass.id}.${step.name}.command`,
      );
    }
    return { name: step.name, command: live.rerunCommand(failureClass.id, step.phase), action };
  });
  return { failureClass, liveClass, steps, commandSteps: failureClass.steps.filter((step) => !builtInSteps.includes(step)).map((step) => step.name) };
}
