import type { ConsoleSink } from './console-sink.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { drillCommand, healerCommand, listCommand, showCommand, type CommandContext } from './runbook-commands.js';
import { opshealUsage } from './opsheal-usage.js';
import { runbookUsage } from './usage-text.js';
import { UsageError } from '../core/usage-error.js';
import { displayValue } from './display-value.js';

type Handler = (context: CommandContext) => ExitCode | Promise<ExitCode>;

/** The runbook helper's verbs, shared by `runbook` and `opsheal`. */
const RUNBOOK_VERBS: Readonly<Record<string, Handler>> = {
  list: listCommand,
  show: showCommand,
  drill: drillCommand,
};

/**
 * The verbs only `opsheal` has. Each is imported when called, so the drill path never loads SQLite,
 * YAML or the schema validator.
 */
const OPSHEAL_VERBS: Readonly<Record<string, Handler>> = {
  heal: async (context) => (await import('./heal-command.js')).healCommand(context),
  check: async (context) => (await import('./check-command.js')).checkCommand(context),
  inject: async (context) => (await import('./inject-command.js')).injectCommand(context),
  demo: async (context) => (await import('./demo-command.js')).demoCommand(context),
  workspace: async (context) => (await import('./workspace-command.js')).workspaceCommand(context),
};

const HEALER_PREFIX = 'heal-';

/**
 * Runs one executable: `opsheal`, `runbook` or `heal-<class>`, with its arguments. Returns the exit
 * code; usage errors become `ERROR: ...` on stderr and exit 2.
 */
export async function main(program: string, args: readonly string[], sink: ConsoleSink, env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const usage = program === 'opsheal' ? opshealUsage : runbookUsage;
  try {
    if (program.startsWith(HEALER_PREFIX)) {
      return await healerCommand({ program, args, sink, env }, program.slice(HEALER_PREFIX.length));
    }
    const [verb, ...rest] = args;
    if (verb === undefined) {
      sink.out(usage(program));
      return EXIT.usage;
    }
    if (verb === 'help' || verb === '--help' || verb === '-h') {
      sink.out(usage(program));
      return EXIT.ok;
    }
    // opsheal only: the runbook helper keeps the shell script's grammar, where it is an unknown command.
    if (program === 'opsheal' && (verb === '--version' || verb === 'version')) {
      if (rest[0] !== undefined) throw new UsageError(`Unknown option: ${displayValue(rest[0])}`);
      sink.out(`opsheal ${(await import('./opsheal-version.js')).opshealVersion()}`);
      return EXIT.ok;
    }
    const handler = Object.hasOwn(RUNBOOK_VERBS, verb)
      ? RUNBOOK_VERBS[verb]
      : program === 'opsheal' && Object.hasOwn(OPSHEAL_VERBS, verb)
        ? OPSHEAL_VERBS[verb]
        : undefined;
    if (handler === undefined) throw new UsageError(`Unknown command: ${displayValue(verb)}`, true);
    return await handler({ program, args: rest, sink, env });
  } catch (error) {
    if (error instanceof UsageError) {
      // Messages carry paths and values from the command line and the file system: shown with
      // control characters as \xNN wherever a message was made, so none can rewrite the terminal.
      sink.err(`ERROR: ${displayValue(error.message)}`);
      if (error.showUsage) sink.out(usage(program));
      return EXIT.usage;
    }
    // Not a usage mistake: something failed that the command did not expect. Say what, without a
    // stack trace unless asked for, and exit 1 so automation treats it as needing a person.
    const message = error instanceof Error ? error.message : String(error);
    sink.err(`ERROR: ${displayValue(message)}`);
    if (env.OPSHEAL_DEBUG && error instanceof Error && error.stack) sink.err(error.stack);
    return EXIT.escalatedOrDrift;
  }
}

/**
 * The entry point the `bin/` scripts call: real streams, real environment, exit code set for Node to use.
 *
 * No SIGINT or SIGTERM listener here: the signal's default action ends the process at once (a shell
 * reports 130 and 143), even inside the long synchronous stretches of a heal, a check or `workspace
 * generate`, where a listener would not run before they end. That is as safe as any kill: an open
 * repair transaction is rolled back by SQLite, which the torture harness's kills check. Only while a
 * configured step command runs is there a listener (command-step-action.ts), to take its process
 * group down too. (A listener here used to hold a Ctrl-C back until the whole heal had finished.)
 */
export async function run(program: string): Promise<void> {
  // A reader that stops early (`opsheal heal all | head -1`) closes the pipe: that is not an error of
  // ours. The run goes on without stdout and exits with its own code. (Exiting at the closed pipe
  // stopped a heal at its next wait, before its repairs, and with no exit code set yet exited 0.)
  let stdoutGone = false;
  // Any other failure to write (a full disk, an I/O error) loses output nobody chose to drop: said
  // once on stderr, the run goes on, and it cannot end with exit 0 (used to: a stack trace, exit 1).
  let stdoutFailed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (!stdoutGone && error.code !== 'EPIPE') {
      stdoutFailed = true;
      process.stderr.write(`ERROR: cannot write to stdout: ${displayValue(error.message)}; the output from here on is lost\n`);
      // The error may arrive after the command has set its code (the write was queued).
      if (process.exitCode === EXIT.ok) process.exitCode = EXIT.escalatedOrDrift;
    }
    stdoutGone = true;
  });
  const sink: ConsoleSink = {
    out: (line) => {
      if (!stdoutGone && !process.stdout.destroyed) process.stdout.write(`${line}\n`);
    },
    err: (line) => void process.stderr.write(`${line}\n`),
    // Read on demand: asking stderr whether it is a terminal creates the stream, which a drill never needs.
    get interactive() {
      return Boolean(process.stderr.isTTY);
    },
  };
  const code = await main(program, process.argv.slice(2), sink, process.env);
  process.exitCode = stdoutFailed && code === EXIT.ok ? EXIT.escalatedOrDrift : code;
}
