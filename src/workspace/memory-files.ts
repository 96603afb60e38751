import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
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
 * A missing specs root yields nothing.
 */
export function* listMemoryFiles(paths: WorkspacePaths): Generator<MemoryFileListing> {
  const boundaries = insideBoundaries(paths);
  const visited = new Set<string>();
  const specsIdentity = folderIdentity(paths.specsRoot);
  if (specsIdentity === undefined) return;
  visited.add(specsIdentity);
  // Linked folders wait until every real folder is walked (see above); they may queue more.
  const linkedFolders: Array<{ readonly path: string; readonly parent: string; readonly identity: string; readonly realPath: string }> = [];
  const pending: string[] = [paths.specsRoot];
  while (pending.length > 0 || linkedFolders.length > 0) {
    let folder: string;
    if (pending.length > 0) {
      folder = pending.pop() as string;
    } else {
      const link = linkedFolders.shift() as (typeof linkedFolders)[number];
      // Decided only now, once every real folder has claimed its own identity.
      if (visited.has(link.identity)) {
        yield unreadableAt(paths, link.path, isAncestor(link.realPath, link.parent) ? 'symlink-loop' : 'symlink-duplicate');
        continue;
      }
      visited.add(link.identity);
      folder = link.path;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      const reason = reasonForError(error);
      // A folder that went away took its files with it before we saw them: nothing to report.
      if (reason !== 'vanished') yield unreadableAt(paths, folder, reason === 'not-a-file' ? 'unreadable' : reason);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const inMemoryFolder = isMemoryFolderPath(paths, folder);
    const subfolders: string[] = [];
    for (const entry of entries) {
      const path = join(folder, entry.name);
      const isCandidate = inMemoryFolder && entry.name.endsWith('.md') && entry.name.length > 3;
      if (entry.isSymbolicLink()) {
        const link = resolveLink(path, boundaries);
        if (link.kind === 'refused') {
          // A dangling or outside link matters when it stands for a memory or hides a folder.
          if (isCandidate || link.isDirectory) yield unreadableAt(paths, path, link.reason);
          continue;
        }
        if (link.isDirectory) {
          linkedFolders.push({ path, parent: folder, identity: link.identity, realPath: link.realPath });
          continue;
        }
        if (isCandidate) yield candidateAt(paths, path);
        continue;
      }
      if (entry.isDirectory()) {
        const identity = folderIdentity(path);
        if (identity === undefined || visited.has(identity)) continue;
        visited.add(identity);
        subfolders.push(path);
        continue;
      }
      if (isCandidate) yield entry.isFile() ? candidateAt(paths, path) : unreadableAt(paths, path, 'not-a-file');
    }
    // Reversed so that popping walks subfolders in name order.
    for (let index = subfolders.length - 1; index >= 0; index -= 1) pending.push(subfolders[index] as string);
  }
}

function candidateAt(paths: WorkspacePaths, absolutePath: string): MemoryFileListing {
  // Detached: path.relative returns a view into a longer path, which a record would keep alive.
  const relativePath = detachedString(workspaceRelative(paths, absolutePath));
  // Candidates are chosen by the same rule, so the fallback only guards against a change of rule.
  const specFolder = detachedString(specFolderOf(toSlashes(relative(paths.specsRoot, absolutePath))) ?? '');
  return { kind: 'location', location: { absolutePath, relativePath, specFolder } };
}

function isMemoryFolderPath(paths: WorkspacePaths, folder: string): boolean {
  if (!folder.endsWith(`${sep}memory`)) return false;
  const underSpecs = toSlashes(relative(paths.specsRoot, folder));
  // `memory` directly in the specs root has no spec folder above it.
  return underSpecs !== 'memory' && underSpecs.endsWith('/memory') && !underSpecs.startsWith('../');
}

type LinkTarget =
  | { readonly kind: 'followed'; readonly isDirectory: boolean; readonly identity: string; readonly realPath: string }
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
  let identity: string;
  try {
    const stats = statSync(realPath);
    isDirectory = stats.isDirectory();
    identity = `${stats.dev}:${stats.ino}`;
  } catch (error) {
    const reason = reasonForError(error);
    return { kind: 'refused', isDirectory: false, reason: reason === 'vanished' ? 'broken-symlink' : reason };
  }
  if (!boundaries.some((boundary) => realPath === boundary || realPath.startsWith(boundary + sep))) {
    return { kind: 'refused', isDirectory, reason: 'symlink-outside-workspace' };
  }
  return { kind: 'followed', isDirectory, identity, realPath };
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

function folderIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return stats.isDirectory() ? `${stats.dev}:${stats.ino}` : undefined;
  } catch {
    return undefined;
  }
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

function unreadableAt(paths: WorkspacePaths, absolutePath: string, reason: UnreadableReason): MemoryFileListing {
  return { kind: 'unreadable', unreadable: { relativePath: workspaceRelative(paths, absolutePath), reason } };
}

function workspaceRelative(paths: WorkspacePaths, absolutePath: string): string {
  return toSlashes(relative(paths.root, absolutePath));
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
