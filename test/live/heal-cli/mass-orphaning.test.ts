import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../../support/run-bin.js';
import { indexRows, ledgerRows, useWorkspaceTemplate, withDatabase, type LiveWorkspace } from '../live-workspace.js';

// A specs folder that is there but empty (unmounted, moved, the wrong one configured) orphans every
// row at once. The heal used to delete them all, vectors with them, on that guess.
const template = useWorkspaceTemplate({ memories: 120, seed: 23 });

/** The workspace with its memory files moved out of the specs folder, which is left empty. */
function emptiedSpecs(): LiveWorkspace {
  const workspace = template.copy();
  renameSync(join(workspace.root, 'specs'), join(workspace.root, 'specs-elsewhere'));
  mkdirSync(join(workspace.root, 'specs'));
  return workspace;
}

const payload = (stdout: string): Record<string, unknown> =>
  JSON.parse(linesOf(stdout).find((line) => line.startsWith('{"event"')) as string) as Record<string, unknown>;

describe('a heal that would delete most of the index', () => {
  it('deletes none of it and escalates at once, saying what a person must decide', () => {
    const workspace = emptiedSpecs();
    const rows = indexRows(workspace.paths.db);
    const ledger = ledgerRows(workspace.paths.db);

    const check = runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('note: more rows are orphaned than thresholds.maxOrphanedShare (0.5) lets one heal delete: a heal will leave them and escalate');

    const plan = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--dry-run']);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain(`PLAN | class=index-drift changes=0 needs_decision=${rows.length} orphaned=${rows.length}`);
    expect(plan.stdout).not.toContain('action=delete-row');

    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.status).toBe(1);
    expect(heal.stdout).toContain(`step=rebuild-index outcome=success orphans_withheld=${rows.length}`);
    const escalation = payload(heal.stdout);
    expect(escalation).toMatchObject({
      event: 'ESCALATION',
      step: 'verify-parity',
      attempts: 1,
      reason: 'non-retryable-error',
      items_total: rows.length,
    });
    expect(escalation['decision']).toContain(`${rows.length} of the workspace's ${rows.length} memory rows name files that are gone`);
    expect(escalation['decision']).toContain('thresholds.maxOrphanedShare');
    expect(indexRows(workspace.paths.db)).toEqual(rows);
    expect(ledgerRows(workspace.paths.db)).toEqual(ledger);
  });

  it('deletes them, each recorded in the ledger, when the config says the share may be 1', () => {
    const workspace = emptiedSpecs();
    const rows = indexRows(workspace.paths.db);
    const ledger = ledgerRows(workspace.paths.db);
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ thresholds: { maxOrphanedShare: 1 } }));
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.status).toBe(0);
    expect(indexRows(workspace.paths.db)).toEqual([]);
    const appended = ledgerRows(workspace.paths.db).slice(ledger.length);
    expect(appended.map((row) => row['mutation_type'])).toEqual(rows.map(() => 'delete'));
  });

  it("takes the share of the workspace's memory rows, not of rows another checkout shares the database with", () => {
    const workspace = emptiedSpecs();
    // A database one server shares between checkouts: 200 rows of another, none of them this
    // workspace's business. Counted in, they used to raise the allowance past this workspace's 120.
    withDatabase(workspace.paths.db, (db) => {
      const insert = db.prepare(`INSERT INTO memory_index (spec_folder, file_path, content_hash, created_at, updated_at) VALUES ('x', ?, 'h', 'c', 'u')`);
      for (let n = 0; n < 200; n++) insert.run(`/other/checkout/specs/x/memory/m${n}.md`);
    });
    const rows = indexRows(workspace.paths.db);
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.status).toBe(1);
    expect(heal.stdout).toContain('orphans_withheld=120');
    expect(payload(heal.stdout)['decision']).toContain("120 of the workspace's 120 memory rows name files that are gone");
    expect(indexRows(workspace.paths.db)).toEqual(rows);
  });

  it('still deletes orphaned rows within the share, as any heal does', () => {
    const workspace = template.copy();
    const inject = runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'deleted-file', '--count', '12']);
    expect(inject.status).toBe(0);
    expect(runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]).stdout).not.toContain('maxOrphanedShare');
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.status).toBe(0);
    expect(heal.stdout).toContain('deleted=12');
    expect(heal.stdout).not.toContain('orphans_withheld');
  });
});
