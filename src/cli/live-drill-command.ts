import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAILURE_CLASSES } from '../catalog/failure-classes.js';
import { usesIndexDatabase } from '../live/live-classes.js';
import { copyWorkspaceToSandbox } from '../workspace/sandbox-copy.js';
import { displayValue } from './display-value.js';
import { readCommandLine } from './command-line.js';
import { RETRY_OPTIONS, readRetryPolicy } from './drill-options.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { parseSeed } from './inject-command.js';
import { createLiveContext } from './live-context.js';
import { liveDrillUsage } from './live-usage.js';
import { rehearse, summaryLines } from './rehearsal.js';
import { clockFromEnvironment } from './run-environment.js';
import { requireClass, type CommandContext } from './runbook-commands.js';
import { UsageError } from '../core/usage-error.js';
import { WORKSPACE_OPTIONS, requireDatabase, resolveWorkspace } from './workspace-options.js';

/**
 * `drill <class|all> --live`: a real fire drill that never touches the workspace it rehearses on.
 * The workspace is copied into a sandbox (files, and the database through the online backup API),
 * real faults of the class are injected there (the same for the same seed), the copy is healed and
 * verified, and the transcript and a summary are printed. The sandbox is removed unless `--keep`.
 */
export async function liveDrillCommand({ program, args, sink, env }: CommandContext): Promise<ExitCode> {
  const [target, ...rest] = args;
  const line = readCommandLine(rest, { options: { ...WORKSPACE_OPTIONS, ...RETRY_OPTIONS, live: 'flag', seed: 'value', keep: 'flag', json: 'flag' } });
  if (line.help) {
    sink.out(liveDrillUsage(program));
    return EXIT.ok;
  }
  if (target === undefined || target === '') throw new UsageError('drill requires <failure-class|all>');
  const classes = target === 'all' ? FAILURE_CLASSES : [requireClass(target)];
  const policy = readRetryPolicy(line);
  const seed = parseSeed(line.values.get('seed'));
  const source = resolveWorkspace(line, process.cwd());
  if (classes.some((failureClass) => usesIndexDatabase(failureClass.id))) requireDatabase(source.paths);
  const now = clockFromEnvironment(env);
  const json = line.flags.has('json');

  const sandboxRoot = mkdtempSync(join(tmpdir(), 'opsheal-drill-'));
  const heading = (title: string): void => {
    if (!json) sink.out(`== ${title}`);
  };
  let keep = line.flags.has('keep');
  try {
    heading(`sandbox copy of ${displayValue(source.paths.root)} in ${displayValue(sandboxRoot)}`);
    let paths;
    try {
      paths = await copyWorkspaceToSandbox(source.paths, source.config, sandboxRoot);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const config = { ...source.config, steps: {} };
    const live = createLiveContext({ paths, config, selector: ['--workspace', sandboxRoot, ...source.judging] }, { program, now, backup: false, sink });
    const rows = await rehearse({
      classes,
      live,
      policy,
      sink,
      // With --json, stdout carries JSON lines alone: what was injected goes to stderr.
      say: (text) => (json ? sink.err(text) : sink.out(text)),
      now,
      json,
      env,
      injections: (liveClass) => liveClass.faultKinds.map((kind) => ({ kind, seed, count: 1 })),
      showChecks: false,
      heading,
    });
    heading('summary');
    for (const text of summaryLines(rows, json)) sink.out(text);
    if (keep) sink.out(json ? JSON.stringify({ event: 'SANDBOX_KEPT', path: sandboxRoot }) : `sandbox kept at ${displayValue(sandboxRoot)}`);
    return rows.some((row) => row.outcome === 'escalated') ? EXIT.escalatedOrDrift : EXIT.ok;
  } catch (error) {
    keep = keep && !(error instanceof UsageError);
    throw error;
  } finally {
    if (!keep) rmSync(sandboxRoot, { recursive: true, force: true });
  }
}
