import { describe, expect, it } from 'vitest';
import { openIndex, SCAN_CACHE_KIB } from '../../src/live/index-database-session.js';
import { useWorkspaceTemplate, withDatabase } from './live-workspace.js';

const template = useWorkspaceTemplate({ memories: 10, seed: 4 });

/** The page cache of a connection openIndex gives, as `PRAGMA cache_size` reports it (negative: KiB). */
function cacheSizeOf(workspace: ReturnType<typeof template.copy>, mode: 'read' | 'write'): number {
  const { db } = openIndex(workspace.context(), mode);
  try {
    return Number(db.pragma('cache_size', { simple: true }));
  } finally {
    db.close();
  }
}

describe('openIndex page cache', () => {
  it('gives readers and writers of a WAL database the small cache', () => {
    const workspace = template.copy();
    expect(withDatabase(workspace.paths.db, (db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
    expect(cacheSizeOf(workspace, 'read')).toBe(-SCAN_CACHE_KIB);
    expect(cacheSizeOf(workspace, 'write')).toBe(-SCAN_CACHE_KIB);
  });

  it('leaves a writer of a rollback-journal database the larger default, so a repair does not spill pages under the exclusive lock', () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.pragma('journal_mode = DELETE'));
    const defaultSize = withDatabase(workspace.paths.db, (db) => Number(db.pragma('cache_size', { simple: true })));
    expect(cacheSizeOf(workspace, 'read')).toBe(-SCAN_CACHE_KIB);
    expect(cacheSizeOf(workspace, 'write')).toBe(defaultSize);
    expect(Math.abs(defaultSize)).toBeGreaterThan(SCAN_CACHE_KIB);
  });
});
