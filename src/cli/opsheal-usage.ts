import { failureClassIds } from '../catalog/failure-classes.js';

/** Help for `opsheal`: the runbook helper's verbs and the live ones (every verb main.ts knows). */
export function opshealUsage(program: string): string {
  return `Usage: ${program} <command> [options]

Keeps a spec-kit memory workspace healthy: finds index drift, ledger mismatch, session
misrouting and telemetry doc drift, repairs what can be repaired, verifies, and escalates
the rest to a named owner with one line of JSON.

Commands:
  list [--json]                  the failure classes, one per line
  show <class> [--json]          a class's trigger, owner, escalation path and drill command
  drill <class|all> [options]    rehearse a class's runbook, simulated (${program} drill --help)
  check <class|all> [options]    find drift in a workspace, read-only (${program} check --help)
  heal <class|all> [options]     run the runbook for real (${program} heal --help)
  inject <class|all> [options]   make real faults in a workspace (opsheal inject --help)
  workspace generate DIR         make a sample workspace (${program} workspace --help)
  demo [--dir DIR]               generate, break, check, heal and check a workspace
  help                           show this help
  version, --version             print opsheal's version

Classes: ${failureClassIds().join(', ')}

Exit codes: 0 recovered or healthy, 1 escalated, 2 usage error (nothing was changed).
Run '${program} <command> --help' for a command's options.`;
}
