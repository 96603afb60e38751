import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { ledgerRows, useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by replacing the ledger's guard triggers with look-alikes: a `prevent_ledger_update` that only
// selected counted as the guard, so check said healthy about a ledger anyone could rewrite; and a
// `prevent_ledger_delete` on memory_index made every heal report `triggers_recreated=1` (CREATE
// TRIGGER IF NOT EXISTS did nothing, the name being taken), fail its verify and escalate, for ever.
const template = useWorkspaceTemplate({ memories: 30, seed: 61 });

const payloadOf = (stdout: string): Record<string, unknown> =>
  JSON.parse(linesOf(stdout).find((text) => text.startsWith('{"event"')) as string) as Record<string, unknown>;

describe("the ledger's guard triggers", () => {
  it('a trigger of the right name that does not abort is found, and replaced by the guard', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) =>
      db.exec('DROP TRIGGER prevent_ledger_update; CREATE TRIGGER prevent_ledger_update AFTER UPDATE ON mutation_ledger BEGIN SELECT 1; END;'),
    );
    const check = runBin('opsheal', ['check', 'ledger-mismatch', '--workspace', workspace.root]);
    expect(check.stdout).toContain('unguarded-ledger      prevent_ledger_update (trigger prevent_ledger_update does not abort every UPDATE of mutation_ledger)');
    expect(check.status).toBe(1);
    const heal = runBin('opsheal', ['heal', 'ledger-mismatch', '--workspace', workspace.root]);
    expect(heal.stdout).toContain('triggers_recreated=1');
    expect(heal.status).toBe(0);
    expect(() => withDatabase(workspace.paths.db, (db) => db.exec("UPDATE mutation_ledger SET reason = 'rewritten' WHERE id = 1"))).toThrow(/append-only/);
  });

  it('a guard name taken on another table escalates at once, saying what to do, and nothing is claimed done', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) =>
      db.exec("DROP TRIGGER prevent_ledger_delete; CREATE TRIGGER prevent_ledger_delete BEFORE DELETE ON memory_index BEGIN SELECT RAISE(ABORT, 'x'); END;"),
    );
    const ledger = ledgerRows(workspace.paths.db);
    const plan = runBin('opsheal', ['heal', 'ledger-mismatch', '--workspace', workspace.root, '--dry-run']);
    expect(plan.stdout).toContain('PLAN | class=ledger-mismatch changes=0 needs_decision=1');
    const heal = runBin('opsheal', ['heal', 'ledger-mismatch', '--workspace', workspace.root]);
    expect(heal.stdout).not.toContain('triggers_recreated');
    expect(heal.status).toBe(1);
    expect(payloadOf(heal.stdout)).toMatchObject({
      event: 'ESCALATION',
      reason: 'non-retryable-error',
      attempts: 1,
      items: [{ kind: 'unguarded-ledger', subject: 'prevent_ledger_delete', detail: 'the name prevent_ledger_delete is taken by a trigger on memory_index' }],
    });
    expect(String(payloadOf(heal.stdout)['decision'])).toContain('rename or drop what holds the name');
    expect(ledgerRows(workspace.paths.db)).toEqual(ledger);
  });
});
