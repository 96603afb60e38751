import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';

// Found by `npm run torture -- --full` (hostile command lines, case 778): `opsheal demo --dir
// $'\e[2J'` printed the folder's name raw in its heading, so the escape sequence cleared the
// operator's terminal; `workspace generate` and `drill --live` printed paths the same way.
const made: string[] = [];
afterEach(() => {
  for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('folder name rewrites the terminal', () => {
  it('workspace generate shows control characters in the folder name as \\xNN', () => {
    const parent = mkdtempSync(join(tmpdir(), 'opsheal-regression-'));
    made.push(parent);
    const dir = join(parent, 'clear\u001b[2J\u009b31m');
    const result = runBin('opsheal', ['workspace', 'generate', dir, '--memories', '1']);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(result.stdout).toContain('clear\\x1b[2J\\x9b31m');
  });

  it('demo --dir shows control characters in the folder name as \\xNN', () => {
    const parent = mkdtempSync(join(tmpdir(), 'opsheal-regression-'));
    made.push(parent);
    const dir = join(parent, 'demo\u001b]0;pwned\u0007');
    const result = runBin('opsheal', ['demo', '--dir', dir, '--memories', '100']);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(result.stdout).toContain('demo\\x1b]0;pwned\\x07');
  });
});
