import { runClass, type ClassRunPlan, type RunResult } from '../core/step-runner.js';
import { jsonLine } from '../render/json-lines.js';
import { textLine } from '../render/text-lines.js';
import type { ConsoleSink } from './console-sink.js';
import { recordEscalation } from './escalation-file.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { cliRunnerEnvironment } from './run-environment.js';

export interface RunPlansSettings {
  readonly sink: ConsoleSink;
  readonly now: () => number;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Runs the plans in order, each to its end whatever the one before did, printing every event with
 * the chosen renderer. Exit 1 when any escalated, else 0, as `runbook drill all` did.
 */
export async function runPlans(
  plans: ReadonlyArray<ClassRunPlan | (() => Promise<ClassRunPlan>)>,
  settings: RunPlansSettings,
): Promise<{ exitCode: ExitCode; results: RunResult[] }> {
  const { sink, json } = settings;
  const results: RunResult[] = [];
  for (const planOrFactory of plans) {
    const plan = typeof planOrFactory === 'function' ? await planOrFactory() : planOrFactory;
    const result = await runClass(
      plan,
      cliRunnerEnvironment(settings.now, (event) => {
        const line = json ? jsonLine(event) : textLine(event);
        if (line !== undefined) sink.out(line);
      }),
    );
    if (result.outcome === 'escalated') await recordEscalation(result.payload, settings.env, sink);
    results.push(result);
  }
  const escalated = results.some((result) => result.outcome === 'escalated');
  return { exitCode: escalated ? EXIT.escalatedOrDrift : EXIT.ok, results };
}
