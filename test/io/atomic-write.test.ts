import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/io/atomic-write.js';

// Found by healing telemetry docs an operator had set up with care: a telemetry/README.md that was a
// link to docs/TELEMETRY.md became a file of its own (the published doc was never updated), and a
// doc kept at 0600 came back 0644. The temporary file renamed over the target had replaced both.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'opsheal-atomic-'));
  dirs.push(dir);
  return dir;
};

describe('writeFileAtomically', () => {
  it('writes through a symbolic link: the file it leads to is replaced, the link stays a link', () => {
    const dir = scratch();
    mkdirSync(join(dir, 'docs'));
    mkdirSync(join(dir, 'telemetry'));
    writeFileSync(join(dir, 'docs', 'TELEMETRY.md'), 'old\n');
    symlinkSync('../docs/TELEMETRY.md', join(dir, 'telemetry', 'README.md'));
    writeFileAtomically(join(dir, 'telemetry', 'README.md'), 'new\n');
    expect(lstatSync(join(dir, 'telemetry', 'README.md')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'docs', 'TELEMETRY.md'), 'utf8')).toBe('new\n');
    expect(readdirSync(join(dir, 'docs'))).toEqual(['TELEMETRY.md']);
  });

  it("keeps a file's permission bits, and gives a new file the usual ones", () => {
    const dir = scratch();
    const path = join(dir, 'README.md');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o600);
    writeFileAtomically(path, 'new\n');
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    const fresh = join(dir, 'new.md');
    writeFileAtomically(fresh, 'x');
    expect(statSync(fresh).mode & 0o7777).toBe(0o666 & ~process.umask());
  });
});
