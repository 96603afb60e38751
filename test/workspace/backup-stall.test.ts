import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backUpAtOnce } from '../../src/workspace/database-backup.js';

// Found by running `drill --live` as a user who could read a WAL database but not write its folder:
// the sandbox's copy spun for ever, since better-sqlite3 retries a backup step that finds the
// database busy or locked for as long as it stays so. And where it cannot read the source at all
// (another connection holds it exclusively locked), it reports the copy done with no pages copied,
// leaving an empty database behind.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function database(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsheal-backup-stall-'));
  dirs.push(dir);
  const path = join(dir, 'index.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);');
  db.close();
  return path;
}

describe('backUpAtOnce', () => {
  it('fails, retryable and saying why, once the copy has made no progress for the bound', async () => {
    const path = database();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    const source = new Database(path, { readonly: true, timeout: 0 });
    try {
      const started = Date.now();
      const copy = backUpAtOnce(source, path, join(path, '..', 'copy.sqlite'), 0.3);
      await expect(copy).rejects.toMatchObject({ retryable: true, message: expect.stringContaining(`copying ${path} made no progress for 0.3s`) });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      source.close();
    }
  });

  it('takes the copy again once the lock goes, instead of keeping the empty database better-sqlite3 reports as done', async () => {
    const path = database();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    const source = new Database(path, { readonly: true, timeout: 0 });
    const target = join(path, '..', 'copy.sqlite');
    try {
      setTimeout(() => holder.exec('ROLLBACK'), 200);
      await backUpAtOnce(source, path, target, 10);
    } finally {
      holder.close();
      source.close();
    }
    const copy = new Database(target, { readonly: true });
    expect(copy.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
    copy.close();
  });

  it('copies the whole database when nothing stands in the way', async () => {
    const path = database();
    const source = new Database(path, { readonly: true });
    const target = join(path, '..', 'copy.sqlite');
    try {
      await backUpAtOnce(source, path, target, 0.3);
    } finally {
      source.close();
    }
    const copy = new Database(target, { readonly: true });
    expect(copy.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3 });
    copy.close();
  });
});
