import { isAbsolute, posix, relative, sep } from 'node:path';

/** Where a `memory_index.file_path` points, relative to the workspace. */
export type RowLocation =
  | { readonly kind: 'inside'; readonly relativePath: string }
  /** Outside the workspace: another checkout's memory. Counted as foreign and never deleted. */
  | { readonly kind: 'foreign' };

/**
 * Reads a stored `file_path` (absolute, the server's habit, or workspace-relative) as a
 * workspace-relative `/`-separated path, so rows match files whichever form the table uses.
 */
export function locateRowPath(filePath: string, workspaceRoot: string): RowLocation {
  if (isAbsolute(filePath)) {
    const rel = relative(workspaceRoot, filePath);
    // `..` as a whole segment leaves the workspace; `..archive/` is a folder inside it.
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { kind: 'foreign' };
    return { kind: 'inside', relativePath: rel.split(sep).join('/') };
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
  for (const filePath of filePaths) {
    if (locateRowPath(filePath, workspaceRoot).kind === 'inside') return isAbsolute(filePath) ? 'absolute' : 'relative';
  }
  return 'relative';
}
