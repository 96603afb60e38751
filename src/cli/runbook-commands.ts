import type { FailureClass } from '../catalog/failure-class.js';
import { FAILURE_CLASSES, findFailureClass } from '../catalog/failure-classes.js';
import { orderedJson } from '../core/ordered-json.js';
import { drillPlan } from '../drill/drill-plan.js';
import { readCommandLine } from './command-line.js';
import type { ConsoleSink } from './console-sink.js';
import { displayValue } from './display-value.js';
import { DRILL_OPTIONS, readDrillOptions } from './drill-options.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { clockFromEnvironment } from './run-environment.js';
import { runPlans } from './run-plans.js';
import { drillUsage, healerUsage } from './usage-text.js';
import { UsageError } from '../core/usage-error.js';

/** What every command handler gets: its arguments after the verb, where to print, and the environment. */
export interface CommandContext {
  readonly program: string;
  readonly args: readonly string[];
  readonly sink: ConsoleSink;
  readonly env: NodeJS.ProcessEnv;
}

/** `list [--json]`: the class ids one per line, or one JSON object per class. */
export function listCommand({ program, args, sink }: CommandContext): ExitCode {
  const line = readCommandLine(args, { options: { json: 'flag' } });
  if (line.help) {
    sink.out(`Usage: ${program} list [--json]\n\nThe failure classes, one per line, in the order drill all runs them.`);
    return EXIT.ok;
  }
  for (const failureClass of FAILURE_CLASSES) {
    sink.out(line.flags.has('json') ? classJson(failureClass, program) : failureClass.id);
  }
  return EXIT.ok;
}

/** `show <class> [--json]`: the contract's five lines, or the class as one JSON object. */
export function showCommand({ program, args, sink }: CommandContext): ExitCode {
  const line = readCommandLine(args, { options: { json: 'flag' }, positionals: 1 });
  if (line.help) {
    sink.out(`Usage: ${program} show <class> [--json]\n\nA class's trigger, owner, escalation path and drill command.`);
    return EXIT.ok;
  }
  const id = line.positionals[0];
  if (id === undefined || id === '') throw new UsageError('show requires <failure-class>');
  const failureClass = requireClass(id);
  if (line.flags.has('json')) {
    sink.out(classJson(failureClass, program));
    return EXIT.ok;
  }
  sink.out(`CLASS: ${failureClass.id}`);
  sink.out(`TRIGGER: ${failureClass.trigger}`);
  sink.out(`OWNER: ${failureClass.owner}`);
  sink.out(`ESCALATION: ${failureClass.escalationPath}`);
  sink.out(`DRILL: ${drillCommandLine(program, failureClass)}`);
  return EXIT.ok;
}

/**
 * `drill <class|all> [options]`: validates every option before running anything (the reference ran
 * each class and exited 1 on an argument error), then runs the simulated healers in catalog order.
 */
export async function drillCommand(context: CommandContext): Promise<ExitCode> {
  const { program, args, sink } = context;
  const target = args[0];
  if (target === '--help' || target === '-h') {
    sink.out(drillUsage(program));
    return EXIT.ok;
  }
  if (target === undefined || target === '') throw new UsageError('drill requires <failure-class|all>');
  // Only opsheal rehearses for real; runbook keeps the shell helper's grammar, where --live is unknown.
  if (program === 'opsheal' && args.includes('--live')) {
    return (await import('./live-drill-command.js')).liveDrillCommand(context);
  }
  const classes = target === 'all' ? FAILURE_CLASSES : [requireClass(target)];
  return runDrill(context, classes, args.slice(1), () => drillUsage(program));
}

/** `heal-<class> [options]`: one class's simulated healer, the contract's options. */
export async function healerCommand(context: CommandContext, classId: string): Promise<ExitCode> {
  return runDrill(context, [requireClass(classId)], context.args, () => healerUsage(context.program, classId));
}

async function runDrill(context: CommandContext, classes: readonly FailureClass[], optionArgs: readonly string[], usage: () => string): Promise<ExitCode> {
  const line = readCommandLine(optionArgs, { options: DRILL_OPTIONS });
  if (line.help) {
    context.sink.out(usage());
    return EXIT.ok;
  }
  const options = readDrillOptions(line);
  const now = clockFromEnvironment(context.env);
  const plans = classes.map((failureClass) => drillPlan(failureClass, options));
  const { exitCode } = await runPlans(plans, { sink: context.sink, now, json: line.flags.has('json'), env: context.env });
  return exitCode;
}

/** The class with this id, or the contract's usage error. */
export function requireClass(id: string): FailureClass {
  const failureClass = findFailureClass(id);
  if (failureClass === undefined) throw new UsageError(`Unknown failure class: ${displayValue(id)}`);
  return failureClass;
}

function drillCommandLine(program: string, failureClass: FailureClass): string {
  return `${program} drill ${failureClass.id} --scenario success`;
}

function classJson(failureClass: FailureClass, program: string): string {
  return orderedJson([
    ['class', failureClass.id],
    ['owner', failureClass.owner],
    ['escalation_path', failureClass.escalationPath],
    ['trigger', failureClass.trigger],
    ['summary', failureClass.summary],
    ['steps', failureClass.steps.map((step) => ({ phase: step.phase, name: step.name, drill_command: step.drillCommand }))],
    ['drill', drillCommandLine(program, failureClass)],
  ]);
}
