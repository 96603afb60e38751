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

// Found the same day: a reroute that the unique key (spec_folder, file_path, anchor_id) refuses was
// planned by --dry-run as a change, skipped by the heal with no word of why, and, with the threshold
// at 0, escalated as "sessions in more than one spec folder" with no items.
describe('a reroute the unique key refuses', () => {
  it('is a DECIDE line in the plan naming the row that holds the key, and the escalation lists the row', () => {
    const workspace = template.copy();
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ thresholds: { misrouteRate: 0 } }));
    withDatabase(workspace.paths.db, (db) => {
      db.exec(`INSERT INTO memory_index (spec_folder, file_path, anchor_id, title, session_id, content_hash, created_at, updated_at)
        SELECT spec_folder, file_path, 'sec1', title, session_id, 'h', '2030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z' FROM memory_index WHERE id = 1`);
      db.exec(`INSERT INTO memory_index (spec_folder, file_path, anchor_id, title, session_id, content_hash, created_at, updated_at)
        SELECT 'elsewhere', file_path, 'sec1', title, session_id, 'h', '2030-01-01T00:00:01.000Z', '2030-01-01T00:00:01.000Z' FROM memory_index WHERE id = 1`);
    });
    const plan = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root, '--dry-run']);
    expect(plan.stdout).toContain('needs_decision=1');
    expect(plan.stdout).not.toContain('action=reroute-row');
    expect(plan.stdout).toMatch(/DECIDE \| class=session-ambiguity action=misrouted-folder id=\d+ .*row #\d+ already holds that folder, path and anchor/);
    const heal = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root]);
    expect(heal.status).toBe(1);
    const payload = JSON.parse(linesOf(heal.stdout).at(-1) as string) as { decision: string; items: Array<{ kind: string }>; items_total: number };
    expect(payload.decision).toContain('a reroute a unique key refused');
    expect(payload.items_total).toBe(1);
    expect(payload.items[0]?.kind).toBe('misrouted-folder');
  });
});
