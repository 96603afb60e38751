import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { indexRows, ledgerRows, useWorkspaceTemplate, withDatabase } from '../live/live-workspace.js';

// Found by giving a row the largest id SQLite allows: read as the nearest JavaScript number
// (9223372036854776000), it named no row. Each heal reset the embedding of "that" row (changing
// nothing), appended a reindex entry linking a memory that does not exist, failed its verify and
// escalated; every heal added more such entries to the append-only ledger.
const template = useWorkspaceTemplate({ memories: 30, seed: 67 });

describe('a row whose id a JavaScript number cannot hold exactly', () => {
  it('is refused by check and heal, naming the id, and nothing is written', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec('UPDATE memory_index SET id = 9223372036854775807 WHERE id = 12'));
    const rows = indexRows(workspace.paths.db);
    const ledger = ledgerRows(workspace.paths.db);

    const check = runBin('opsheal', ['check', 'all', '--workspace', workspace.root]);
    expect(check.stderr).toContain('ERROR: memory_index has 1 row(s) with an id beyond ±9007199254740991 (the first: 9223372036854775807), which opsheal cannot address exactly');
    expect(check.status).toBe(1);

    const heal = runBin('opsheal', ['heal', 'all', '--workspace', workspace.root]);
    expect(heal.status).toBe(1);
    const escalations = linesOf(heal.stdout).filter((text) => text.startsWith('{"event":"ESCALATION"')).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(escalations.map((payload) => [payload['failure_class'], payload['reason'], payload['attempts']])).toEqual([
      ['index-drift', 'non-retryable-error', 1],
      ['session-ambiguity', 'non-retryable-error', 1],
      ['ledger-mismatch', 'non-retryable-error', 1],
    ]);
    expect(indexRows(workspace.paths.db)).toEqual(rows);
    expect(ledgerRows(workspace.paths.db)).toEqual(ledger);
  });
});
