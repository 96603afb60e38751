import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/io/atomic-write.js';
import { useTemporaryFolders } from '../workspace/temporary-folder.js';

// Found by `npm run torture -- --full` (crash at any instant, killed in telemetry-drift's repair): a
// healer SIGKILLed between writing `telemetry/.README.md.<pid>.tmp` and renaming it over the docs
// left the temporary file behind for good; every such crash added one.
const temporaryFolder = useTemporaryFolders();

describe('killed docs write leaves its temporary file', () => {
  it('the next atomic write removes temporary files of writers that no longer run, and only those', () => {
    const folder = temporaryFolder();
    const docs = join(folder, 'README.md');
    writeFileSync(docs, 'old docs\n');
    // No process has this id (it is above Linux's largest pid_max); the parent of this test runs.
    const dead = '.README.md.99999999.tmp';
    const alive = `.README.md.${process.ppid}.tmp`;
    writeFileSync(join(folder, dead), 'half of the new docs');
    writeFileSync(join(folder, alive), 'a write in progress');
    writeFileSync(join(folder, '.other.md.99999999.tmp'), 'not ours');

    writeFileAtomically(docs, 'new docs\n');

    expect(readFileSync(docs, 'utf8')).toBe('new docs\n');
    expect(readdirSync(folder).sort()).toEqual(['.README.md.' + process.ppid + '.tmp', '.other.md.99999999.tmp', 'README.md'].sort());
  });
});
