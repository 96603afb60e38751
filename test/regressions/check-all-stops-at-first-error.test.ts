import { describe, expect, it } from 'vitest';
import { useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';
import { runBin } from '../support/run-bin.js';

// Found by checking a database without its ledger: `check all` stopped at the first class that could not be checked (a database
// without its ledger), so telemetry-drift, which needs no database at all, was never reported.
const template = useWorkspaceTemplate({ memories: 20, seed: 47 });

describe('check all with one class that cannot be checked', () => {
  it('reports that class in its place, checks the others, and exits 1', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec('DROP TABLE mutation_ledger'));
    const check = runBin('opsheal', ['check', 'all', '--workspace', workspace.root]);
    expect(check.stdout.split('\n').map((text) => text.split(':')[0]).filter((name) => /^[a-z-]+$/.test(name ?? ''))).toEqual([
      'index-drift',
      'session-ambiguity',
      'ledger-mismatch',
      'telemetry-drift',
    ]);
    expect(check.stdout).toContain('ledger-mismatch: not checked: the index database has no table mutation_ledger');
    expect(check.stdout).toContain('telemetry-drift: healthy');
    expect(check.stderr).toBe('ERROR: ledger-mismatch: the index database has no table mutation_ledger\n');
    expect(check.status).toBe(1);
    const json = runBin('opsheal', ['check', 'all', '--workspace', workspace.root, '--json']);
    const reports = json.stdout.trim().split('\n').map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(reports.map((report) => report['class'])).toEqual(['index-drift', 'session-ambiguity', 'ledger-mismatch', 'telemetry-drift']);
    expect(reports[2]).toEqual({ class: 'ledger-mismatch', checked: false, reason: 'the index database has no table mutation_ledger' });
  });
});
