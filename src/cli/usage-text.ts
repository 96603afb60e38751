import { failureClassIds } from '../catalog/failure-classes.js';

const DRILL_OPTION_LINES = `  --scenario <success|escalate>  drill profile (default: success); escalate makes every step
                                 fail every attempt, so the detect step exhausts its budget
  --max-attempts <n>             attempts per step, the first included, 1..1000 (default: 3)
  --backoff-seconds <n>          wait between attempts of a step, never after the last,
                                 0..3600 (default: 0)
  --detect-failures <n>          the detect step fails its first n attempts (default: 1)
  --repair-failures <n>          the repair step fails its first n attempts (default: 0)
  --verify-failures <n>          the verify step fails its first n attempts (default: 0)
  --json                         one JSON object per line for every event; payloads unchanged
  --opt=value                    works as well as --opt value
  -h, --help                     show this help`;

const ENVIRONMENT_LINES = `Environment:
  ESCALATION_FILE     also write the escalation payload line to this file (replaced whole)
  SOURCE_DATE_EPOCH   seconds since 1970: every timestamp is that instant (reproducible output)`;

const EXIT_LINES = `Exit codes: 0 recovered (or healthy), 1 escalated, 2 usage error (nothing was run).`;

/** Help for `heal-<class>`: the contract's healer options. */
export function healerUsage(program: string, classId: string): string {
  return `Usage: ${program} [options]

Rehearse the ${classId} runbook: detect, repair and verify, each with bounded retries, simulated
(the commands are named, never run). Prints one line per event and ends with a RECOVERY_COMPLETE
or ESCALATION JSON payload.

Options:
${DRILL_OPTION_LINES}

${ENVIRONMENT_LINES}

${EXIT_LINES}`;
}

/** Help for `drill`: the same options, for one class or all. */
export function drillUsage(program: string): string {
  return `Usage: ${program} drill <class|all> [options]

Rehearse a class's runbook (or all four in order, going on after one escalates), simulated: the
commands are named, never run. Classes: ${failureClassIds().join(', ')}.

Options:
${DRILL_OPTION_LINES}

${ENVIRONMENT_LINES}

${EXIT_LINES} With all, 1 when any class escalated.${
    // opsheal's drill also rehearses for real, on a copy of a workspace; the shell helper's does not.
    program === 'opsheal' ? `\n\nA real fire drill on a sandbox copy of a workspace: ${program} drill <class|all> --live (${program} drill --live --help).` : ''
  }`;
}

/** Help for `runbook`, the shell helper's grammar. */
export function runbookUsage(program: string): string {
  return `Usage: ${program} <command> [options]

Commands:
  list [--json]                  the failure classes, one per line
  show <class> [--json]          a class's trigger, owner, escalation path and drill command
  drill <class|all> [options]    rehearse a class's runbook (see: ${program} drill --help)
  help                           show this help

Classes: ${failureClassIds().join(', ')}

${EXIT_LINES}`;
}
