import { performance } from 'node:perf_hooks';
import { ownerOf } from '../config/opsheal-config.js';
import type { FailureClass } from '../catalog/failure-class.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import type { RunOutcome } from '../core/step-runner.js';
import type { Finding, InjectionRequest, LiveClass, LiveContext } from '../live/live-class.js';
import { loadLiveClass } from '../live/live-classes.js';
import type { ConsoleSink } from './console-sink.js';
import { reportText } from './check-command.js';
import { runPlans } from './run-plans.js';

/** One class's line of the summary a demo or a live drill ends with. */
export interface RehearsalRow {
  readonly failureClass: string;
  readonly injected: number;
  readonly found: number;
  readonly repaired: number;
  /** Findings left for a person (0 when the class recovered). */
  readonly escalated: number;
  readonly outcome: RunOutcome;
  readonly seconds: number;
}

export interface RehearsalSettings {
  readonly classes: readonly FailureClass[];
  readonly live: LiveContext;
  readonly policy: RetryPolicy;
  readonly sink: ConsoleSink;
  /**
   * Where the transcript's human lines go (what was injected, the checks): stdout, or stderr when
   * `json` asks for nothing but JSON lines on stdout.
   */
  readonly say: (text: string) => void;
  readonly now: () => number;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** What to inject per class: one request per fault kind, or undefined for every kind once. */
  readonly injections: (liveClass: LiveClass) => readonly Omit<InjectionRequest, 'claimed'>[];
  /** Print `check` before and after (the demo does; a live drill prints only the transcript). */
  readonly showChecks: boolean;
  readonly heading: (title: string) => void;
}

/**
 * Injects real faults, checks, heals and checks again, on a workspace that is safe to break (a
 * fresh sample or a sandbox copy), and returns one summary row per class.
 */
export async function rehearse(settings: RehearsalSettings): Promise<RehearsalRow[]> {
  const { live, sink, say } = settings;
  const liveClasses: LiveClass[] = [];
  for (const failureClass of settings.classes) {
    const liveClass = await loadLiveClass(failureClass.id);
    if (liveClass !== undefined) liveClasses.push(liveClass);
  }

  settings.heading('inject');
  const claimed = new Set<number>();
  const injected = new Map<string, Finding[]>();
  for (const liveClass of liveClasses) {
    const faults: Finding[] = [];
    for (const request of settings.injections(liveClass)) faults.push(...(await liveClass.inject(live, { ...request, claimed })).injected);
    injected.set(liveClass.failureClass, faults);
    const kinds = new Map<string, number>();
    for (const fault of faults) kinds.set(fault.kind, (kinds.get(fault.kind) ?? 0) + 1);
    say(`${liveClass.failureClass}: injected ${faults.length}${[...kinds].map(([kind, count]) => ` ${kind}=${count}`).join('')}`);
  }

  const before = await checkAll(liveClasses, live, settings.showChecks ? say : undefined, () => settings.heading('check all'));
  settings.heading('heal all');
  const rows: RehearsalRow[] = [];
  const outcomes = new Map<string, { outcome: RunOutcome; seconds: number }>();
  for (const failureClass of settings.classes) {
    const liveClass = liveClasses.find((candidate) => candidate.failureClass === failureClass.id);
    if (liveClass === undefined) continue;
    const actions = liveClass.actions(live);
    const started = performance.now();
    const { results } = await runPlans([{
      failureClass: failureClass.id,
      owner: ownerOf(live.config, failureClass),
      scenario: 'live',
      recoverySummary: failureClass.summary,
      healthySummary: failureClass.healthySummary,
      policy: settings.policy,
      steps: failureClass.steps.map((step) => ({ name: step.name, command: live.rerunCommand(failureClass.id, step.phase), action: actions[step.phase] })),
    }], { sink, now: settings.now, json: settings.json, env: settings.env });
    outcomes.set(failureClass.id, { outcome: results[0]?.outcome ?? 'escalated', seconds: (performance.now() - started) / 1000 });
  }
  const after = await checkAll(liveClasses, live, settings.showChecks ? say : undefined, () => settings.heading('check all, after healing'));

  for (const liveClass of liveClasses) {
    const id = liveClass.failureClass;
    const found = before.get(id) ?? 0;
    const remaining = after.get(id) ?? 0;
    const { outcome, seconds } = outcomes.get(id) ?? { outcome: 'escalated' as const, seconds: 0 };
    rows.push({ failureClass: id, injected: injected.get(id)?.length ?? 0, found, repaired: Math.max(0, found - remaining), escalated: outcome === 'escalated' ? remaining : 0, outcome, seconds });
  }
  return rows;
}

async function checkAll(liveClasses: readonly LiveClass[], live: LiveContext, say: ((text: string) => void) | undefined, heading: () => void): Promise<Map<string, number>> {
  if (say) heading();
  const found = new Map<string, number>();
  for (const liveClass of liveClasses) {
    const report = await liveClass.check(live);
    found.set(liveClass.failureClass, report.findings.length);
    if (say) for (const text of reportText(report, 3)) say(text);
  }
  return found;
}

/** The summary as a fixed-width table (or one JSON object per class). */
export function summaryLines(rows: readonly RehearsalRow[], json: boolean): string[] {
  if (json) {
    return rows.map((row) => JSON.stringify({ event: 'SUMMARY', failure_class: row.failureClass, injected: row.injected, found: row.found, repaired: row.repaired, escalated: row.escalated, outcome: row.outcome, seconds: Number(row.seconds.toFixed(3)) }));
  }
  const header = ['class', 'injected', 'found', 'repaired', 'escalated', 'outcome', 'time'];
  const body = rows.map((row) => [row.failureClass, String(row.injected), String(row.found), String(row.repaired), String(row.escalated), row.outcome, `${row.seconds.toFixed(2)} s`]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const format = (cells: readonly string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...body.map(format)];
}
