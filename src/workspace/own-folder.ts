import { mkdirSync } from 'node:fs';

/**
 * Creates one of opsheal's own folders (`.opsheal/`, its `backups/`) with its parents, and says
 * whether `path` itself was made now (false: it was there already). Something else in its place (a
 * file where the folder or a parent belongs) is an error that names it, says what opsheal keeps
 * there and what to do, instead of a bare EEXIST or ENOTDIR.
 */
export function makeOwnFolder(path: string, keeps: string, remedy = 'move that file out of the way and run again'): boolean {
  try {
    // mkdirSync names the first folder it made, or nothing when `path` was there already.
    return mkdirSync(path, { recursive: true }) !== undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new Error(`${path} is not a folder: opsheal keeps ${keeps} there; ${remedy}`);
    // A symbolic link on the way that leads nowhere: not a file that vanished, which a retry might see back.
    if (code === 'ENOENT') throw new Error(`${path} cannot be made: a symbolic link on its way leads nowhere; opsheal keeps ${keeps} there; ${remedy}`);
    throw error;
  }
}
