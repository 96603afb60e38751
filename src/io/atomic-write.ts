import { chmodSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `content` whole or not at all: the bytes go to a temporary file beside it,
 * which is then renamed over the target (atomic on one file system). Missing parent folders are
 * created. Throws on failure, after removing the temporary file. Temporary files that a writer
 * killed between its write and its rename left beside the target are removed first.
 *
 * A file that is there keeps what the rename would otherwise lose: a symbolic link is written
 * through (the file it leads to is replaced, beside itself, and the link stays a link, as an editor
 * would leave it), and the file's permission bits carry over (a doc kept private stays private).
 */
export function writeFileAtomically(path: string, content: string | Uint8Array): void {
  const target = existingTarget(path);
  const folder = dirname(target);
  mkdirSync(folder, { recursive: true });
  removeLeftoverTemporaries(target);
  const temporary = join(folder, temporaryName(basename(target), process.pid));
  try {
    writeFileSync(temporary, content);
    const mode = modeOf(target);
    if (mode !== undefined) chmodSync(temporary, mode);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Where `path` leads: itself, or for a symbolic link (to a file that is there) that file. */
function existingTarget(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

/** The permission bits of the file at `path`, or undefined when there is none. */
function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

function temporaryName(name: string, pid: number): string {
  return `.${name}.${pid}.tmp`;
}

/**
 * Removes `.<name>.<pid>.tmp` files beside `path` whose process no longer runs: what a writer
 * SIGKILLed between writing and renaming leaves behind. A live process's file is its write in
 * progress and is left alone. Never throws: tidying up must not stop the write.
 */
export function removeLeftoverTemporaries(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = name.slice(prefix.length, -'.tmp'.length);
    if (!/^[0-9]+$/.test(pid) || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    rmSync(join(dirname(path), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user. Only ESRCH says it is gone.
    return (error as { code?: unknown }).code !== 'ESRCH';
  }
}
