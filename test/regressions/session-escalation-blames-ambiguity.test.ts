import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by failing session-ambiguity's verify on speed alone (a look-up budget too tight): the
// escalation's decision said "these sessions appear in more than one spec folder, which keeps the
// misroute rate above policy", with a rate of 0 and no sessions listed. And a row whose folder and
// session were both wrong was reported for its folder alone, though the repair set both.
const template = useWorkspaceTemplate({ memories: 60, seed: 79 });

describe("session-ambiguity's escalation and findings", () => {
  it('name the look-up budget when speed alone failed the verify', () => {
    const workspace = template.copy();
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ thresholds: { lookupP95Ms: 0.000001 } }));
    withDatabase(workspace.paths.db, (db) => db.exec("UPDATE memory_index SET session_id = 'ses_wrong' WHERE id = 5"));
    const heal = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root]);
    expect(heal.status).toBe(1);
    const payload = JSON.parse(linesOf(heal.stdout).at(-1) as string) as Record<string, unknown>;
    expect(payload['misroute_rate']).toBe(0);
    expect(String(payload['decision'])).toContain('session look-ups are slower than thresholds.lookupP95Ms');
    expect(String(payload['decision'])).not.toContain('more than one spec folder');
  });

  it('say both when a row has the wrong folder and the wrong session', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec("UPDATE memory_index SET spec_folder = 'elsewhere', session_id = 'ses_wrong' WHERE id = 3"));
    const check = runBin('opsheal', ['check', 'session-ambiguity', '--workspace', workspace.root, '--json']);
    const [finding] = (JSON.parse(check.stdout) as { findings: Array<{ kind: string; detail: string }> }).findings;
    expect(finding?.kind).toBe('misrouted-folder');
    expect(finding?.detail).toMatch(/^row says elsewhere, file is in \S+; session: row says ses_wrong, file says \S+$/);
  });
});
