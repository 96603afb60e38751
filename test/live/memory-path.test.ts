import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectPathStyle, locateRowPath, newRowPaths, storedPath } from '../../src/live/memory-path.js';

const ROOT = '/work/ws';

describe('locateRowPath', () => {
  it('reads a workspace-relative path as it is', () => {
    expect(locateRowPath('specs/001-a/memory/x.md', ROOT)).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
  });

  it('normalises ./ and inner .. segments of a relative path', () => {
    expect(locateRowPath('./specs/001-a/memory/x.md', ROOT)).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
    expect(locateRowPath('specs/002-b/../001-a/memory/x.md', ROOT)).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
  });

  it('reads an absolute path inside the workspace as relative to it', () => {
    expect(locateRowPath(`${ROOT}/specs/001-a/memory/x.md`, ROOT)).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
    expect(locateRowPath(`${ROOT}/specs/../specs/001-a/memory/x.md`, ROOT)).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
  });

  it('calls a path outside the workspace foreign: another checkout, a sibling with the same prefix, the root itself, ../', () => {
    expect(locateRowPath('/elsewhere/specs/001-a/memory/x.md', ROOT)).toEqual({ kind: 'foreign' });
    expect(locateRowPath(`${ROOT}-old/specs/001-a/memory/x.md`, ROOT)).toEqual({ kind: 'foreign' });
    expect(locateRowPath(`${ROOT}/../ws-copy/specs/x.md`, ROOT)).toEqual({ kind: 'foreign' });
    expect(locateRowPath(ROOT, ROOT)).toEqual({ kind: 'foreign' });
    expect(locateRowPath('../other/specs/001-a/memory/x.md', ROOT)).toEqual({ kind: 'foreign' });
    expect(locateRowPath('specs/../../other/x.md', ROOT)).toEqual({ kind: 'foreign' });
  });

  it('keeps a folder whose name starts with two dots inside the workspace (regression: ..name read as outside)', () => {
    expect(locateRowPath(`${ROOT}/..archive/specs/001-a/memory/x.md`, ROOT)).toEqual({ kind: 'inside', relativePath: '..archive/specs/001-a/memory/x.md' });
    expect(locateRowPath('..archive/specs/001-a/memory/x.md', ROOT)).toEqual({ kind: 'inside', relativePath: '..archive/specs/001-a/memory/x.md' });
  });

  it('reads an absolute path under the workspace\'s real path as inside when the workspace is named through a symlink', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsheal-path-'));
    try {
      mkdirSync(join(dir, 'real'));
      symlinkSync(join(dir, 'real'), join(dir, 'link'), 'dir');
      const real = realpathSync(join(dir, 'real'));
      expect(locateRowPath(`${real}/specs/001-a/memory/x.md`, join(dir, 'link'))).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
      expect(locateRowPath(`${join(dir, 'link')}/specs/001-a/memory/x.md`, join(dir, 'link'))).toEqual({ kind: 'inside', relativePath: 'specs/001-a/memory/x.md' });
      expect(newRowPaths([`${real}/specs/a/memory/x.md`], join(dir, 'link'))).toEqual({ style: 'absolute', root: real });
      expect(locateRowPath(`${dir}/other/specs/x.md`, join(dir, 'link'))).toEqual({ kind: 'foreign' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the same relative path for the absolute and the relative form of any path inside (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,10}$/).filter((name) => name !== '.' && name !== '..');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) => {
        const relativePath = segments.join('/');
        expect(locateRowPath(`${ROOT}/${relativePath}`, ROOT)).toEqual({ kind: 'inside', relativePath });
        expect(locateRowPath(relativePath, ROOT)).toEqual({ kind: 'inside', relativePath });
      }),
    );
  });
});

describe('detectPathStyle', () => {
  it('is relative for an empty table', () => {
    expect(detectPathStyle([], ROOT)).toBe('relative');
  });

  it('follows the first row inside the workspace', () => {
    expect(detectPathStyle([`${ROOT}/specs/a/memory/x.md`, 'specs/a/memory/y.md'], ROOT)).toBe('absolute');
    expect(detectPathStyle(['specs/a/memory/y.md', `${ROOT}/specs/a/memory/x.md`], ROOT)).toBe('relative');
  });

  it('skips foreign rows: another checkout\'s absolute path does not decide (regression: first row decided even when foreign)', () => {
    expect(detectPathStyle(['/elsewhere/specs/a/memory/x.md', 'specs/a/memory/y.md'], ROOT)).toBe('relative');
    expect(detectPathStyle(['../sibling/specs/a/memory/x.md', `${ROOT}/specs/a/memory/y.md`], ROOT)).toBe('absolute');
  });

  it('is relative when every row is foreign', () => {
    expect(detectPathStyle(['/elsewhere/specs/a/memory/x.md'], ROOT)).toBe('relative');
  });
});

describe('newRowPaths and storedPath', () => {
  it('writes new rows relative, or absolute under the root the table\'s first inside row uses', () => {
    expect(storedPath('specs/a/memory/n.md', newRowPaths(['specs/a/memory/x.md'], ROOT))).toBe('specs/a/memory/n.md');
    expect(storedPath('specs/a/memory/n.md', newRowPaths(['/elsewhere/x.md', `${ROOT}/specs/a/memory/x.md`], ROOT))).toBe(`${ROOT}/specs/a/memory/n.md`);
    expect(storedPath('specs/a/memory/n.md', newRowPaths([], ROOT))).toBe('specs/a/memory/n.md');
  });
});
