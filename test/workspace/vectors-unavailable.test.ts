import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { generateWorkspace } from '../../src/workspace/generate-workspace.js';
import { openIndexDatabase } from '../../src/workspace/index-database.js';
import { readIndexRows, readVectorIds, tableExists } from '../../src/workspace/index-reads.js';
import { useTemporaryFolders } from './temporary-folder.js';

// A machine where the extension cannot load (no prebuilt binary for the platform, say).
vi.mock('sqlite-vec', () => ({
  load: () => {
    throw new Error('vec0.so: cannot open shared object file');
  },
}));

const temporaryFolder = useTemporaryFolders();

describe('without sqlite-vec', () => {
  it('generates a workspace without vectors, every row pending, and says why', () => {
    const report = generateWorkspace(join(temporaryFolder(), 'ws'), { memories: 20, seed: 3, now: Date.UTC(2026, 1, 22) });
    expect(report).toMatchObject({
      vectors: 'unavailable',
      vectorsWritten: 0,
      vectorNote: 'no vectors written: sqlite-vec did not load (vec0.so: cannot open shared object file)',
    });
    const opened = openIndexDatabase(report.dbPath, { readonly: true });
    try {
      expect(opened.vectors).toBe('unavailable');
      expect(opened.vectorNote).toBe('vectors not checked: sqlite-vec did not load (vec0.so: cannot open shared object file)');
      expect(tableExists(opened.db, 'vec_memories')).toBe(false);
      expect(readVectorIds(opened.db)).toBeUndefined();
      expect(new Set(readIndexRows(opened.db).map((row) => row.embeddingStatus))).toEqual(new Set(['pending']));
    } finally {
      opened.db.close();
    }
  });
});
