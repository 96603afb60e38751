import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';
import { useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by trying a database whose FTS triggers were gone: check saw nothing amiss, and a heal's
// repair wrote its rows without FTS following them, so its own verify failed three times on what the
// repair had done and the heal escalated; only a second heal, finding FTS out of step, rebuilt it.
const template = useWorkspaceTemplate({ memories: 60, seed: 59 });

describe('a database whose triggers no longer keep FTS in step', () => {
  it('check says so in a note, and one heal converges: a repair that changes rows rebuilds FTS', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec('DROP TRIGGER memory_fts_insert; DROP TRIGGER memory_fts_delete; DROP TRIGGER memory_fts_update;'));
    const check = runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]);
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('note: no trigger carries INSERT, UPDATE, DELETE of memory_index over to memory_fts: every such write leaves FTS out of step (a repair that changes rows rebuilds it)');

    for (const kind of ['unindexed-file', 'deleted-file', 'edited-file']) {
      expect(runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', kind]).status).toBe(0);
    }
    const plan = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--dry-run']);
    expect(plan.stdout).toContain('action=rebuild-fts');
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.stdout).toContain('fts_rebuilt=1');
    expect(heal.stdout).not.toContain('WARN');
    expect(heal.status).toBe(0);
    expect(runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]).stdout).toContain('index-drift: healthy');
  });
});
