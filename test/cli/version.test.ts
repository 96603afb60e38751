import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('opsheal --version', () => {
  it.each([['--version'], ['version']])('%s prints the package version and exits 0', (word) => {
    expect(runBin('opsheal', [word])).toMatchObject({ status: 0, stdout: `opsheal ${version}\n`, stderr: '' });
  });

  it('is listed in the help', () => {
    expect(runBin('opsheal', ['--help']).stdout).toMatch(/^ {2}version, --version +print opsheal's version$/m);
  });

  it('takes nothing after it', () => {
    expect(runBin('opsheal', ['--version', '--json'])).toMatchObject({ status: 2, stdout: '', stderr: 'ERROR: Unknown option: --json\n' });
  });

  it('is an unknown command under runbook, which keeps the shell helper grammar', () => {
    expect(runBin('runbook', ['--version'])).toMatchObject({ status: 2, stderr: 'ERROR: Unknown command: --version\n' });
  });
});
