import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPartialBackupFile, takeBackup } from '../../src/workspace/database-backup.js';
import { useTemporaryFolders } from '../workspace/temporary-folder.js';

// Found by `npm run torture` (crash at any instant): a healer SIGKILLed inside the online backup
// leaves `.<name>.partial` and, beside it, SQLite's rollback journal `.<name>.partial-journal`. The
// next backup removed the partial but never the journal, so every killed backup left a file behind.
const temporaryFolder = useTemporaryFolders();

describe('killed backup leaves its partial journal', () => {
  it('the next backup removes the partial copy and the journal SQLite kept beside it', async () => {
    const folder = temporaryFolder();
    const dbPath = join(folder, 'context-index.sqlite');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)');
    db.close();
    const backupsDir = join(folder, '.opsheal', 'backups');
    mkdirSync(backupsDir, { recursive: true });
    const killed = '.context-index-20260222T000000Z-99999.sqlite.partial';
    for (const leftover of [killed, `${killed}-journal`, `${killed}-wal`, `${killed}-shm`]) writeFileSync(join(backupsDir, leftover), 'half a copy');

    const backup = (await takeBackup(dbPath, backupsDir, '2026-02-22T00:00:00Z')).path;

    expect(readdirSync(backupsDir)).toEqual([basename(backup)]);
  });

  it('names every file a backup in progress writes as partial, and no complete backup', () => {
    expect(isPartialBackupFile('.context-index-20260222T000000Z-1.sqlite.partial')).toBe(true);
    expect(isPartialBackupFile('.context-index-20260222T000000Z-1.sqlite.partial-journal')).toBe(true);
    expect(isPartialBackupFile('context-index-20260222T000000Z-1.sqlite')).toBe(false);
    expect(isPartialBackupFile('context-index-20260222T000000Z-1.sqlite.partial')).toBe(false);
  });
});
