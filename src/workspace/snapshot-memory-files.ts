import type { MemoryFileScan, MemoryFileSource } from './memory-file-source.js';

/**
 * A `MemoryFileSource` that scans once and hands every later caller that same scan: for commands
 * that only read and report one moment of the workspace (`check`, `heal --dry-run`), where every
 * class of `all` should judge the same files, and where revalidating 100,000 files for each class
 * (a stat of each) would cost a fifth of the whole read again for nothing. A run that changes the
 * workspace (`heal`) must see each step's own moment, and uses the source underneath directly.
 */
export function snapshotMemoryFileSource(source: MemoryFileSource): MemoryFileSource {
  let taken: MemoryFileScan | undefined;
  let pending: (() => MemoryFileScan) | undefined;
  const start = (): (() => MemoryFileScan) => {
    if (taken === undefined && pending === undefined) {
      const complete = source.start?.() ?? (() => source.scan());
      pending = () => {
        taken ??= complete();
        return taken;
      };
    }
    return () => taken ?? (pending as () => MemoryFileScan)();
  };
  return { start, scan: () => start()() };
}
