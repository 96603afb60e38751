import { failureClassIds } from '../catalog/failure-classes.js';

const WORKSPACE_LOCATION_LINES = `  --workspace DIR        the memory workspace (default: the current folder)
  --db FILE              the index database (default: the config's db, else
                         .opencode/skill/system-spec-kit/mcp_server/database/context-index.sqlite)
  --config FILE          JSON or YAML config (default: the workspace's opsheal.config.json|yaml|yml)`;

const WORKSPACE_LINES = `${WORKSPACE_LOCATION_LINES}
  --sample-size N        session-ambiguity: rows sampled, most recently updated first (default: the
                         config's, else 500)`;

const CLASSES = `Classes: ${failureClassIds().join(', ')}, or all.`;

/** Help for `heal`. */
export function healUsage(program: string): string {
  return `Usage: ${program} heal <class|all> [options]

Runs a class's runbook for real on a workspace: detect, repair, verify, each with bounded retries.
A detect that finds nothing ends the class HEALTHY. Repairs run under the workspace lock, after an
online backup of the database (.opsheal/backups/), in one transaction, each index change recorded
in the mutation ledger; memory files are never written. What cannot be mended is escalated to the
class's owner with the items a person must decide. A step given a command in the config runs that
command (no shell) instead of the built-in action.
${CLASSES}

Options:
${WORKSPACE_LINES}
  --dry-run              print the repair plan and change nothing (exit 0 once a plan is made)
  --no-backup            skip the database backup before repairing
  --max-attempts N       attempts per step, 1..1000 (default: the config's policy, else 3)
  --backoff-seconds N    wait between attempts, 0..3600 (default: the config's policy, else 0)
  --json                 one JSON object per line for every event; payloads unchanged
  -h, --help             show this help

Environment: ESCALATION_FILE, SOURCE_DATE_EPOCH (as for drill).
Exit codes: 0 recovered or healthy, 1 escalated, 2 usage error (nothing was changed).`;
}

/** Help for `check`. */
export function checkUsage(program: string): string {
  return `Usage: ${program} check <class|all> [options]

Detection only, read-only: a summary per class and fault kind, and the first items of each.
${CLASSES}

Options:
${WORKSPACE_LINES}
  --limit N              items shown per kind (default: 5)
  --json                 one JSON object per class with the full findings
  -h, --help             show this help

Exit codes: 0 healthy, 1 drift found or the database cannot be used (corrupt, not a database),
2 usage error.`;
}

/** Help for `inject`, listing each class's fault kinds. */
export async function injectUsage(program: string): Promise<string> {
  const { loadLiveClass } = await import('../live/live-classes.js');
  const kinds: string[] = [];
  for (const id of failureClassIds()) {
    const liveClass = await loadLiveClass(id);
    if (liveClass) kinds.push(`  ${id.padEnd(20)} ${liveClass.faultKinds.join(', ')}`);
  }
  return `Usage: ${program} inject <class|all> [options]

Makes real faults in a workspace on purpose (deterministic for a seed), for tests, demos and
rehearsals, and prints what it did as one JSON object per class. It edits and deletes memory
files and index rows as the faults it imitates would: use it on a sample or a copy.

Fault kinds:
${kinds.join('\n')}

Options:
${WORKSPACE_LOCATION_LINES}
  --kind K               only this fault kind (default: every kind of the class)
  --count N              faults of each kind, 1..100000 (default: 1); faults never share a
                         memory, so a kind the workspace runs out for makes fewer, and says
                         so on stderr
  --seed S               0..4294967295 (default: 1)
  -h, --help             show this help`;
}

/** Help for `workspace generate`. */
export function generateUsage(program: string): string {
  return `Usage: ${program} workspace generate DIR [--memories N] [--seed S] [--json]

Creates DIR (it must not exist, or be empty) holding a realistic sample memory workspace: memory
files with front matter across nested spec folders, the index database in the memory server's
layout (memory_index with FTS, vec_memories when sqlite-vec loads, the mutation ledger with its
append-only triggers) and telemetry files. The same seed gives the same workspace.

Options:
  --memories N           memory files to write, 1..1000000 (default: 1000)
  --seed S               0..4294967295 (default: 1)
  --json                 what was generated as one JSON object (event GENERATED)
  -h, --help             show this help`;
}

/** Help for `demo`. */
export function demoUsage(program: string): string {
  return `Usage: ${program} demo [--dir DIR] [--memories N] [--seed S] [--keep] [--json]

Generates a sample workspace, injects faults of every kind of every class, shows check all,
heal all and check all again, and ends with a table: class, faults injected, found, repaired,
escalated, time. Recoveries and escalations (ambiguous sessions, undocumented emitted events)
both appear. Nothing outside the demo's own folder is touched.

Options:
  --dir DIR              where to generate (must not exist, or be empty; kept afterwards)
                         (default: a temporary folder, removed afterwards)
  --memories N           size of the sample, 100..1000000 (default: 2000)
  --seed S               0..4294967295 (default: 1)
  --keep                 keep the temporary folder
  --json                 the transcript's events and the summary as JSON lines
  -h, --help             show this help

Exit codes: 0 the demo ran (whatever it escalated), 2 usage error.`;
}

/** Help for `drill --live`. */
export function liveDrillUsage(program: string): string {
  return `Usage: ${program} drill <class|all> --live [--workspace DIR] [options]

A real fire drill that never touches the workspace: copies it into a sandbox (files, and the
database through SQLite's online backup), injects one fault of every kind of the class there
(the same faults for the same seed), heals and verifies the copy, prints the transcript and a
summary (faults injected, found, repaired, escalated, time), and removes the sandbox.
Without --live, drill is the contract's simulation (see '${program} drill --help').
${CLASSES}

Options:
${WORKSPACE_LINES}
  --seed S               which faults, 0..4294967295 (default: 1)
  --keep                 keep the sandbox and print where it is
  --max-attempts N       attempts per step, 1..1000 (default: 3)
  --backoff-seconds N    wait between attempts, 0..3600 (default: 0)
  --json                 events and the summary as JSON lines
  -h, --help             show this help

Exit codes: 0 every class recovered, 1 some class escalated, 2 usage error.`;
}
