import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { indexRows, ledgerRows, useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by healing a database whose memory_index had a column the server fills and opsheal does not
// (NOT NULL, no default): the repair's insert was refused, rolled back as it should be, and the
// escalation said only SQLite's error, with no `decision`, though a live escalation is documented to
// say what a person must decide.
const template = useWorkspaceTemplate({ memories: 30, seed: 71 });

describe('an escalation for an error', () => {
  it("says what a person must decide, beside SQLite's error, and nothing of the attempt is kept", () => {
    const workspace = template.copy();
    // The server's rule, as a trigger that refuses the rows opsheal writes (SQLite gives a constraint
    // error either way; a NOT NULL column without a default would need the table rebuilt to add).
    withDatabase(workspace.paths.db, (db) =>
      db.exec(`CREATE TRIGGER refuse_new_rows BEFORE INSERT ON memory_index BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: memory_index.tenant_id'); END;`),
    );
    runBin('opsheal', ['inject', 'index-drift', '--workspace', workspace.root, '--kind', 'unindexed-file']);
    const rows = indexRows(workspace.paths.db);
    const ledger = ledgerRows(workspace.paths.db);

    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.status).toBe(1);
    const payload = JSON.parse(linesOf(heal.stdout).at(-1) as string) as Record<string, unknown>;
    expect(payload).toMatchObject({ event: 'ESCALATION', step: 'rebuild-index', reason: 'non-retryable-error' });
    expect(String(payload['error'])).toContain('NOT NULL constraint failed: memory_index.tenant_id');
    expect(String(payload['decision'])).toContain("the index database refused the repair's write");
    expect(indexRows(workspace.paths.db)).toEqual(rows);
    expect(ledgerRows(workspace.paths.db)).toEqual(ledger);
  });
});
