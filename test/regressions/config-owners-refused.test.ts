import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { useWorkspaceTemplate } from '../live/live-workspace.js';

// Found by writing the config WORKSPACE.md describes ("paths, thresholds, owners, and per-step
// commands"): `owners` was refused as an unknown field, so an escalation could only ever name the
// catalog's role, never the person or team a workspace's operators page.
const template = useWorkspaceTemplate({ memories: 40, seed: 53 });

describe('owners in the config', () => {
  it("name the owner in a live heal's payloads, class by class; the others keep the catalog's", () => {
    const workspace = template.copy();
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ owners: { 'index-drift': 'Platform on-call', 'session-ambiguity': 'Search team' } }));
    runBin('opsheal', ['inject', 'session-ambiguity', '--workspace', workspace.root, '--kind', 'ambiguous-session']);
    const heal = runBin('opsheal', ['heal', 'all', '--workspace', workspace.root]);
    const payloads = linesOf(heal.stdout).filter((text) => text.startsWith('{"event"')).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(payloads.map((payload) => [payload['failure_class'], payload['event'], payload['owner']])).toEqual([
      ['index-drift', 'HEALTHY', 'Platform on-call'],
      ['session-ambiguity', 'ESCALATION', 'Search team'],
      ['ledger-mismatch', 'HEALTHY', 'Engineering Lead'],
      ['telemetry-drift', 'HEALTHY', 'Operations Lead'],
    ]);
  });

  it('leave the drills, which keep the contract, alone', () => {
    const drill = runBin('opsheal', ['drill', 'index-drift']);
    expect(drill.stdout).toContain('"owner":"Engineering Lead"');
  });
});
