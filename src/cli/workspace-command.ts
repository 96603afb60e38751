import { performance } from 'node:perf_hooks';
import { orderedJson } from '../core/ordered-json.js';
import { generateSampleWorkspace } from '../sample/generate-sample-workspace.js';
import { generationTargetProblem } from '../workspace/generate-workspace.js';
import { displayValue } from './display-value.js';
import { readCommandLine } from './command-line.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { parseSeed } from './inject-command.js';
import { generateUsage } from './live-usage.js';
import { clockFromEnvironment } from './run-environment.js';
import type { CommandContext } from './runbook-commands.js';
import { checkAtLeast, checkAtMost, parseUnsigned } from './unsigned-option.js';
import { UsageError } from '../core/usage-error.js';

/** The most memories `workspace generate` writes. */
const MAX_MEMORIES = 1_000_000;

/** `workspace generate DIR [--memories N] [--seed S] [--json]`: a sample workspace, deterministic for a seed. */
export async function workspaceCommand({ program, args, sink, env }: CommandContext): Promise<ExitCode> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    sink.out(generateUsage(program));
    return subcommand === undefined ? EXIT.usage : EXIT.ok;
  }
  if (subcommand !== 'generate') throw new UsageError(`Unknown workspace command: ${displayValue(subcommand)} (try: ${program} workspace generate DIR)`);
  const line = readCommandLine(rest, { options: { memories: 'value', seed: 'value', json: 'flag' }, positionals: 1 });
  if (line.help) {
    sink.out(generateUsage(program));
    return EXIT.ok;
  }
  const dir = line.positionals[0];
  if (dir === undefined || dir === '') throw new UsageError('workspace generate requires DIR');
  const rawMemories = line.values.get('memories') ?? '1000';
  const memories = parseUnsigned('memories', rawMemories);
  checkAtLeast('memories', memories, 1);
  checkAtMost('memories', rawMemories, memories, MAX_MEMORIES);
  const seed = parseSeed(line.values.get('seed'));
  const now = clockFromEnvironment(env)();
  const problem = generationTargetProblem(dir);
  if (problem !== undefined) throw new UsageError(`${problem} (give a new or empty folder)`);

  const started = performance.now();
  const report = generateSampleWorkspace(dir, {
    memories,
    seed,
    now,
    onProgress: sink.interactive ? (done, total) => { if (done % 10_000 === 0 || done === total) sink.err(`… ${done}/${total} memories`); } : undefined,
  });
  const seconds = (performance.now() - started) / 1000;
  if (line.flags.has('json')) {
    sink.out(orderedJson([['event', 'GENERATED'], ...Object.entries(report), ['seconds', Number(seconds.toFixed(3))]]));
  } else {
    sink.out(`generated ${displayValue(report.root)}: ${report.memories} memories in ${report.specFolders} spec folders, ${report.sessions} sessions, ` +
      `${report.ledgerEntries} ledger entries, vectors ${report.vectors}, telemetry ${report.telemetry.schemaEvents} events (${report.telemetry.emittedEvents} emitted) (${seconds.toFixed(1)} s)`);
    sink.out(`index database: ${displayValue(report.dbPath)}`);
    if (report.vectorNote) sink.out(`note: ${report.vectorNote}`);
  }
  return EXIT.ok;
}
