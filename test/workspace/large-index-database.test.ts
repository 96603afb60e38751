import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { largeIndexDatabase, POOL_MIN_DATABASE_BYTES } from '../../src/workspace/memory-file-pool.js';
import { useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();

describe('largeIndexDatabase', () => {
  it('says a scan will be large from an index database of POOL_MIN_DATABASE_BYTES on, and not below', () => {
    const root = temporaryFolder();
    const large = join(root, 'large.sqlite');
    const small = join(root, 'small.sqlite');
    // Sparse files: the size is what counts, not the bytes.
    writeFileSync(large, '');
    truncateSync(large, POOL_MIN_DATABASE_BYTES);
    writeFileSync(small, '');
    truncateSync(small, POOL_MIN_DATABASE_BYTES - 1);
    expect(largeIndexDatabase(large)).toBe(true);
    expect(largeIndexDatabase(small)).toBe(false);
  });

  it('says nothing of a database that is missing or cannot be looked at', () => {
    const root = temporaryFolder();
    expect(largeIndexDatabase(join(root, 'missing.sqlite'))).toBe(false);
    const notAFolder = join(root, 'file');
    writeFileSync(notAFolder, 'x');
    expect(largeIndexDatabase(join(notAFolder, 'db.sqlite'))).toBe(false);
    mkdirSync(join(root, 'folder.sqlite'));
    expect(largeIndexDatabase(join(root, 'folder.sqlite'))).toBe(false);
  });
});
