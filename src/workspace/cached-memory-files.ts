import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';
import { sharePaths, statInto, type SharedPaths } from './memory-file-jobs.js';
import { processPool, type MemoryFilePool, type ReadJob, type StatJob, type StreamingRead } from './memory-file-pool.js';
import { readMemoryFile, type MemoryFileLocation, type MemoryFileReading } from './memory-file-reader.js';
import type { MemoryFileScan, MemoryFileSource } from './memory-file-source.js';
import { FolderListingCache, listMemoryFiles } from './memory-files.js';
import type { WorkspacePaths } from './workspace-paths.js';

/** How often the first, full scan reports progress (files). */
const PROGRESS_EVERY = 10_000;

export interface CachedMemoryFileSourceOptions {
  /** Helper threads for large scans; `null` keeps every scan on the calling thread. Default: the process's pool. */
  readonly pool?: MemoryFilePool | null;
  /**
   * `true`: scan once and hand every later caller that same scan, keeping nothing a rescan would
   * need (the folder listings, the records by path). For commands that only report one moment of
   * the workspace (`check`, `heal --dry-run`): every class of `all` judges the same files, and
   * none pays for revalidating 100,000 of them. A run that changes the workspace needs each step's
   * own moment and leaves this off (the default).
   */
  readonly once?: boolean;
  /**
   * `true`: the workspace is known to be large (its index database is), so the first scan starts
   * the helper threads as it begins and they read from the first files listed. Default: they start
   * once 25,000 files are listed.
   */
  readonly expectMany?: boolean;
}

/**
 * A `MemoryFileSource` for one process: the first scan reads and hashes every file; later scans
 * list the files again (folders that did not change are not listed again) and re-read only those
 * whose size or mtime changed (or that are new), so a heal's detect, repair and verify steps do not
 * each pay for a full read. A file that vanished between listing and reading is simply absent, as it
 * would be a moment later. Large scans read and stat on helper threads too (memory-file-pool.ts),
 * starting at `start()` so that the caller can read the database meanwhile.
 */
export function cachedMemoryFileSource(
  paths: WorkspacePaths,
  progress: (message: string) => void = () => undefined,
  options: CachedMemoryFileSourceOptions = {},
): MemoryFileSource {
  let known: Map<string, MemoryFileRecord> | undefined;
  let lastScan: MemoryFileScan | undefined;
  // Folders whose listing has not changed since the last scan are not listed again.
  const once = options.once === true;
  const listings = once ? undefined : new FolderListingCache();
  // With `once`: the completion of the one scan, which gives the same scan to every caller.
  let onlyScan: (() => MemoryFileScan) | undefined;
  // The paths of the last stat job, shared with the helpers, kept while the listing stays the same.
  let sharedStatPaths: { readonly locations: readonly MemoryFileLocation[]; readonly shared: SharedPaths } | undefined;
  let pool: MemoryFilePool | null | undefined = options.pool;
  const helpers = (): MemoryFilePool | undefined => {
    if (pool === undefined) pool = processPool() ?? null;
    return pool ?? undefined;
  };
  const expectMany = options.expectMany === true;

  /** Lists the files and starts what can run on the helpers; the returned function completes the scan. */
  const start = (): (() => MemoryFileScan) => {
    if (!once) return startScan();
    if (onlyScan === undefined) {
      const complete = startScan();
      onlyScan = () => lastScan ?? complete();
    }
    return onlyScan;
  };

  const startScan = (): (() => MemoryFileScan) => {
    const locations: MemoryFileLocation[] = [];
    const listedUnreadable: UnreadableMemoryFile[] = [];
    const previous = known;
    // The first scan reads everything: the helpers start on the files while the rest are listed
    // (when many are expected, the threads are started now, and load their code during the first chunk).
    if (previous === undefined && expectMany) helpers()?.warm();
    const firstRead = previous === undefined ? helpers()?.startStreamingRead({ expectMany }) : undefined;
    for (const listing of listMemoryFiles(paths, listings)) {
      if (listing.kind === 'unreadable') listedUnreadable.push(listing.unreadable);
      else {
        locations.push(listing.location);
        firstRead?.add(listing.location);
      }
    }
    firstRead?.end();
    if (previous === undefined) {
      // Sorted now, while the helpers read: the records come back in listing order, placed by this.
      const order = sortedOrder(locations);
      return () => {
        const readings = firstRead !== undefined ? collectWithProgress(firstRead) : readInline(locations, true);
        return finish(readings, listedUnreadable, order);
      };
    }
    // Files seen last time are stat'ed (on the helpers when there are many); the others are read.
    const cachedLocations = locations.filter((location) => previous.has(location.relativePath));
    let statJob: StatJob | undefined;
    const threads = helpers();
    if (threads !== undefined && cachedLocations.length > 0) {
      const shared = sameLocations(sharedStatPaths?.locations, cachedLocations)
        ? (sharedStatPaths?.shared as SharedPaths)
        : sharePaths(cachedLocations.map((location) => location.absolutePath));
      sharedStatPaths = { locations: cachedLocations, shared };
      statJob = threads.startStat(shared);
    }
    return () => {
      const stats = statJob !== undefined ? statJob.collect() : statInline(cachedLocations);
      // Per listed file: its record kept from the last scan, or (once read) its reading.
      const outcomes: Array<MemoryFileRecord | MemoryFileReading> = [];
      const toRead: MemoryFileLocation[] = [];
      const toReadAt: number[] = [];
      let statIndex = 0;
      for (const location of locations) {
        const cached = previous.get(location.relativePath);
        if (cached !== undefined) {
          const size = stats[2 * statIndex] as number;
          const mtimeMs = stats[2 * statIndex + 1] as number;
          statIndex += 1;
          if (size === cached.sizeBytes && Math.floor(mtimeMs) === cached.mtimeMs) {
            outcomes.push(cached);
            continue;
          }
        }
        toReadAt.push(outcomes.length);
        toRead.push(location);
        outcomes.push(NOT_READ_YET);
      }
      const job = toRead.length > 0 ? helpers()?.startRead(toRead) : undefined;
      const readings = job !== undefined ? job.collect() : readInline(toRead, false);
      readings.forEach((reading, index) => {
        outcomes[toReadAt[index] as number] = reading;
      });
      // Nothing changed at all: the last scan stands as it was (already sorted).
      if (lastScan !== undefined && toRead.length === 0 && listedUnreadable.length === 0 && lastScan.unreadable.length === 0 && outcomes.length === lastScan.files.length) {
        return lastScan;
      }
      return finish(outcomes, listedUnreadable);
    };
  };

  /** The scan of the outcomes, in the order of their locations; `order`: the locations' positions sorted by path, when known. */
  const finish = (
    outcomes: ReadonlyArray<MemoryFileRecord | MemoryFileReading>,
    listedUnreadable: readonly UnreadableMemoryFile[],
    order?: readonly number[],
  ): MemoryFileScan => {
    const files: MemoryFileRecord[] = [];
    const unreadable: UnreadableMemoryFile[] = [...listedUnreadable];
    const take = (outcome: MemoryFileRecord | MemoryFileReading): void => {
      // A record has no `kind`; a reading has.
      if (!('kind' in outcome)) files.push(outcome);
      else if (outcome.kind === 'file') files.push(outcome.record);
      else if (outcome.unreadable.reason !== 'vanished') unreadable.push(outcome.unreadable);
    };
    if (order !== undefined) for (const position of order) take(outcomes[position] as MemoryFileRecord | MemoryFileReading);
    else {
      for (const outcome of outcomes) take(outcome);
      files.sort(byRelativePath);
    }
    unreadable.sort(byRelativePath);
    if (!once) known = new Map(files.map((file) => [file.relativePath, file]));
    lastScan = { files, unreadable };
    return lastScan;
  };

  const collectWithProgress = (job: ReadJob | StreamingRead): MemoryFileReading[] =>
    job.collect((done) => progress(`read ${Math.floor(done / PROGRESS_EVERY) * PROGRESS_EVERY} memory files`));

  const readInline = (locations: readonly MemoryFileLocation[], reportProgress: boolean): MemoryFileReading[] => {
    const readings: MemoryFileReading[] = [];
    let files = 0;
    for (const location of locations) {
      const reading = readMemoryFile(location);
      readings.push(reading);
      if (reading.kind === 'file') files += 1;
      if (reportProgress && reading.kind === 'file' && files % PROGRESS_EVERY === 0) progress(`read ${files} memory files`);
    }
    return readings;
  };

  return {
    start,
    scan: () => start()(),
  };
}

/** A placeholder for a file still to be read (replaced before the scan completes). */
const NOT_READ_YET: MemoryFileReading = { kind: 'unreadable', unreadable: { relativePath: '', reason: 'vanished' } };

function statInline(locations: readonly MemoryFileLocation[]): Float64Array {
  const stats = new Float64Array(2 * locations.length);
  locations.forEach((location, index) => statInto(stats, index, location.absolutePath));
  return stats;
}

function sameLocations(a: readonly MemoryFileLocation[] | undefined, b: readonly MemoryFileLocation[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

/** The positions of the locations, sorted by their relative paths. */
function sortedOrder(locations: readonly MemoryFileLocation[]): number[] {
  const order = Array.from(locations.keys());
  return order.sort((a, b) => byRelativePath(locations[a] as MemoryFileLocation, locations[b] as MemoryFileLocation));
}

function byRelativePath(a: { relativePath: string }, b: { relativePath: string }): number {
  return a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0;
}
