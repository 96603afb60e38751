import Database from 'better-sqlite3';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexDriftClass } from '../../src/live/index-drift/index-drift-class.js';
import { healClass, useWorkspaceTemplate, type LiveWorkspace } from '../live/live-workspace.js';

// Found by `npm run torture` (hostile workspaces, "no specs folder" and "specs is a file"): with the
// specs folder gone (an unmounted volume, a wrong --workspace with --db) the scan found no files,
// every row looked orphaned, and `heal` deleted the whole index, one ledger `delete` per row.
const template = useWorkspaceTemplate({ memories: 40, seed: 12 });

function counts(workspace: LiveWorkspace): { rows: number; ledger: number } {
  const db = new Database(workspace.paths.db, { readonly: true });
  try {
    const rows = (db.prepare('SELECT count(*) AS n FROM memory_index').get() as { n: number }).n;
    const ledger = (db.prepare('SELECT count(*) AS n FROM mutation_ledger').get() as { n: number }).n;
    return { rows, ledger };
  } finally {
    db.close();
  }
}

describe('missing specs folder empties the index', () => {
  for (const [label, breakSpecs] of [
    ['missing', (root: string) => rmSync(join(root, 'specs'), { recursive: true })],
    ['a file', (root: string) => {
      rmSync(join(root, 'specs'), { recursive: true });
      writeFileSync(join(root, 'specs'), 'not a folder\n');
    }],
  ] as const) {
    it(`reports the specs folder (${label}) as unreadable and leaves every row alone`, async () => {
      const workspace = template.copy();
      const before = counts(workspace);
      breakSpecs(workspace.root);

      const report = await indexDriftClass.check(workspace.context());
      expect(report.findings).toEqual([{ kind: 'unreadable-file', path: 'specs', detail: label === 'missing' ? 'vanished' : 'not-a-file' }]);
      const run = await healClass(indexDriftClass, workspace.context());

      expect(run.outcome).toBe('escalated');
      expect(counts(workspace)).toEqual(before);
      // At once, saying what it is: a retry finds the folder no more than the first attempt did,
      // and "an unreadable file must be fixed or removed by hand" is no advice about a folder.
      const payload = JSON.parse(run.payload) as Record<string, unknown>;
      expect(payload).toMatchObject({ reason: 'non-retryable-error', attempts: 1 });
      expect(payload['decision']).toContain('is missing or is not a folder');
      expect(payload['decision']).toContain('set specsRoot in the config');
    });
  }
});
