import { lstatSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { normalize, relative, sep } from 'node:path';
import { detachedString } from './detached-string.js';
import type { MemoryFileRecord, UnreadableMemoryFile } from './memory-file.js';
import {
  readMemoryFile,
  reasonForError,
  type MemoryFileLocation,
  type MemoryFileReading,
  type UnreadableReason,
} from './memory-file-reader.js';
import type { WorkspacePaths } from './workspace-paths.js';

/** One entry of a listing: a memory file to read, or a path that cannot be one (and why). */
export type MemoryFileListing =
  | { readonly kind: 'location'; readonly location: MemoryFileLocation }
  | { readonly kind: 'unreadable'; readonly unreadable: UnreadableMemoryFile };

/**
 * The spec folder of a path relative to the specs root (`/`-separated): the part before the final
 * `/memory/`, when the path is a `*.md` file directly inside a folder named `memory` that has a
 * spec folder above it. `003-memory/065-retry/memory/notes.md` gives `003-memory/065-retry`;
 * `memory/notes.md`, `003-memory/notes.md` and `003-memory/memory/a/b.md` give `undefined`.
 */
export function specFolderOf(relativePathUnderSpecs: string): string | undefined {
  if (!relativePathUnderSpecs.endsWith('.md')) return undefined;
  const slash = relativePathUnderSpecs.lastIndexOf('/');
  if (slash === -1) return undefined;
  const folder = relativePathUnderSpecs.slice(0, slash);
  if (folder !== 'memory' && !folder.endsWith('/memory')) return undefined;
  const specFolder = folder.slice(0, -'/memory'.length);
  if (folder === 'memory' || specFolder === '' || specFolder.startsWith('/')) return undefined;
  if (specFolder === '..' || specFolder.startsWith('../') || specFolder.includes('/../')) return undefined;
  // A bare `.md` is a hidden file with no name, not a memory.
  return relativePathUnderSpecs.length - slash - 1 > '.md'.length ? specFolder : undefined;
}

/** The specs root relative to the workspace root, `/`-separated (`specs` unless configured otherwise). */
export function specsRootUnderWorkspace(paths: Pick<WorkspacePaths, 'root' | 'specsRoot'>): string {
  return toSlashes(relative(paths.root, normalize(paths.specsRoot)));
}

/**
 * Whether a workspace-relative path (`/`-separated) is where a memory file lives: under the specs
 * root (`specsUnderRoot`, see {@link specsRootUnderWorkspace}) and named as {@link specFolderOf} says.
 */
export function isMemoryFilePath(relativePath: string, specsUnderRoot: string): boolean {
  if (specsUnderRoot === '') return specFolderOf(relativePath) !== undefined;
  if (!relativePath.startsWith(specsUnderRoot) || relativePath.charCodeAt(specsUnderRoot.length) !== 47 /* / */) return false;
  return specFolderOf(relativePath.slice(specsUnderRoot.length + 1)) !== undefined;
}

/**
 * Scans the specs root for memory files, reading one file at a time (contents are never held
 * beyond the file being read), and returns the records and the unreadable files, each sorted by
 * relativePath (a `MemoryFileScan` of memory-file-source.ts). Never throws for a file's or folder's
 * sake; see {@link listMemoryFiles} for the rules.
 */
export function scanMemoryFiles(paths: WorkspacePaths): { files: MemoryFileRecord[]; unreadable: UnreadableMemoryFile[] } {
  const files: MemoryFileRecord[] = [];
  const unreadable: UnreadableMemoryFile[] = [];
  for (const reading of walkMemoryFiles(paths)) {
    if (reading.kind === 'file') files.push(reading.record);
    else unreadable.push(reading.unreadable);
  }
  // Code-unit order, not localeCompare: the same on every machine and locale.
  const byPath = (a: { relativePath: string }, b: { relativePath: string }): number =>
    a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0;
  files.sort(byPath);
  unreadable.sort(byPath);
  return { files, unreadable };
}

/**
 * Yields each memory file under the specs root as it is read (see {@link listMemoryFiles} for the
 * order and the rules), one file's content in memory at a time.
 */
export function* walkMemoryFiles(paths: WorkspacePaths): Generator<MemoryFileReading> {
  for (const listing of listMemoryFiles(paths)) {
    yield listing.kind === 'location' ? readMemoryFile(listing.location) : listing;
  }
}

/**
 * Lists the memory files under the specs root without reading them (a cache can stat each one and
 * re-read only what changed), in a deterministic order that is not sorted by path. Symbolic links
 * are followed only when they lead inside the workspace (or the specs root) and to a folder not
 * already walked; the others come back as unreadable (`symlink-outside-workspace`, `symlink-loop`,
 * `symlink-duplicate`, `broken-symlink`: links standing for a memory file or leading to a folder),
 * as do folders that cannot be listed (`permission-denied`, `unreadable`: the relativePath is then
 * the folder's, and the memories inside it are unknown, not gone).
 * Real folders are walked before linked ones, so a file reached both ways keeps its real path.
 * A specs root that is missing or not a folder comes back as one unreadable entry (its memories are
 * unknown, not gone: an unmounted or misnamed folder must not make every row look orphaned). A name
 * that is not valid UTF-8 cannot be opened by the string Node decodes it to: such a memory file, or a
 * folder that may hold memories, comes back as unreadable (`invalid-utf8`) instead of being skipped.
 */
export function* listMemoryFiles(paths: WorkspacePaths, listings?: FolderListingCache): Generator<MemoryFileListing> {
  const boundaries = insideBoundaries(paths);
  const visited = new Set<string>();
  const specsStats = folderStats(paths.specsRoot);
  if (specsStats === undefined) {
    yield unreadableAt(specsRootUnderWorkspace(paths), existsAtAll(paths.specsRoot) ? 'not-a-file' : 'vanished');
    return;
  }
  visited.add(specsStats.identity);
  listings?.beginScan();
  // Paths are built by appending entry names to a normalised folder path, which is what path.join
  // would give, and relative paths by appending to the folder's, which is what path.relative would.
  const specsRoot = normalize(paths.specsRoot);
  const start: PendingFolder = {
    path: specsRoot.length > 1 && specsRoot.endsWith(sep) ? specsRoot.slice(0, -1) : specsRoot,
    underSpecs: '',
    underRoot: specsRootUnderWorkspace(paths),
    stats: specsStats,
  };
  // Linked folders wait until every real folder is walked (see above); they may queue more.
  const linkedFolders: Array<{ readonly folder: PendingFolder; readonly parent: string; readonly realPath: string }> = [];
  const pending: PendingFolder[] = [start];
  while (pending.length > 0 || linkedFolders.length > 0) {
    let folder: PendingFolder;
    if (pending.length > 0) {
      folder = pending.pop() as PendingFolder;
    } else {
      const link = linkedFolders.shift() as (typeof linkedFolders)[number];
      // Decided only now, once every real folder has claimed its own identity.
      if (visited.has(link.folder.stats.identity)) {
        yield unreadableAt(link.folder.underRoot, isAncestor(link.realPath, link.parent) ? 'symlink-loop' : 'symlink-duplicate');
        continue;
      }
      visited.add(link.folder.stats.identity);
      folder = link.folder;
    }
    let listing: FolderListing;
    try {
      listing = listFolder(folder, listings);
    } catch (error) {
      const reason = reasonForError(error);
      // A folder that went away took its files with it before we saw them: nothing to report.
      if (reason !== 'vanished') yield unreadableAt(folder.underRoot, reason === 'not-a-file' ? 'unreadable' : reason);
      continue;
    }
    // `memory` directly in the specs root has no spec folder above it.
    const inMemoryFolder = folder.underSpecs !== 'memory' && folder.underSpecs.endsWith('/memory') && !folder.underSpecs.startsWith('../');
    // Candidates are chosen by the same rule, so the fallback only guards against a change of rule.
    const specFolder = inMemoryFolder ? detachedString(specFolderOf(`${folder.underSpecs}/entry.md`) ?? '') : '';
    const subfolders: PendingFolder[] = [];
    const { names, kinds, locations } = listing;
    for (let index = 0; index < names.length; index += 1) {
      const name = names[index] as string;
      const kind = kinds[index];
      const isCandidate = inMemoryFolder && name.endsWith('.md') && name.length > 3;
      // Node decodes a name that is not UTF-8 with U+FFFD in place of the bad bytes, and that string
      // names no file: report it (when it may be or hold a memory) rather than lose it silently.
      if (name.includes('\uFFFD') && !existsAtAll(childPath(folder.path, name))) {
        if (isCandidate || kind === ENTRY_DIRECTORY || kind === ENTRY_SYMLINK) yield unreadableAt(childRelative(folder.underRoot, name), 'invalid-utf8');
        continue;
      }
      if (kind === ENTRY_SYMLINK) {
        const path = childPath(folder.path, name);
        const link = resolveLink(path, boundaries);
        if (link.kind === 'refused') {
          // A dangling or outside link matters when it stands for a memory or hides a folder.
          if (isCandidate || link.isDirectory) yield unreadableAt(childRelative(folder.underRoot, name), link.reason);
          continue;
        }
        if (link.isDirectory) {
          linkedFolders.push({ folder: childFolder(folder, name, link.stats), parent: folder.path, realPath: link.realPath });
          continue;
        }
        if (isCandidate) yield { kind: 'location', location: candidateAt(folder, name, specFolder, locations, index) };
        continue;
      }
      if (kind === ENTRY_DIRECTORY) {
        const path = childPath(folder.path, name);
        const stats = folderStats(path);
        if (stats === undefined || visited.has(stats.identity)) continue;
        visited.add(stats.identity);
        subfolders.push(childFolder(folder, name, stats, path));
        continue;
      }
      if (isCandidate) {
        yield kind === ENTRY_FILE
          ? { kind: 'location', location: candidateAt(folder, name, specFolder, locations, index) }
          : unreadableAt(childRelative(folder.underRoot, name), 'not-a-file');
      }
    }
    // Reversed so that popping walks subfolders in name order.
    for (let index = subfolders.length - 1; index >= 0; index -= 1) pending.push(subfolders[index] as PendingFolder);
  }
}

/**
 * What one scan remembers of each folder's listing, so that the next scan lists again only the
 * folders that changed. A listing is reused while the folder is the same folder (device and inode)
 * with the same mtime and ctime, and only when its last change was well before the listing was
 * taken: a change within the file system's timestamp granularity of the listing could otherwise
 * leave the times as they were. A folder listed again that holds the same entries keeps the
 * locations made for them, so that a rescan sees the same files in the same order (and need not sort
 * or index them again). Files are never cached here, only the names and types of entries; links are
 * resolved again on every scan.
 */
export class FolderListingCache {
  private previous = new Map<string, FolderListing>();
  private current = new Map<string, FolderListing>();

  /** `racyMarginMs`: how long before its listing a folder's last change must be (tests use 0). */
  constructor(private readonly racyMarginMs = RACY_MARGIN_MS) {}

  /** Starts a scan: listings the scan does not use again are forgotten when the next one starts. */
  beginScan(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** The listing of the folder from the last scan, when it still holds for these stats. */
  reusable(path: string, stats: FolderStats): FolderListing | undefined {
    const listing = this.previous.get(path);
    if (listing === undefined) return undefined;
    const settled = stats.ctimeMs < listing.listedAtMs - this.racyMarginMs;
    return settled && listing.identity === stats.identity && listing.mtimeMs === stats.mtimeMs && listing.ctimeMs === stats.ctimeMs
      ? listing
      : undefined;
  }

  /**
   * The last scan's listing of the folder when the folder, just listed again, holds the very same
   * entries (names and kinds). Its locations, which depend only on the folder's path and the
   * names, are then handed out again: a rescan that had to list a recently changed folder again
   * (within the margin) still finds its files where they were, and keeps their order.
   */
  sameEntries(path: string, names: readonly string[], kinds: Uint8Array): FolderListing | undefined {
    const listing = this.previous.get(path);
    if (listing === undefined || listing.names.length !== names.length) return undefined;
    for (let index = 0; index < names.length; index += 1) {
      if (listing.names[index] !== names[index] || listing.kinds[index] !== kinds[index]) return undefined;
    }
    return listing;
  }

  keep(path: string, listing: FolderListing): void {
    this.current.set(path, listing);
  }
}

/**
 * How long before a listing a folder's last change must be for the listing to be trusted later (ms):
 * generous against coarse file-system timestamps and a file server's clock running a little ahead.
 */
const RACY_MARGIN_MS = 2_000;

const ENTRY_FILE = 0;
const ENTRY_DIRECTORY = 1;
const ENTRY_SYMLINK = 2;
const ENTRY_OTHER = 3;

/** A folder's identity (`dev:ino`) and change times, from one stat. */
interface FolderStats {
  readonly identity: string;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** A folder to walk: its path (normalised), its paths relative to the specs root and to the workspace, `/`-separated. */
interface PendingFolder {
  readonly path: string;
  readonly underSpecs: string;
  readonly underRoot: string;
  readonly stats: FolderStats;
}

/** A folder's entries in name order, with their types, and the memory file locations made from them. */
interface FolderListing {
  readonly identity: string;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly listedAtMs: number;
  readonly names: readonly string[];
  readonly kinds: Uint8Array;
  readonly locations: Array<MemoryFileLocation | undefined>;
}

function listFolder(folder: PendingFolder, listings: FolderListingCache | undefined): FolderListing {
  const reused = listings?.reusable(folder.path, folder.stats);
  if (reused !== undefined) {
    listings?.keep(folder.path, reused);
    return reused;
  }
  const listedAtMs = Date.now();
  const entries: Dirent[] = readdirSync(folder.path, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kinds = new Uint8Array(entries.length);
  entries.forEach((entry, index) => {
    kinds[index] = entry.isSymbolicLink() ? ENTRY_SYMLINK : entry.isDirectory() ? ENTRY_DIRECTORY : entry.isFile() ? ENTRY_FILE : ENTRY_OTHER;
  });
  const names = entries.map((entry) => entry.name);
  const unchanged = listings?.sameEntries(folder.path, names, kinds);
  const listing: FolderListing = {
    ...folder.stats,
    listedAtMs,
    names: unchanged?.names ?? names,
    kinds: unchanged?.kinds ?? kinds,
    locations: unchanged?.locations ?? new Array<MemoryFileLocation | undefined>(entries.length),
  };
  listings?.keep(folder.path, listing);
  return listing;
}

function childPath(folderPath: string, name: string): string {
  return folderPath.endsWith(sep) ? `${folderPath}${name}` : `${folderPath}${sep}${name}`;
}

function childRelative(relativeFolder: string, name: string): string {
  return relativeFolder === '' ? name : `${relativeFolder}/${name}`;
}

function childFolder(parent: PendingFolder, name: string, stats: FolderStats, path = childPath(parent.path, name)): PendingFolder {
  return { path, underSpecs: childRelative(parent.underSpecs, name), underRoot: childRelative(parent.underRoot, name), stats };
}

function candidateAt(
  folder: PendingFolder,
  name: string,
  specFolder: string,
  locations: Array<MemoryFileLocation | undefined>,
  index: number,
): MemoryFileLocation {
  const known = locations[index];
  if (known !== undefined) return known;
  const location = { absolutePath: childPath(folder.path, name), relativePath: childRelative(folder.underRoot, name), specFolder };
  locations[index] = location;
  return location;
}

type LinkTarget =
  | { readonly kind: 'followed'; readonly isDirectory: boolean; readonly stats: FolderStats; readonly realPath: string }
  | { readonly kind: 'refused'; readonly isDirectory: boolean; readonly reason: UnreadableReason };

/** Where a link leads, and whether it may be followed. The target is stat'ed, never read or listed. */
function resolveLink(path: string, boundaries: readonly string[]): LinkTarget {
  let realPath: string;
  try {
    realPath = realpathSync(path);
  } catch (error) {
    const reason = reasonForError(error);
    // A loop may well have been meant as a folder: report it whatever the name.
    return { kind: 'refused', isDirectory: reason === 'symlink-loop', reason: reason === 'vanished' ? 'broken-symlink' : reason };
  }
  let isDirectory: boolean;
  let stats: FolderStats;
  try {
    const target = statSync(realPath);
    isDirectory = target.isDirectory();
    stats = { identity: `${target.dev}:${target.ino}`, mtimeMs: target.mtimeMs, ctimeMs: target.ctimeMs };
  } catch (error) {
    const reason = reasonForError(error);
    return { kind: 'refused', isDirectory: false, reason: reason === 'vanished' ? 'broken-symlink' : reason };
  }
  if (!boundaries.some((boundary) => realPath === boundary || realPath.startsWith(boundary + sep))) {
    return { kind: 'refused', isDirectory, reason: 'symlink-outside-workspace' };
  }
  return { kind: 'followed', isDirectory, stats, realPath };
}

/** The real paths a link may lead into: the workspace and the specs root (which may be elsewhere). */
function insideBoundaries(paths: WorkspacePaths): string[] {
  const boundaries = new Set<string>();
  for (const path of [paths.root, paths.specsRoot]) {
    boundaries.add(path);
    try {
      boundaries.add(realpathSync(path));
    } catch {
      // A missing root has no real path; the scan finds nothing there anyway.
    }
  }
  return [...boundaries];
}

function folderStats(path: string): FolderStats | undefined {
  try {
    const stats = statSync(path);
    return stats.isDirectory() ? { identity: `${stats.dev}:${stats.ino}`, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether anything (a file, a folder, a dangling link) is at `path`. */
function existsAtAll(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

function isAncestor(candidate: string, folder: string): boolean {
  let real: string;
  try {
    real = realpathSync(folder);
  } catch {
    return false;
  }
  return real === candidate || real.startsWith(candidate + sep);
}

function unreadableAt(relativePath: string, reason: UnreadableReason): MemoryFileListing {
  return { kind: 'unreadable', unreadable: { relativePath, reason } };
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
