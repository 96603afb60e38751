import { describe, expect, it } from 'vitest';
import type { MemoryFileScan, MemoryFileSource } from '../../src/workspace/memory-file-source.js';
import { snapshotMemoryFileSource } from '../../src/workspace/snapshot-memory-files.js';

/** A source that counts its scans and gives a new scan object each time. */
function countingSource(): { source: MemoryFileSource; scans: () => number } {
  let scans = 0;
  const scan = (): MemoryFileScan => {
    scans += 1;
    return { files: [], unreadable: [{ relativePath: `scan-${scans}`, reason: 'vanished' }] };
  };
  return { source: { scan, start: () => scan }, scans: () => scans };
}

describe('snapshotMemoryFileSource', () => {
  it('scans once and hands every caller that same scan, however it is asked', () => {
    const { source, scans } = countingSource();
    const snapshot = snapshotMemoryFileSource(source);
    const complete = snapshot.start?.();
    expect(scans()).toBe(0);
    const first = complete?.();
    expect(snapshot.scan()).toBe(first);
    expect(snapshot.start?.()()).toBe(first);
    expect(scans()).toBe(1);
    expect(first?.unreadable[0]?.relativePath).toBe('scan-1');
  });

  it('a scan started twice before it completes is still one scan', () => {
    const { source, scans } = countingSource();
    const snapshot = snapshotMemoryFileSource(source);
    const a = snapshot.start?.();
    const b = snapshot.start?.();
    expect(b?.()).toBe(a?.());
    expect(scans()).toBe(1);
  });

  it('works over a source without start()', () => {
    let scans = 0;
    const snapshot = snapshotMemoryFileSource({ scan: () => ({ files: [], unreadable: [{ relativePath: String(++scans), reason: 'vanished' }] }) });
    expect(snapshot.scan()).toBe(snapshot.scan());
    expect(scans).toBe(1);
  });
});
