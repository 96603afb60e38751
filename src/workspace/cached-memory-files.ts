import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';
import { sharePaths, statInto, type SharedPaths } from './memory-file-jobs.js';
import { processPool, type MemoryFilePool, type ReadJob, type StatJob, type StreamingRead } from './memory-file-pool.js';
import { readMemoryFile, type MemoryFileLocation, type MemoryFileReading } from './memory-file-reader.js';
import type { KnownFileValues, MemoryFileScan, MemoryFileSource } from './memory-file-source.js';
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
   * none pays for revalidating 100,000 of them, nor for each file's mtime, which only a rescan
   * compares (so the files are read without stat'ing them: MemoryFileRecord.mtimeMs is NaN). A run
   * that changes the workspace looks again as it goes and leaves this off (the default; `holdScans`
   * says when it looks again).
   */
  readonly once?: boolean;
  /**
   * Set: a scan stands for its moment of the workspace, and every caller gets that same scan, taken
   * once, until `nextMoment()` or until `stamp` gives another value than it gave as the scan started
   * (`heal`: the index database's version, so that anyone's commit, which says the memory server
   * is at work, ends the moment too; scan-moments.ts says when the run ends it). A stamp of
   * `undefined` holds nothing. A later moment's scan looks again, re-reading only what changed.
   * Default: every scan looks again. (`once` holds its one scan for good.)
   */
  readonly holdScans?: { readonly stamp: () => string | undefined };
  /**
   * `true`: the workspace is known to be large (its index database is), so the first scan starts
   * the helper threads as it begins and they read from the first files listed. Default: they start
   * once 25,000 files are listed.
   */
  readonly expectMany?: boolean;
  /**
   * How long before a listing a folder's last change must be for the listing to be reused
   * (FolderListingCache). Default: its margin against coarse timestamps; tests that change folders
   * and scan again within it set 0.
   */
  readonly listingMarginMs?: number;
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
  // What a rescan starts from: the last scan's listing and, at the same positions, its records.
  let previousScan: ListedScan | undefined;
  let lastScan: MemoryFileScan | undefined;
  // Folders whose listing has not changed since the last scan are not listed again.
  const once = options.once === true;
  // Only a rescan compares mtimes, and a `once` source never rescans.
  const takeMtime = !once;
  let listings = once ? undefined : new FolderListingCache(options.listingMarginMs);
  // Whether a scan is handed out again (with `once` for good, with `holdScans` until its moment ends).
  const holds = once || options.holdScans !== undefined;
  const stamp = options.holdScans?.stamp;
  // The completion of the scan that stands: started once, completed once, the same scan to every
  // caller; and the stamp it started under.
  let held: ((known?: KnownFileValues) => MemoryFileScan) | undefined;
  let heldStamp: string | undefined;
  // The paths of the last stat job, shared with the helpers, kept while the listing stays the same.
  let sharedStatPaths: { readonly locations: readonly MemoryFileLocation[]; readonly shared: SharedPaths } | undefined;
  let pool: MemoryFilePool | null | undefined = options.pool;
  const helpers = (): MemoryFilePool | undefined => {
    if (pool === undefined) pool = processPool() ?? null;
    return pool ?? undefined;
  };
  const expectMany = options.expectMany === true;

  /** Lists the files and starts what can run on the helpers; the returned function completes the scan. */
  const start = (): ((known?: KnownFileValues) => MemoryFileScan) => {
    if (!holds) return startScan();
    if (stamp !== undefined) {
      const now = stamp();
      if (now === undefined || now !== heldStamp) held = undefined;
      heldStamp = now;
    }
    if (held === undefined) {
      const complete = startScan();
      let scanned: MemoryFileScan | undefined;
      held = (known) => (scanned ??= complete(known));
    }
    return held;
  };

  const startScan = (): ((known?: KnownFileValues) => MemoryFileScan) => {
    const locations: MemoryFileLocation[] = [];
    const listedUnreadable: UnreadableMemoryFile[] = [];
    const previous = previousScan;
    // The first scan reads everything: the helpers start on the files while the rest are listed
    // (when many are expected, the threads are started now, and load their code during the first chunk).
    if (previous === undefined && expectMany) helpers()?.warm();
    const firstRead = previous === undefined ? helpers()?.startStreamingRead({ expectMany, takeMtime }) : undefined;
    // A later scan stats the files the last one listed (on the helpers when there are many) while
    // this thread lists the folders again: a file's stat is taken within the scan either way.
    const statJob = previous !== undefined ? startStat(previous.locations) : undefined;
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
      return (known) => {
        const readings = firstRead !== undefined ? collectWithProgress(firstRead, known) : readInline(locations, true);
        return finish(locations, readings, listedUnreadable, order);
      };
    }
    // The same listing as last time (no folder holds other entries): the same positions, the same order.
    const sameListing = sameLocations(previous.locations, locations);
    const listed = sameListing ? previous.locations : locations;
    const order = sameListing ? previous.order : sortedOrder(locations);
    return (known) => {
      const stats = statJob !== undefined ? statJob.collect() : statInline(previous.locations);
      const positionInPrevious = sameListing ? undefined : positionsByPath(previous.locations);
      // Per listed file: its record kept from the last scan, or (once read) its reading.
      const outcomes: Array<MemoryFileRecord | MemoryFileReading> = [];
      const toRead: MemoryFileLocation[] = [];
      const toReadAt: number[] = [];
      for (let index = 0; index < listed.length; index += 1) {
        const location = listed[index] as MemoryFileLocation;
        const at = positionInPrevious === undefined ? index : positionInPrevious.get(location.relativePath);
        const cached = at === undefined ? undefined : previous.records[at];
        if (cached !== undefined) {
          const statAt = 2 * (at as number);
          if (stats[statAt] === cached.sizeBytes && Math.floor(stats[statAt + 1] as number) === cached.mtimeMs) {
            outcomes.push(cached);
            continue;
          }
        }
        toReadAt.push(outcomes.length);
        toRead.push(location);
        outcomes.push(NOT_READ_YET);
      }
      const job = toRead.length > 0 ? helpers()?.startRead(toRead) : undefined;
      const readings = job !== undefined ? job.collect(undefined, known) : readInline(toRead, false);
      readings.forEach((reading, index) => {
        outcomes[toReadAt[index] as number] = reading;
      });
      // Nothing changed at all: the last scan stands as it was (already sorted). Every file listed
      // has its record of last time, and as many as there were: the very same records.
      if (lastScan !== undefined && toRead.length === 0 && listedUnreadable.length === 0 && lastScan.unreadable.length === 0 && outcomes.length === lastScan.files.length) {
        if (!sameListing) previousScan = { locations: listed, records: outcomes as MemoryFileRecord[], order };
        return lastScan;
      }
      return finish(listed, outcomes, listedUnreadable, order);
    };
  };

  /** Starts statting the locations on the helpers; `undefined` when they are too few (or there are no helpers). */
  const startStat = (statted: readonly MemoryFileLocation[]): StatJob | undefined => {
    const threads = helpers();
    if (threads === undefined || statted.length === 0) return undefined;
    const shared = sameLocations(sharedStatPaths?.locations, statted)
      ? (sharedStatPaths?.shared as SharedPaths)
      : sharePaths(statted.map((location) => location.absolutePath));
    sharedStatPaths = { locations: statted, shared };
    return threads.startStat(shared);
  };

  /** The scan of the outcomes of the locations (at the same positions); `order`: the positions sorted by path. */
  const finish = (
    locations: readonly MemoryFileLocation[],
    outcomes: ReadonlyArray<MemoryFileRecord | MemoryFileReading>,
    listedUnreadable: readonly UnreadableMemoryFile[],
    order: readonly number[],
  ): MemoryFileScan => {
    const files: MemoryFileRecord[] = [];
    const unreadable: UnreadableMemoryFile[] = [...listedUnreadable];
    const records = once ? undefined : new Array<MemoryFileRecord | undefined>(outcomes.length);
    const keep = (record: MemoryFileRecord, position: number): void => {
      files.push(record);
      if (records !== undefined) records[position] = record;
    };
    for (const position of order) {
      const outcome = outcomes[position] as MemoryFileRecord | MemoryFileReading;
      // A record has no `kind`; a reading has.
      if (!('kind' in outcome)) keep(outcome, position);
      else if (outcome.kind === 'file') keep(outcome.record, position);
      else if (outcome.unreadable.reason !== 'vanished') unreadable.push(outcome.unreadable);
    }
    unreadable.sort(byRelativePath);
    if (records !== undefined) previousScan = { locations, records, order };
    lastScan = { files, unreadable };
    return lastScan;
  };

  const collectWithProgress = (job: ReadJob | StreamingRead, known: KnownFileValues | undefined): MemoryFileReading[] =>
    job.collect((done) => progress(`read ${Math.floor(done / PROGRESS_EVERY) * PROGRESS_EVERY} memory files`), known);

  const readInline = (locations: readonly MemoryFileLocation[], reportProgress: boolean): MemoryFileReading[] => {
    const readings: MemoryFileReading[] = [];
    let files = 0;
    for (const location of locations) {
      const reading = readMemoryFile(location, takeMtime);
      readings.push(reading);
      if (reading.kind === 'file') files += 1;
      if (reportProgress && reading.kind === 'file' && files % PROGRESS_EVERY === 0) progress(`read ${files} memory files`);
    }
    return readings;
  };

  const release = (): void => {
    previousScan = undefined;
    lastScan = undefined;
    held = undefined;
    sharedStatPaths = undefined;
    if (listings !== undefined) listings = new FolderListingCache(options.listingMarginMs);
  };

  const nextMoment = (): void => {
    // A read-only run has one moment: its scan stands for good.
    if (!once) held = undefined;
  };

  return {
    start,
    scan: () => start()(),
    release,
    nextMoment,
  };
}

/** A scan's listing, with each listed file's record at its position (none for a file that could not be read) and the positions sorted by path. */
interface ListedScan {
  readonly locations: readonly MemoryFileLocation[];
  readonly records: ReadonlyArray<MemoryFileRecord | undefined>;
  readonly order: readonly number[];
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

/** Each location's position, by relative path. */
function positionsByPath(locations: readonly MemoryFileLocation[]): Map<string, number> {
  const positions = new Map<string, number>();
  locations.forEach((location, index) => positions.set(location.relativePath, index));
  return positions;
}

/** The positions of the locations, sorted by their relative paths. */
function sortedOrder(locations: readonly MemoryFileLocation[]): number[] {
  const order = Array.from(locations.keys());
  return order.sort((a, b) => byRelativePath(locations[a] as MemoryFileLocation, locations[b] as MemoryFileLocation));
}

function byRelativePath(a: { relativePath: string }, b: { relativePath: string }): number {
  return a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0;
}
