import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { displayValue } from '../../src/cli/display-value.js';
import { runBin } from '../support/run-bin.js';

// Found on review: `workspace generate` and `demo --dir` given a folder that is not empty, named
// with an escape sequence, printed the name raw in their error, so it reached the operator's
// terminal (the regression test for folder names looked at stdout only). And `demo` printed its
// first heading and exited 1 where `workspace generate` exited 2: a wrong folder is a usage error,
// met before anything is printed or made. Every ERROR line is now shown with control characters as
// \xNN, whatever made the message.
const made: string[] = [];
afterEach(() => {
  for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A folder named with control characters, holding one file. */
function occupiedFolder(): string {
  const parent = mkdtempSync(join(tmpdir(), 'opsheal-regression-'));
  made.push(parent);
  const dir = join(parent, 'taken\u001b[2J\u009b31m');
  mkdirSync(dir);
  writeFileSync(join(dir, 'keep.txt'), 'mine\n');
  return dir;
}

describe('a folder that is not empty', () => {
  it('workspace generate refuses it with exit 2, its name shown as \\xNN, nothing written', () => {
    const dir = occupiedFolder();
    const result = runBin('opsheal', ['workspace', 'generate', dir, '--memories', '1']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`ERROR: cannot generate a workspace in ${displayValue(dir)}: the folder is not empty (give a new or empty folder)\n`);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('demo --dir refuses it the same way, before printing anything', () => {
    const dir = occupiedFolder();
    const result = runBin('opsheal', ['demo', '--dir', dir, '--memories', '100']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `ERROR: cannot generate a workspace in ${displayValue(dir)}: the folder is not empty (give a new or empty folder, or leave out --dir for a temporary one)\n`,
    );
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('demo --dir naming a file refuses it with exit 2', () => {
    const parent = mkdtempSync(join(tmpdir(), 'opsheal-regression-'));
    made.push(parent);
    const file = join(parent, 'a-file');
    writeFileSync(file, 'not a folder\n');
    const result = runBin('opsheal', ['demo', '--dir', file, '--memories', '100']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERROR: cannot generate a workspace at .*a-file: it exists and is not a folder \(give a new or empty folder, or leave out --dir for a temporary one\)\n$/);
  });
});
