// warmHelpersForScan starts the process's helper pool only for a large index database (the rule
// largeIndexDatabase states): a stand-in pool counts the warm-ups.
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { defaultPaths, useTemporaryFolders } from '../workspace/temporary-folder.js';

const warm = vi.fn();
vi.mock('../../src/workspace/memory-file-pool.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/workspace/memory-file-pool.js')>();
  return { ...original, processPool: () => ({ warm }) };
});

const { warmHelpersForScan } = await import('../../src/cli/live-context.js');
const { POOL_MIN_DATABASE_BYTES } = await import('../../src/workspace/memory-file-pool.js');

const temporaryFolder = useTemporaryFolders();

/** Workspace paths whose index database is a sparse file of `bytes` bytes. */
function withDatabaseOf(bytes: number): ReturnType<typeof defaultPaths> {
  const paths = defaultPaths(temporaryFolder());
  const db = join(paths.root, 'index.sqlite');
  writeFileSync(db, '');
  truncateSync(db, bytes);
  return { ...paths, db };
}

describe('warmHelpersForScan', () => {
  it('warms the pool for a large index database, and not for a smaller or missing one', () => {
    warmHelpersForScan(withDatabaseOf(POOL_MIN_DATABASE_BYTES));
    expect(warm).toHaveBeenCalledTimes(1);
    warmHelpersForScan(withDatabaseOf(POOL_MIN_DATABASE_BYTES - 1));
    warmHelpersForScan({ ...defaultPaths(temporaryFolder()), db: join(temporaryFolder(), 'missing.sqlite') });
    expect(warm).toHaveBeenCalledTimes(1);
  });
});
