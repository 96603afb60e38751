import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';
import { useTemporaryFolders } from '../workspace/temporary-folder.js';

// A file named `.opsheal` (or `.opsheal/backups`) where opsheal keeps its lock and backups made a
// repair escalate with Node's bare "EEXIST: file already exists, mkdir …", which says nothing about
// what to do. It escalates as before (nothing can be repaired safely without the lock), saying why.
const temporaryFolder = useTemporaryFolders();

describe('state folder is a file', () => {
  /** A small workspace with one row deleted: something for index-drift's repair to do. */
  function copy(): string {
    const root = join(temporaryFolder(), 'workspace');
    expect(runBin('opsheal', ['workspace', 'generate', root, '--memories', '30']).status).toBe(0);
    expect(runBin('opsheal', ['inject', 'index-drift', '--workspace', root, '--kind', 'deleted-row']).status).toBe(0);
    return root;
  }

  it('.opsheal is a file: the repair escalates naming it and saying what to do, and leaves it alone', () => {
    const root = copy();
    writeFileSync(join(root, '.opsheal'), 'not a folder\n');
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', root]);
    expect(heal.status).toBe(1);
    expect(heal.stdout).toContain(`error="${join(root, '.opsheal')} is not a folder: opsheal keeps its repair lock and backups there; move that file out of the way and run again"`);
    expect(heal.stdout).not.toContain('EEXIST');
    expect(readFileSync(join(root, '.opsheal'), 'utf8')).toBe('not a folder\n');
    // Once it is moved, the heal goes through.
    rmSync(join(root, '.opsheal'));
    expect(runBin('opsheal', ['heal', 'index-drift', '--workspace', root]).status).toBe(0);
  });

  it('.opsheal/backups is a file: the repair escalates naming it; --no-backup goes through', () => {
    const root = copy();
    mkdirSync(join(root, '.opsheal'));
    writeFileSync(join(root, '.opsheal', 'backups'), '');
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', root]);
    expect(heal.status).toBe(1);
    expect(heal.stdout).toContain(`${join(root, '.opsheal', 'backups')} is not a folder: opsheal keeps its backups there`);
    expect(runBin('opsheal', ['heal', 'index-drift', '--workspace', root, '--no-backup']).status).toBe(0);
  });
});
