// Scenario 4, hostile command lines: fast-check generates argument lists (and environments) for
// every executable. Whatever it makes: no stack trace, exit 0, 1 or 2, every stdout line that
// starts with `{` is JSON, no raw control character reaches the terminal, a non-zero exit says
// why. The shell scripts' known failures come first as fixed cases. Commands that take a workspace
// get a throwaway copy or a path that does not exist; numbers that would make a run sleep or
// grow (backoff, huge attempt counts on live runs, sample sizes to generate) are bounded.
import fc from 'fast-check';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTABLES, copyWorkspace, firstLine, payloadsOf, pool, progressLog, runBin, stackTraceIn, unparsableJsonLines, verdict } from './lib.mjs';

const CLASSES = ['index-drift', 'session-ambiguity', 'ledger-mismatch', 'telemetry-drift'];
const TWENTY_DIGITS = '99999999999999999999';
const PER_PROCESS_TIMEOUT_MS = 20_000;

/** Control characters a terminal acts on (tab and newline are fine). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export async function cliScenario(settings) {
  const { trials, jobs, seed, scratch, log, profile } = settings;
  // A small workspace per worker: inject and heal may change it, and they are welcome to.
  const template = join(scratch, 'template');
  const made = await runBin('opsheal', ['workspace', 'generate', template, '--memories', String(profile.workspaceMemories)]);
  if (made.status !== 0) throw new Error(`workspace generate failed: ${made.stderr}`);
  const notAFile = join(scratch, 'a-file');
  writeFileSync(notAFile, 'not a folder\n');
  const garbageConfig = join(scratch, 'garbage.config.json');
  writeFileSync(garbageConfig, '{"policy": {"maxAttempts": "three"}, "thresholds": [1, 2]');

  const workers = Array.from({ length: Math.max(1, jobs) }, (_, index) => {
    const folder = join(scratch, `worker-${index}`);
    mkdirSync(folder, { recursive: true });
    const workspace = join(folder, 'workspace');
    copyWorkspace(template, workspace);
    return { folder, workspace };
  });
  const context = { scratch, notAFile, garbageConfig, workspace: workers[0].workspace };

  const cases = [...fixedCases(context), ...generatedCases(context, trials, seed)];
  const exits = new Map();
  let nextWorker = 0;
  const free = [...workers];
  const results = await pool(cases.map((testCase, index) => async () => {
    const worker = free.pop() ?? workers[nextWorker++ % workers.length];
    try {
      const result = await runCase(testCase, index, worker, context);
      const key = `${testCase.program === 'opsheal' || testCase.program === 'runbook' ? `${testCase.program} ${String(testCase.args[0]).slice(0, 12)}` : testCase.program} → ${result.status}`;
      exits.set(key, (exits.get(key) ?? 0) + 1);
      if (process.env.TORTURE_TRACE) appendFileSync(process.env.TORTURE_TRACE, `${result.status}\t${describe(testCase, worker)}\t${JSON.stringify(result.stderrHead ?? '')}\n`);
      if (result.failures.length > 0) log(`cli case ${index} (${testCase.label ?? 'generated'}): ${describe(testCase, worker)}: ${result.failures.join('; ')}`);
      return result;
    } finally {
      free.push(worker);
    }
  }), workers.length, progressLog('cli', log));
  const byStatus = new Map();
  for (const [key, n] of exits) byStatus.set(key.split(' → ')[1], (byStatus.get(key.split(' → ')[1]) ?? 0) + n);
  log(`cli: exit codes ${[...byStatus].sort().map(([code, n]) => `${code}: ${n}`).join(', ')}`);
  if (process.env.TORTURE_VERBOSE) for (const [key, n] of [...exits].sort()) log(`  ${key}: ${n}`);
  return results;
}

function describe(testCase, worker) {
  const shown = testCase.args.map((arg) => JSON.stringify(arg.split('@WORKSPACE@').join(worker.workspace))).join(' ');
  const env = Object.entries(testCase.env ?? {}).map(([key, value]) => `${key}=${JSON.stringify(value)} `).join('');
  return `${env}${testCase.program} ${shown}`;
}

async function runCase(testCase, index, worker, context) {
  const outcome = verdict();
  const args = testCase.args.map((arg) => arg.split('@WORKSPACE@').join(worker.workspace).split('@CASE@').join(String(index)));
  const env = {};
  for (const [key, value] of Object.entries(testCase.env ?? {})) env[key] = value.split('@CASE@').join(String(index));
  const run = await runBin(testCase.program, args, { cwd: worker.folder, env, timeoutMs: PER_PROCESS_TIMEOUT_MS });
  outcome.status = run.timedOut ? 'timeout' : String(run.status ?? run.signal);
  outcome.stderrHead = firstLine(run.stderr);
  if (run.timedOut) {
    outcome.fail(`still running after ${PER_PROCESS_TIMEOUT_MS / 1000} s`);
    return outcome;
  }
  if (run.status !== 0 && run.status !== 1 && run.status !== 2) outcome.fail(`exit ${run.status ?? run.signal}`);
  if (stackTraceIn(run.stderr)) outcome.fail(`stack trace on stderr: ${firstLine(run.stderr.split('\n').find((line) => /^\s+at |node:internal/.test(line)) ?? '')}`);
  const broken = unparsableJsonLines(run.stdout);
  if (broken.length > 0) outcome.fail(`stdout line is not JSON: ${JSON.stringify(broken[0].slice(0, 120))}`);
  const rawOut = run.stdout.split('\n').find((line) => RAW_CONTROL.test(line) && !(line.startsWith('{') && !/[\u0000-\u001f]/.test(line)));
  if (rawOut !== undefined) outcome.fail(`a raw control character on stdout: ${JSON.stringify(rawOut.slice(0, 120))}`);
  if (RAW_CONTROL.test(run.stderr)) outcome.fail(`a raw control character on stderr: ${JSON.stringify(firstLine(run.stderr.split('\n').find((line) => RAW_CONTROL.test(line)) ?? ''))}`);
  if (run.status !== 0 && run.stdout.trim() === '' && !/^ERROR: /m.test(run.stderr)) outcome.fail(`exit ${run.status} without a word on stdout or an ERROR line: ${firstLine(run.stderr)}`);
  if (run.status === 2 && run.stdout !== '' && /^ERROR: /m.test(run.stderr) && payloadsOf(run.stdout).length > 0) outcome.fail('a usage error after a run had started');

  // The escalation file, when one was asked for in a folder that can be made.
  const escalations = run.stdout.split('\n').filter((line) => line.startsWith('{"event":"ESCALATION"'));
  const file = env.ESCALATION_FILE;
  if (file !== undefined && file.includes('/missing-') && escalations.length > 0) {
    let written;
    try {
      written = readFileSync(file, 'utf8');
    } catch (error) {
      outcome.fail(`ESCALATION_FILE was not written: ${error.code ?? error}`);
    }
    if (written !== undefined && written !== `${escalations.at(-1)}\n`) outcome.fail('ESCALATION_FILE does not hold the last escalation payload');
  }
  if (file !== undefined && file.startsWith(context.notAFile) && escalations.length > 0 && !/^ERROR: could not write ESCALATION_FILE/m.test(run.stderr)) {
    outcome.fail('an ESCALATION_FILE that cannot be written was not reported');
  }
  for (const expectation of testCase.expect ?? []) {
    const problem = expectation(run);
    if (problem) outcome.fail(problem);
  }
  return outcome;
}

/** The cases the shell scripts failed, and a few more, always run. */
function fixedCases(context) {
  const status = (want) => (run) => (run.status === want ? undefined : `exit ${run.status}, expected ${want}: ${firstLine(run.stderr)}`);
  const stderrSays = (pattern) => (run) => (pattern.test(run.stderr) ? undefined : `stderr does not say ${pattern}: ${firstLine(run.stderr)}`);
  const attempts = (want) => (run) => {
    const payload = payloadsOf(run.stdout).at(-1);
    return payload?.attempts === want ? undefined : `payload attempts ${payload?.attempts}, expected ${want}`;
  };
  const quiet = (run) => (run.stdout === '' ? undefined : 'stdout not empty');
  const missingFolder = join(context.scratch, 'missing-@CASE@', 'deeper', 'escalation.json');
  return [
    { label: '--max-attempts 08', program: 'heal-index-drift', args: ['--max-attempts', '08'], expect: [status(0)] },
    { label: '--max-attempts 08, escalate', program: 'heal-telemetry-drift', args: ['--scenario', 'escalate', '--max-attempts', '08'], expect: [status(1), attempts(8)] },
    { label: '--max-attempts=08 on runbook', program: 'runbook', args: ['drill', 'all', '--max-attempts=08', '--scenario', 'escalate', '--json'], expect: [status(1)] },
    { label: '20-digit max-attempts', program: 'runbook', args: ['drill', 'all', '--max-attempts', TWENTY_DIGITS], expect: [status(2), stderrSays(/max_attempts must be at most 1000 \(got: 9{20}\)/), quiet] },
    { label: '20-digit backoff', program: 'heal-ledger-mismatch', args: ['--backoff-seconds', TWENTY_DIGITS], expect: [status(2), stderrSays(/backoff_seconds must be at most 3600/)] },
    { label: '20-digit detect failures', program: 'heal-session-ambiguity', args: ['--detect-failures', TWENTY_DIGITS], expect: [status(2)] },
    { label: '20-digit max-attempts, live', program: 'opsheal', args: ['heal', 'all', '--workspace', '@WORKSPACE@', '--max-attempts', TWENTY_DIGITS], expect: [status(2)] },
    { label: 'control characters in a class', program: 'runbook', args: ['show', 'index-drift\u001b[2J\u0007'], expect: [status(2), stderrSays(/\\x1b/)] },
    { label: 'control characters in a scenario', program: 'heal-index-drift', args: ['--scenario', 'esc\u0007\u001b]0;x\u0007'], expect: [status(2), stderrSays(/scenario must be success or escalate/)] },
    { label: 'control characters in a verb', program: 'opsheal', args: ['\u0001\u001b[31m'], expect: [status(2)] },
    { label: 'control characters in a workspace path', program: 'opsheal', args: ['check', 'all', '--workspace', `${context.scratch}/no\u001b]0;pwned\u0007`], expect: [status(2)] },
    { label: 'control characters in a folder to generate', program: 'opsheal', args: ['workspace', 'generate', `${context.scratch}/gen-@CASE@-\u001b[2J\u009b`, '--memories', '1'], expect: [status(0)] },
    { label: 'a folder that is not empty, to generate into', program: 'opsheal', args: ['workspace', 'generate', '@WORKSPACE@', '--memories', '1'], expect: [status(2), stderrSays(/the folder is not empty \(give a new or empty folder\)/), quiet] },
    { label: 'a folder that is not empty, for demo', program: 'opsheal', args: ['demo', '--dir', '@WORKSPACE@', '--memories', '100'], expect: [status(2), stderrSays(/the folder is not empty/), quiet] },
    { label: 'ESCALATION_FILE in a folder that does not exist', program: 'heal-session-ambiguity', args: ['--scenario', 'escalate'], env: { ESCALATION_FILE: missingFolder }, expect: [status(1)] },
    { label: 'ESCALATION_FILE under a file', program: 'heal-index-drift', args: ['--scenario', 'escalate'], env: { ESCALATION_FILE: join(context.notAFile, 'escalation.json') }, expect: [status(1)] },
    { label: 'ESCALATION_FILE in a missing folder, live', program: 'opsheal', args: ['heal', 'telemetry-drift', '--workspace', '@WORKSPACE@', '--max-attempts', '1'], env: { ESCALATION_FILE: missingFolder } },
    { label: 'a config with wrong types', program: 'opsheal', args: ['heal', 'all', '--workspace', '@WORKSPACE@', '--config', context.garbageConfig], expect: [status(2), stderrSays(/^ERROR: config /m)] },
    { label: 'invalid SOURCE_DATE_EPOCH', program: 'runbook', args: ['drill', 'index-drift'], env: { SOURCE_DATE_EPOCH: '-1' }, expect: [status(2)] },
  ];
}

/** Random argument lists, bounded so nothing sleeps long or grows large. */
function generatedCases(context, count, seed) {
  const options = optionValues(context);
  const word = fc.oneof(
    fc.constantFrom(...CLASSES, 'all', 'generate', 'help', 'list', 'show', 'drill', 'heal', 'check', '-', '--', '---', '-h', '--help', '-hx', '--help=x', '--=', '--json=1', '--live', '--bogus', ''),
    hostileString(),
  );
  const token = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...Object.keys(options)).chain((name) => options[name].map((value) => [`--${name}`, value])) },
    { weight: 2, arbitrary: fc.constantFrom(...Object.keys(options)).chain((name) => options[name].map((value) => [`--${name}=${value}`])) },
    { weight: 2, arbitrary: fc.constantFrom('--json', '--dry-run', '--no-backup', '--live', '--keep', '--help').map((flag) => [flag]) },
    { weight: 1, arbitrary: fc.constantFrom('--max-attempts', '--scenario', '--workspace').map((name) => [name]) },
    { weight: 3, arbitrary: word.map((value) => [value]) },
  );
  const verbs = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('list', 'show', 'drill', 'heal', 'check', 'inject', 'workspace', 'demo', 'help', '--help', '-h') },
    { weight: 1, arbitrary: word },
  );
  const escalationFile = fc.constantFrom(
    undefined,
    undefined,
    join(context.scratch, 'missing-@CASE@', 'a', 'b', 'escalation.json'),
    join(context.notAFile, 'escalation.json'),
    context.scratch,
    join(context.scratch, 'esc\u0001\u001b[2J-@CASE@.json'),
    '',
  );
  const epoch = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, '1771718400') },
    { weight: 1, arbitrary: fc.constantFrom('0', '', '-1', 'soon', TWENTY_DIGITS, '8640000000001') },
  );
  const command = fc.record({
    program: fc.constantFrom(...EXECUTABLES, 'opsheal', 'opsheal', 'runbook'),
    verb: verbs,
    tokens: fc.array(token, { maxLength: 7 }),
    escalationFile,
    epoch,
  });
  const structured = fc.record({
    command: wellFormedCommand(context),
    mutation: fc.option(fc.tuple(fc.constantFrom('insert', 'replace', 'truncate', 'repeat'), fc.nat(), word), { freq: 2 }),
    escalationFile,
    epoch: fc.constantFrom(undefined, undefined, undefined, '1771718400', '-1', ''),
  }).map(({ command: [program, args], mutation, escalationFile: file, epoch: sourceDateEpoch }) => ({ program, args: mutate(args, mutation), escalationFile: file, epoch: sourceDateEpoch }));
  const random = command.map(({ program, verb, tokens, escalationFile: file, epoch: sourceDateEpoch }) => ({
    program,
    args: [...(program.startsWith('heal-') ? [] : [verb]), ...tokens.flat()],
    escalationFile: file,
    epoch: sourceDateEpoch,
  }));
  const either = fc.oneof({ weight: 3, arbitrary: structured }, { weight: 2, arbitrary: random });
  return fc.sample(either, { seed, numRuns: count }).map(({ program, args: generated, escalationFile: file, epoch: sourceDateEpoch }) => {
    const args = bound(program, generated);
    const env = {};
    if (file !== undefined) env.ESCALATION_FILE = file;
    if (sourceDateEpoch !== undefined) env.SOURCE_DATE_EPOCH = sourceDateEpoch;
    return { program, args, env };
  });
}

/**
 * A command line each executable accepts (a verb, its positional, its own options with sensible
 * values), so that generated runs reach the live code and not only the argument checks; a mutation
 * may then spoil it in one place.
 */
function wellFormedCommand(context) {
  const classOrAll = fc.constantFrom(...CLASSES, 'all');
  const attempts = fc.constantFrom('1', '2', '3', '08');
  const failures = fc.constantFrom('0', '1', '2', '3');
  const drillOptions = {
    '--scenario': fc.constantFrom('success', 'escalate'),
    '--max-attempts': attempts,
    '--backoff-seconds': fc.constant('0'),
    '--detect-failures': failures,
    '--repair-failures': failures,
    '--verify-failures': failures,
    '--json': null,
  };
  const where = { '--workspace': fc.constantFrom('@WORKSPACE@', '@WORKSPACE@', '@WORKSPACE@', join(context.scratch, 'does-not-exist')) };
  const liveOptions = { ...where, '--max-attempts': attempts, '--backoff-seconds': fc.constant('0'), '--json': null, '--sample-size': fc.constantFrom('1', '50', '500') };
  const kinds = ['unindexed-file', 'deleted-file', 'edited-file', 'deleted-row', 'fts-out-of-step', 'orphaned-vector', 'misrouted-folder', 'wrong-session-id', 'ambiguous-session', 'unrecorded-update', 'unrecorded-deletion', 'dropped-ledger-trigger', 'doc-missing-event', 'doc-stale-event', 'field-type-mismatch', 'version-mismatch', 'unknown-event-in-samples'];
  const shapes = [
    ['runbook', ['drill'], classOrAll, drillOptions],
    ['opsheal', ['drill'], classOrAll, drillOptions],
    ['runbook', ['show'], fc.constantFrom(...CLASSES), { '--json': null }],
    ['opsheal', ['list'], null, { '--json': null }],
    ['opsheal', ['heal'], classOrAll, { ...liveOptions, '--dry-run': null, '--no-backup': null }],
    ['opsheal', ['check'], classOrAll, { ...where, '--json': null, '--limit': fc.constantFrom('0', '1', '5'), '--sample-size': fc.constantFrom('1', '500') }],
    ['opsheal', ['inject'], classOrAll, { ...where, '--kind': fc.constantFrom(...kinds), '--count': fc.constantFrom('1', '2'), '--seed': fc.constantFrom('1', '7', '4294967295') }],
    ['opsheal', ['drill'], classOrAll, { ...liveOptions, '--live': null, '--seed': fc.constantFrom('1', '2'), '--keep': null }],
    ['opsheal', ['demo'], null, { '--dir': fc.constant(join(context.scratch, 'demo-@CASE@')), '--memories': fc.constant('100'), '--seed': fc.constantFrom('1', '2'), '--json': null }],
    ['opsheal', ['workspace', 'generate'], fc.constantFrom('generated-@CASE@', join(context.scratch, 'generated-@CASE@')), { '--memories': fc.constantFrom('1', '20'), '--seed': fc.constantFrom('1', '3') }],
    ...CLASSES.map((name) => [`heal-${name}`, [], null, drillOptions]),
  ];
  return fc.constantFrom(...shapes).chain(([program, verb, positional, options]) =>
    fc
      .tuple(positional === null ? fc.constant([]) : positional.map((value) => [value]), fc.subarray(Object.keys(options)).chain((names) =>
        fc.tuple(...names.map((name) => (options[name] === null ? fc.constant([name]) : options[name].map((value) => [name, value])))),
      ))
      .map(([position, chosen]) => [program, [...verb, ...position, ...chosen.flat()]]),
  );
}

/** Spoils a well-formed command line in one place: a hostile word inserted, a value replaced, the end cut off, an option repeated. */
function mutate(args, mutation) {
  if (mutation === null || args.length === 0) return args;
  const [how, at, word] = mutation;
  const index = at % args.length;
  const copy = [...args];
  if (how === 'insert') copy.splice(index, 0, word);
  else if (how === 'replace') copy[index] = word;
  else if (how === 'truncate') copy.length = Math.max(1, index);
  else copy.push(...copy.slice(index, index + 2));
  return copy;
}

/** Keeps a generated command cheap and harmless: no long waits, no large samples, no huge live retries. */
function bound(program, args) {
  const live = program === 'opsheal' && (args[0] === 'heal' || args.includes('--live') || args[0] === 'demo');
  const out = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const fix = (value) => {
      if (name === '--max-attempts' && live && /^0*\d{3,}$/.test(value) && Number(value) <= 1000 && Number(value) > 8) return '3';
      if (name === '--backoff-seconds' && /^[0-9]+$/.test(value) && Number(value) > 0 && Number(value) <= 3600) return '0';
      if (name === '--memories' && /^[0-9]+$/.test(value) && Number(value) > 150 && Number(value) <= 1_000_000) return '100';
      return value;
    };
    if (inline !== undefined) {
      out.push(`${name}=${fix(inline)}`);
    } else if (['--max-attempts', '--backoff-seconds', '--memories'].includes(arg) && index + 1 < args.length) {
      out.push(arg, fix(args[++index]));
    } else {
      out.push(arg);
    }
  }
  // A demo or a generated workspace of the default size takes seconds: ask for the smallest.
  if (program === 'opsheal' && (out[0] === 'demo' || out[0] === 'workspace')) out.push('--memories', out[0] === 'demo' ? '100' : '20');
  return out;
}

/** The values each option is tried with: the interesting edges, never a real folder outside the scratch area. */
function optionValues(context) {
  const paths = fc.constantFrom('@WORKSPACE@', '@WORKSPACE@', join(context.scratch, 'does-not-exist'), context.notAFile, context.scratch, '', 'relative/missing', `${context.scratch}/ctl\u0001\u001b[2J`);
  const numbers = fc.constantFrom('0', '1', '2', '3', '08', '007', '', ' 3', '3 ', '-1', '+3', '1e3', '0x10', '3.5', '\u0663', TWENTY_DIGITS, '1000', '1001', '1000000', '1000001', '4294967295', '4294967296');
  return {
    scenario: fc.oneof(fc.constantFrom('success', 'escalate', 'SUCCESS', '', 'live'), hostileString()),
    'max-attempts': numbers,
    'backoff-seconds': fc.constantFrom('0', '00', '', '-1', TWENTY_DIGITS, '3601', 'x', '0.5', '1e1', ' 0'),
    'detect-failures': numbers,
    'repair-failures': numbers,
    'verify-failures': numbers,
    workspace: paths,
    db: paths,
    config: fc.constantFrom(context.garbageConfig, join(context.scratch, 'missing.yaml'), context.notAFile, context.scratch, ''),
    dir: fc.constantFrom(join(context.scratch, 'demo-does-not-exist'), context.notAFile, context.scratch, ''),
    'sample-size': numbers,
    limit: numbers,
    count: fc.constantFrom('0', '1', '2', '08', '', '-1', '100001', TWENTY_DIGITS, 'x'),
    seed: numbers,
    memories: fc.constantFrom('1', '5', '20', '100', '0', '', '-1', TWENTY_DIGITS, '1000001', 'x'),
    kind: fc.oneof(fc.constantFrom('unindexed-file', 'deleted-row', 'misrouted-folder', 'dropped-ledger-trigger', 'version-mismatch', 'bogus', ''), hostileString()),
  };
}

/** Strings with control characters, quotes, odd Unicode: never NUL (no argv can hold one), never a path out of the scratch area. */
function hostileString() {
  return fc
    .oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('\u001b[2J', 'a\nb', 'tab\there', '\u202eevil', '"quoted"', "it's", '$(id)', '`id`', '%s%n', '\u00ff\u00fe', '😀', 'x'.repeat(5000)),
    )
    .map((value) => value.replace(/\u0000/g, ''))
    .map((value) => (value.startsWith('/') || value.includes('..') || value.startsWith('~') ? `x${value.replace(/\.\./g, '_')}` : value));
}
