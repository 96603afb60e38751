import { FAILURE_CLASSES } from '../catalog/failure-classes.js';
import { orderedJson } from '../core/ordered-json.js';
import type { CheckReport, Finding } from '../live/live-class.js';
import { nonZeroCounts } from '../live/finding-counts.js';
import { checksAhead } from '../live/checks-ahead.js';
import { readsMemoryFiles, usesIndexDatabase } from '../live/live-classes.js';
import { formatDetails } from '../render/text-lines.js';
import { readCommandLine } from './command-line.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { displayValue } from './display-value.js';
import { createLiveContext, warmHelpersForScan } from './live-context.js';
import { checkUsage } from './live-usage.js';
import { clockFromEnvironment } from './run-environment.js';
import { requireClass, type CommandContext } from './runbook-commands.js';
import { parseUnsigned } from './unsigned-option.js';
import { UsageError } from '../core/usage-error.js';
import { DatabaseUnusableError } from '../workspace/database-unusable-error.js';
import { WORKSPACE_OPTIONS, requireDatabase, resolveWorkspace } from './workspace-options.js';

/** `check <class|all>`: read-only detection. Exit 0 healthy, 1 drift found or an unusable database, 2 usage error. */
export async function checkCommand({ program, args, sink, env }: CommandContext): Promise<ExitCode> {
  const line = readCommandLine(args, { options: { ...WORKSPACE_OPTIONS, json: 'flag', limit: 'value' }, positionals: 1 });
  if (line.help) {
    sink.out(checkUsage(program));
    return EXIT.ok;
  }
  const target = line.positionals[0];
  if (target === undefined || target === '') throw new UsageError('check requires <failure-class|all>');
  const classes = target === 'all' ? FAILURE_CLASSES : [requireClass(target)];
  const limit = parseUnsigned('limit', line.values.get('limit') ?? '5');
  const workspace = resolveWorkspace(line, process.cwd());
  if (classes.some((failureClass) => usesIndexDatabase(failureClass.id))) requireDatabase(workspace.paths);
  if (classes.some((failureClass) => readsMemoryFiles(failureClass.id))) warmHelpersForScan(workspace.paths);
  const live = createLiveContext(workspace, { program, now: clockFromEnvironment(env), backup: false, sink, readOnly: true });

  let drift = false;
  let failed = false;
  // `check all` goes on past a class that cannot be checked for its own sake (a table of its own
  // missing, a telemetry file it cannot read), and says which and why in its place. A usage
  // mistake still stops everything (exit 2), and so does a database that cannot be used at all
  // (corrupt, not a database, locked): the classes after would judge, or call healthy, what cannot
  // be trusted. A single class's error is the command's.
  for await (const { failureClass, report, error } of checksAhead(classes.map((entry) => entry.id), live, classes.length > 1)) {
    if (error !== undefined) {
      if (error instanceof UsageError || (error instanceof DatabaseUnusableError && error.code !== 'SQLITE_ERROR')) throw error;
      failed = true;
      const message = error instanceof Error ? error.message : String(error);
      sink.err(`ERROR: ${failureClass}: ${displayValue(message)}`);
      sink.out(line.flags.has('json')
        ? orderedJson([['class', failureClass], ['checked', false], ['reason', message]])
        : `${failureClass}: not checked: ${displayValue(message)}`);
      continue;
    }
    if (report === undefined) {
      sink.out(line.flags.has('json')
        ? orderedJson([['class', failureClass], ['checked', false], ['reason', 'no built-in check yet']])
        : `${failureClass}: not checked: no built-in check yet`);
      continue;
    }
    const healthy = report.findings.length === 0;
    drift ||= !healthy;
    if (line.flags.has('json')) sink.out(reportJson(report));
    else for (const text of reportText(report, limit)) sink.out(text);
  }
  return drift || failed ? EXIT.escalatedOrDrift : EXIT.ok;
}

/** The full report as one JSON object. */
export function reportJson(report: CheckReport): string {
  return orderedJson([
    ['class', report.failureClass],
    ['healthy', report.findings.length === 0],
    ['counts', report.counts],
    ['metrics', report.metrics],
    ['notes', report.notes],
    ['findings', report.findings],
  ]);
}

/** A summary line, then up to `limit` items of each kind found, then the notes. */
export function reportText(report: CheckReport, limit: number): string[] {
  const lines: string[] = [];
  const found = Object.entries(nonZeroCounts(report.counts));
  const verdict = report.findings.length === 0 ? 'healthy' : 'drift found';
  lines.push(`${report.failureClass}: ${verdict}${formatDetails(Object.fromEntries(found))}${formatDetails(report.metrics)}`);
  for (const [kind] of found) {
    const items = report.findings.filter((finding) => finding.kind === kind);
    // Paths and subjects come from file names and files: a newline or an escape sequence in one must
    // neither forge a line nor reach the terminal (`displayValue` shows them as `\xNN`).
    for (const item of items.slice(0, limit)) lines.push(`  ${kind.padEnd(21)} ${displayValue(describeFinding(item))}`);
    if (items.length > limit) lines.push(`  ${''.padEnd(21)} … and ${items.length - limit} more (--json lists all)`);
  }
  for (const note of report.notes) lines.push(`  note: ${displayValue(note)}`);
  return lines;
}

function describeFinding(finding: Finding): string {
  return [
    finding.memoryId !== undefined ? `#${finding.memoryId}` : undefined,
    finding.path,
    finding.subject,
    finding.detail !== undefined ? `(${finding.detail})` : undefined,
  ].filter((part) => part !== undefined).join(' ');
}
