import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FAILURE_CLASSES } from '../catalog/failure-classes.js';
import { formatArgv } from '../commands/format-argv.js';
import { defaultConfig } from '../config/opsheal-config.js';
import type { InjectionRequest, LiveClass } from '../live/live-class.js';
import { generateSampleWorkspace } from '../sample/generate-sample-workspace.js';
import { generationTargetProblem } from '../workspace/generate-workspace.js';
import { workspacePaths } from '../workspace/workspace-paths.js';
import { UsageError } from '../core/usage-error.js';
import { displayValue } from './display-value.js';
import { readCommandLine } from './command-line.js';
import { pathOption } from './workspace-options.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { parseSeed } from './inject-command.js';
import { createLiveContext } from './live-context.js';
import { demoUsage } from './live-usage.js';
import { rehearse, summaryLines } from './rehearsal.js';
import { clockFromEnvironment } from './run-environment.js';
import type { CommandContext } from './runbook-commands.js';
import { checkAtLeast, checkAtMost, parseUnsigned } from './unsigned-option.js';

/** Faults per kind in the demo; ambiguous sessions get more, so that they outweigh the policy threshold. */
const DEMO_FAULTS_PER_KIND = 2;
const DEMO_AMBIGUOUS_SESSIONS = 4;

/**
 * `demo`: generate a sample workspace, inject faults of every kind, then check, heal and check
 * again, ending with a table. Shows both outcomes: recoveries, and escalations for what needs a
 * person (ambiguous sessions, events the code emits that the schema does not know).
 */
export async function demoCommand({ program, args, sink, env }: CommandContext): Promise<ExitCode> {
  const line = readCommandLine(args, { options: { dir: 'value', memories: 'value', seed: 'value', keep: 'flag', json: 'flag' } });
  if (line.help) {
    sink.out(demoUsage(program));
    return EXIT.ok;
  }
  const rawMemories = line.values.get('memories') ?? '2000';
  const memories = parseUnsigned('memories', rawMemories);
  checkAtLeast('memories', memories, 100);
  checkAtMost('memories', rawMemories, memories, 1_000_000);
  const seed = parseSeed(line.values.get('seed'));
  const now = clockFromEnvironment(env);
  const given = pathOption(line, 'dir');
  const chosen = given !== undefined ? resolve(given) : undefined;
  const problem = chosen !== undefined ? generationTargetProblem(chosen) : undefined;
  if (problem !== undefined) throw new UsageError(`${problem} (give a new or empty folder, or leave out --dir for a temporary one)`);
  const dir = chosen ?? mkdtempSync(join(tmpdir(), 'opsheal-demo-'));
  const json = line.flags.has('json');
  // With --json, stdout carries JSON lines alone: the transcript's human lines go to stderr.
  const say = (text: string): void => (json ? sink.err(text) : sink.out(text));
  const heading = (title: string): void => say(`\n== ${title}`);

  try {
    heading(`generate a sample workspace: ${memories} memories in ${displayValue(dir)}`);
    const report = generateSampleWorkspace(dir, { memories, seed, now: now() });
    say(`${report.memories} memories in ${report.specFolders} spec folders, ${report.sessions} sessions, ${report.ledgerEntries} ledger entries, vectors ${report.vectors}`);
    const config = defaultConfig(dir);
    const paths = workspacePaths(dir, config);
    const live = createLiveContext({ paths, config, selector: ['--workspace', dir] }, { program, now, backup: true, sink });
    const rows = await rehearse({
      classes: FAILURE_CLASSES,
      live,
      policy: { maxAttempts: 3, backoffSeconds: 0 },
      sink,
      say,
      now,
      json,
      env,
      injections: (liveClass) => demoInjections(liveClass, seed),
      showChecks: true,
      heading,
    });
    heading('summary');
    for (const text of summaryLines(rows, json)) sink.out(text);
    const escalated = rows.filter((row) => row.outcome === 'escalated').map((row) => row.failureClass);
    say('');
    say(escalated.length > 0
      ? `Recovered what could be repaired; escalated ${escalated.join(', ')} to their owners with the items a person must decide (see the ESCALATION lines).`
      : 'Every class recovered.');
    if (given !== undefined || line.flags.has('keep')) {
      if (json) sink.out(JSON.stringify({ event: 'WORKSPACE_KEPT', path: dir }));
      // Quoted as a shell needs it, so that a folder with a space can be pasted as printed.
      else say(`The workspace is kept at ${displayValue(dir)}: try ${formatArgv([program, 'check', 'all', '--workspace', dir])}`);
    }
    return EXIT.ok;
  } finally {
    if (given === undefined && !line.flags.has('keep')) rmSync(dir, { recursive: true, force: true });
  }
}

function demoInjections(liveClass: LiveClass, seed: number): Omit<InjectionRequest, 'claimed'>[] {
  return liveClass.faultKinds.map((kind) => ({ kind, seed, count: kind === 'ambiguous-session' ? DEMO_AMBIGUOUS_SESSIONS : DEMO_FAULTS_PER_KIND }));
}
