import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_EPOCH } from '../support/contract-tables.js';
import { ROOT } from '../support/run-bin.js';

// Found by sending output to a full disk (/dev/full): every command died with a Node stack trace
// from the stdout error listener, and exit 1. Now one ERROR line says the output is lost, the run
// goes on, and it cannot end 0 (its record is gone); a closed pipe stays no error of ours.
describe.runIf(existsSync('/dev/full'))('stdout on a full disk', () => {
  for (const [name, args] of [
    ['runbook', ['list']],
    ['heal-index-drift', []],
    ['opsheal', ['drill', 'all']],
  ] as const) {
    it(`${name} ${args.join(' ')}: one ERROR line, no stack trace, exit 1`, () => {
      const full = openSync('/dev/full', 'w');
      try {
        const result = spawnSync(process.execPath, [join(ROOT, 'bin', name), ...args], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, SOURCE_DATE_EPOCH: CONTRACT_EPOCH },
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
        });
        expect(result.stderr).toBe('ERROR: cannot write to stdout: ENOSPC: no space left on device, write; the output from here on is lost\n');
        expect(result.status).toBe(1);
      } finally {
        closeSync(full);
      }
    });
  }
});
