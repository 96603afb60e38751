import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexDriftClass } from '../../src/live/index-drift/index-drift-class.js';
import { ledgerMismatchClass } from '../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { attemptTrail, fileHash, healClass, useWorkspaceTemplate, type LiveWorkspace } from '../live/live-workspace.js';
import { runBin } from '../support/run-bin.js';

// Found by `npm run torture` (hostile workspaces, "a database with a corrupt page"): a page that no
// query of detect reads (here the ledger's timestamp index) was scribbled over. PRAGMA
// integrity_check failed, yet `check` said healthy, `heal` ended HEALTHY, and a repair would have
// written into the damaged file and backed it up as sound.
const template = useWorkspaceTemplate({ memories: 60, seed: 11 });

/** Overwrites the root page of idx_ledger_timestamp (a page index-drift never reads) with garbage. */
function corruptLedgerIndexPage(workspace: LiveWorkspace): void {
  const db = new Database(workspace.paths.db);
  const { rootpage } = db.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'idx_ledger_timestamp'`).get() as { rootpage: number };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const descriptor = openSync(workspace.paths.db, 'r+');
  writeSync(descriptor, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (rootpage - 1) * pageSize);
  closeSync(descriptor);
}

describe('corrupt database reported healthy', () => {
  it('check and detect refuse a database whose quick_check fails, non-retryably, naming the corruption', async () => {
    const workspace = template.copy();
    corruptLedgerIndexPage(workspace);
    await expect(indexDriftClass.check(workspace.context())).rejects.toMatchObject({ code: 'SQLITE_CORRUPT', retryable: false, message: expect.stringMatching(/database is corrupt \(PRAGMA quick_check: /) });
    const run = await healClass(indexDriftClass, workspace.context());
    expect(run.outcome).toBe('escalated');
    expect(attemptTrail(run)).toEqual(['detect-divergence:non-retryable-failure']);
  });

  it('a repair never writes into (or backs up) a database whose quick_check fails', async () => {
    const workspace = template.copy({ backup: true });
    const db = new Database(workspace.paths.db);
    db.exec('DROP TRIGGER prevent_ledger_update');
    db.close();
    corruptLedgerIndexPage(workspace);
    const before = fileHash(workspace.paths.db);

    const run = await healClass(ledgerMismatchClass, workspace.context());

    expect(attemptTrail(run)).toEqual(['detect-ledger-divergence:success', 'replay-ledger:non-retryable-failure']);
    expect(fileHash(workspace.paths.db)).toBe(before);
    expect(existsSync(workspace.paths.backupsDir)).toBe(false);
  });

  it('check all refuses it too, with or without the helper thread that runs quick_check ahead', () => {
    const workspace = template.copy();
    corruptLedgerIndexPage(workspace);
    const runs = ['0', '2'].map((threads) => runBin('opsheal', ['check', 'all', '--workspace', workspace.root], { OPSHEAL_THREADS: threads }));
    for (const run of runs) {
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/database is corrupt \(PRAGMA quick_check: /);
    }
    expect(runs[1]?.stderr).toBe(runs[0]?.stderr);
  });
});

describe('a corrupt database whose drift a heal has found', () => {
  it("is refused by the repair, before it commits, when detect left SQLite's check to it (helper threads, WAL)", async () => {
    const workspace = template.copy({ backup: true });
    await indexDriftClass.inject(workspace.context(), { kind: 'deleted-row', count: 2, seed: 1 });
    corruptLedgerIndexPage(workspace);
    const before = fileHash(workspace.paths.db);

    const run = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--max-attempts', '1'], { OPSHEAL_THREADS: '2' });

    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines.find((line) => line.includes('step=detect-divergence') && line.includes('outcome=success'))).toBeDefined();
    const escalation = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    expect(escalation).toMatchObject({ event: 'ESCALATION', step: 'rebuild-index', reason: 'non-retryable-error' });
    expect(run.stdout).toMatch(/database is corrupt \(PRAGMA quick_check: /);
    expect(fileHash(workspace.paths.db)).toBe(before);
    // No backup, and not even the folder one would have gone in.
    expect(existsSync(workspace.paths.backupsDir)).toBe(false);
  });
});
