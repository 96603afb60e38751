import { failureClassStep } from '../catalog/failure-classes.js';
import { formatArgv } from '../commands/format-argv.js';
import { orderedJson } from '../core/ordered-json.js';
import { formatTimestamp } from '../core/timestamp.js';
import { nonZeroCounts } from '../live/finding-counts.js';
import type { LiveContext, PlannedChange } from '../live/live-class.js';
import { formatDetails } from '../render/text-lines.js';
import type { ConsoleSink } from './console-sink.js';
import type { PreparedClass } from './heal-command.js';

/**
 * Prints what `heal` would do for one class and changes nothing: the built-in repair's plan (each
 * change, and what would be left for a person) and the configured commands it would run.
 */
export async function printPlan(entry: PreparedClass, live: LiveContext, settings: { sink: ConsoleSink; json: boolean; now: () => number }): Promise<void> {
  const { sink, json } = settings;
  const failureClass = entry.failureClass.id;
  const timestamp = formatTimestamp(settings.now());
  const configured = live.config.steps[failureClass] ?? {};
  const commands = entry.commandSteps.map((step) => [step, formatArgv(configured[step]?.command ?? [])] as const);
  // The built-in plan only means something when the built-in repair step would run.
  const repairStep = failureClassStep(failureClass, 'repair').name;
  const planned = entry.liveClass && !entry.commandSteps.includes(repairStep) ? await entry.liveClass.plan(live) : undefined;
  // A heal whose detect finds nothing ends HEALTHY there and repairs nothing, whatever a repair
  // would otherwise also see to (session-ambiguity's look-up index): the plan says the same.
  const report = planned && planned.check.findings.length === 0 ? { ...planned, changes: [], needsDecision: [] } : planned;
  const counts = report ? nonZeroCounts(report.check.counts) : {};

  if (json) {
    sink.out(orderedJson([
      ['event', 'PLAN'],
      ['failure_class', failureClass],
      ['counts', report?.check.counts],
      ['changes', report?.changes],
      ['needs_decision', report?.needsDecision],
      ['notes', report?.check.notes],
      ['commands', commands.length > 0 ? Object.fromEntries(commands) : undefined],
      ['timestamp', timestamp],
    ]));
    return;
  }
  const head = `${timestamp} | PLAN | class=${failureClass}`;
  if (report) {
    sink.out(`${head} changes=${report.changes.length} needs_decision=${report.needsDecision.length}${formatDetails(counts)}`);
    for (const change of report.changes) sink.out(`${timestamp} | CHANGE | class=${failureClass}${formatDetails(changeFields(change))}`);
    for (const finding of report.needsDecision) {
      sink.out(`${timestamp} | DECIDE | class=${failureClass}${formatDetails(changeFields({ action: finding.kind, ...finding }))}`);
    }
    for (const note of report.check.notes) sink.out(`${timestamp} | NOTE | class=${failureClass} ${note}`);
  }
  for (const [step, command] of commands) sink.out(`${head} step=${step} would_run=${JSON.stringify(command)}`);
}

function changeFields(change: PlannedChange & { kind?: string }): Record<string, string | number> {
  const fields: Record<string, string | number> = { action: change.action };
  if (change.memoryId !== undefined) fields.id = change.memoryId;
  if (change.path !== undefined) fields.path = change.path;
  if (change.subject !== undefined) fields.subject = change.subject;
  if (change.detail !== undefined) fields.detail = change.detail;
  return fields;
}
