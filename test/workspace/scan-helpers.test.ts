// The helper threads of a large scan (src/workspace/memory-file-pool.ts) run only from the built
// bundle, where their script exists: these tests run the CLI, where OPSHEAL_THREADS=2 has every
// kind of helper job (reading files, stat'ing them again, SQLite's checks) run on two helpers
// whatever its size, and compare what it says with what it says without them (OPSHEAL_THREADS=0).
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';

/** Enough files that every helper gets batches of each job (256 files a batch). */
const MEMORIES = 3_000;

describe('scans on helper threads', () => {
  let scratch = '';
  let broken = '';

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'opsheal-scan-helpers-'));
    broken = join(scratch, 'broken');
    expect(runBin('opsheal', ['workspace', 'generate', broken, '--memories', String(MEMORIES)]).status).toBe(0);
    expect(runBin('opsheal', ['inject', 'index-drift', '--workspace', broken, '--count', '7']).status).toBe(0);
    expect(runBin('opsheal', ['inject', 'ledger-mismatch', '--workspace', broken, '--count', '5', '--seed', '2']).status).toBe(0);
  }, 120_000);

  afterAll(() => {
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  it('check reports the same findings with and without helpers', () => {
    const without = runBin('opsheal', ['check', 'all', '--workspace', broken, '--json'], { OPSHEAL_THREADS: '0' });
    const withHelpers = runBin('opsheal', ['check', 'all', '--workspace', broken, '--json'], { OPSHEAL_THREADS: '2' });
    expect(without.status).toBe(1);
    expect(withHelpers.status).toBe(1);
    expect(withHelpers.stderr).toBe(without.stderr);
    expect(withHelpers.stdout).toBe(without.stdout);
    expect(withHelpers.stdout).toMatch(/"missing":14/);
  });

  it('heal with helpers recovers, prints what heal without them prints, and leaves the workspace clean', () => {
    const copies = ['without', 'with'].map((name) => {
      const copy = join(scratch, name);
      cpSync(broken, copy, { recursive: true });
      return copy;
    });
    const [withoutCopy = '', withCopy = ''] = copies;
    const without = runBin('opsheal', ['heal', 'all', '--workspace', withoutCopy, '--json'], { OPSHEAL_THREADS: '0' });
    const withHelpers = runBin('opsheal', ['heal', 'all', '--workspace', withCopy, '--json'], { OPSHEAL_THREADS: '2' });
    expect(without.status).toBe(0);
    expect(withHelpers.status).toBe(0);
    // The workspace path is part of each command= field; everything else is the same.
    expect(withHelpers.stdout.replaceAll(withCopy, 'WORKSPACE')).toBe(without.stdout.replaceAll(withoutCopy, 'WORKSPACE'));
    const after = runBin('opsheal', ['check', 'all', '--workspace', withCopy], { OPSHEAL_THREADS: '2' });
    expect(after.status).toBe(0);
    // The repair's checkpoint, left to a helper (background-checks.ts), and the last close leave
    // nothing beside the database: no write-ahead log or shared-memory file. (Before this test's own
    // connections below, which leave them.)
    const databaseFolder = (workspace: string): string => join(workspace, '.opencode', 'skill', 'system-spec-kit', 'mcp_server', 'database');
    for (const workspace of [withCopy, withoutCopy]) expect(readdirSync(databaseFolder(workspace))).toEqual(['context-index.sqlite']);

    // The backup, copied on a helper while the repair wrote (repair-backup.ts), holds the broken
    // state as the one taken without helpers does, and is the only file in the folder.
    const backupOf = (workspace: string): string => {
      const names = readdirSync(join(workspace, '.opsheal', 'backups'));
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(/^context-index-\d{8}T\d{6}Z-\d+\.sqlite$/);
      return join(workspace, '.opsheal', 'backups', names[0] ?? '');
    };
    const contents = (dbPath: string): string => {
      const db = new Database(dbPath, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = db.prepare('SELECT id, file_path, content_hash FROM memory_index ORDER BY id').raw(true).all();
        const ledger = db.prepare('SELECT id, new_hash FROM mutation_ledger ORDER BY id').raw(true).all();
        return JSON.stringify({ rows, ledger });
      } finally {
        db.close();
      }
    };
    const databaseIn = (workspace: string): string => join(databaseFolder(workspace), 'context-index.sqlite');
    const brokenState = contents(databaseIn(broken));
    expect(contents(backupOf(withCopy))).toBe(brokenState);
    expect(contents(backupOf(withoutCopy))).toBe(brokenState);

    // The rows written from files read again on a helper (metadata-ahead.ts) hold what the rows
    // written without helpers hold (the times aside: each run stamps its own).
    const healedRows = (workspace: string): unknown[] => {
      const db = new Database(databaseIn(workspace), { readonly: true });
      try {
        return db
          .prepare('SELECT id, file_path, title, trigger_phrases, importance_tier, context_type, session_id, content_hash, embedding_status FROM memory_index ORDER BY id')
          .raw(true)
          .all();
      } finally {
        db.close();
      }
    };
    const withRows = healedRows(withCopy);
    expect(withRows).toEqual(healedRows(withoutCopy));
    expect(withRows).not.toEqual(healedRows(broken));
  });
});
