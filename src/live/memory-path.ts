import { realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';

/** Where a `memory_index.file_path` points, relative to the workspace. */
export type RowLocation =
  | { readonly kind: 'inside'; readonly relativePath: string }
  /** Outside the workspace: another checkout's memory. Counted as foreign and never deleted. */
  | { readonly kind: 'foreign' };

/**
 * Reads a stored `file_path` (absolute, the server's habit, or workspace-relative) as a
 * workspace-relative `/`-separated path, so rows match files whichever form the table uses. An
 * absolute path may name the workspace as given or by its real path (`/tmp` is `/private/tmp` on
 * macOS, and the server stores what its working folder resolved to).
 */
export function locateRowPath(filePath: string, workspaceRoot: string): RowLocation {
  // The common case, 100,000 times a check: a path already in normal form, relative or under the
  // root as given, which the general rules below would return as it is.
  if (sep === '/') {
    if (filePath.charCodeAt(0) !== 47 /* / */) {
      if (isNormalRelative(filePath)) return { kind: 'inside', relativePath: filePath };
    } else if (workspaceRoot.length > 1 && filePath.startsWith(workspaceRoot) && filePath.charCodeAt(workspaceRoot.length) === 47 && !workspaceRoot.endsWith('/')) {
      const rest = filePath.slice(workspaceRoot.length + 1);
      if (isNormalRelative(rest) && !rest.endsWith('/')) return { kind: 'inside', relativePath: rest };
    }
  }
  if (isAbsolute(filePath)) {
    for (const root of rootForms(workspaceRoot)) {
      const relativePath = insideRelativePath(root, filePath);
      if (relativePath !== undefined) return { kind: 'inside', relativePath };
    }
    return { kind: 'foreign' };
  }
  const normalised = posix.normalize(filePath.split(sep).join('/')).replace(/^\.\//, '');
  if (normalised === '..' || normalised.startsWith('../')) return { kind: 'foreign' };
  return { kind: 'inside', relativePath: normalised };
}

/** The form new rows take: absolute when the table already stores absolute paths, else relative. */
export type PathStyle = 'absolute' | 'relative';

/**
 * The style the table uses: the first row inside the workspace decides (a foreign row, another
 * checkout's, says nothing about this one's habit); relative when there is none.
 */
export function detectPathStyle(filePaths: Iterable<string>, workspaceRoot: string): PathStyle {
  return newRowPaths(filePaths, workspaceRoot).style;
}

/** How a repair writes the `file_path` of a new row: its style, and for absolute paths the root they start with. */
export interface NewRowPaths {
  readonly style: PathStyle;
  /** The workspace root in the form the table's paths use (as given, or its real path). */
  readonly root: string;
}

/** The path form of the first row inside the workspace; relative, under the given root, when there is none. */
export function newRowPaths(filePaths: Iterable<string>, workspaceRoot: string): NewRowPaths {
  for (const filePath of filePaths) {
    if (!isAbsolute(filePath)) {
      if (locateRowPath(filePath, workspaceRoot).kind === 'inside') return { style: 'relative', root: workspaceRoot };
      continue;
    }
    const root = rootForms(workspaceRoot).find((form) => insideRelativePath(form, filePath) !== undefined);
    if (root !== undefined) return { style: 'absolute', root };
  }
  return { style: 'relative', root: workspaceRoot };
}

/** The absolute path a new row stores for a workspace-relative file. */
export function storedPath(relativePath: string, paths: NewRowPaths): string {
  return paths.style === 'absolute' ? join(paths.root, relativePath) : relativePath;
}

/** A non-empty `/`-separated relative path with no empty, `.` or `..` segment (normalising would not change it). */
function isNormalRelative(path: string): boolean {
  if (path === '' || path.charCodeAt(0) === 47 || path.includes('//')) return false;
  if (path === '.' || path === '..' || path.startsWith('./') || path.startsWith('../')) return false;
  return !path.includes('/./') && !path.includes('/../') && !path.endsWith('/.') && !path.endsWith('/..');
}

function insideRelativePath(root: string, filePath: string): string | undefined {
  const rel = relative(root, filePath);
  // `..` as a whole segment leaves the workspace; `..archive/` is a folder inside it.
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

const realRoots = new Map<string, string>();

/** The root as given and, when it differs, its real path (resolved once per process). */
function rootForms(workspaceRoot: string): readonly string[] {
  let real = realRoots.get(workspaceRoot);
  if (real === undefined) {
    try {
      real = realpathSync.native(workspaceRoot);
    } catch {
      real = workspaceRoot;
    }
    realRoots.set(workspaceRoot, real);
  }
  return real === workspaceRoot ? [workspaceRoot] : [workspaceRoot, real];
}
