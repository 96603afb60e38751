import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';
import { hashMemoryFiles, indexRows, ledgerRows, useWorkspaceTemplate, withDatabase, type LiveWorkspace } from '../live/live-workspace.js';

// Found by trying paths an operator's index really holds. The memory server also indexes spec
// documents, READMEs and constitutional rules; opsheal called each such row orphaned. Where the file
// was there, the repair kept the row (the file "came back") and the verify failed, so every heal
// escalated for ever; where it was not, the row was deleted though it was never a memory's. A row
// whose memory path now holds a folder was kept the same way. And a healthy session-ambiguity's
// --dry-run planned a change that the heal never made.
const template = useWorkspaceTemplate({ memories: 60, seed: 17 });

/** Adds rows at the given workspace-relative or absolute paths, with files where `withFile` says. */
function addRows(workspace: LiveWorkspace, paths: ReadonlyArray<{ path: string; withFile: boolean }>): void {
  for (const { path, withFile } of paths) {
    if (!withFile) continue;
    const absolute = path.startsWith('/') ? path : join(workspace.root, path);
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, '# Not a memory\n');
  }
  withDatabase(workspace.paths.db, (db) => {
    const insert = db.prepare(
      `INSERT INTO memory_index (spec_folder, file_path, content_hash, embedding_status, created_at, updated_at) VALUES ('001', ?, 'h', 'pending', 'c', 'u')`,
    );
    for (const { path } of paths) insert.run(path);
  });
}

describe('rows the server keeps for files that are not memory files', () => {
  it('are neither orphaned nor deleted, whether their file is there or not: check says so in a note and a heal converges', () => {
    const workspace = template.copy();
    const specFolder = indexRows(workspace.paths.db)[0]?.['spec_folder'] as string;
    addRows(workspace, [
      { path: `specs/${specFolder}/spec.md`, withFile: true },
      { path: 'README.md', withFile: true },
      { path: join(workspace.root, '.opencode/skill/system-spec-kit/constitutional/gate.md'), withFile: true },
      { path: '.opencode/skill/system-spec-kit/constitutional/retired.md', withFile: false },
      { path: `specs/${specFolder}/memory/sub/deeper.md`, withFile: true },
      { path: `specs/${specFolder}/memory/UPPER.MD`, withFile: true },
    ]);
    const rows = indexRows(workspace.paths.db);
    const ledger = ledgerRows(workspace.paths.db);
    const files = hashMemoryFiles(workspace.root);

    const check = runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]);
    expect(check.stdout).toContain('index-drift: healthy');
    expect(check.stdout).toContain('note: 6 rows index files that are not memory files (spec documents, READMEs, constitutional rules): not judged and left alone');
    expect(check.status).toBe(0);
    const plan = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root, '--dry-run']);
    expect(plan.stdout).toContain('PLAN | class=index-drift changes=0 needs_decision=0');
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.status).toBe(0);
    expect(heal.stdout).toContain('"event":"HEALTHY"');
    expect(indexRows(workspace.paths.db)).toEqual(rows);
    expect(ledgerRows(workspace.paths.db)).toEqual(ledger);
    expect(hashMemoryFiles(workspace.root)).toEqual(files);
  });

  it('a memory row whose path now holds a folder is orphaned and deleted, and the next heal finds nothing', () => {
    const workspace = template.copy();
    const row = indexRows(workspace.paths.db)[3] as Record<string, unknown>;
    const path = join(workspace.root, row['file_path'] as string);
    rmSync(path);
    mkdirSync(path);
    const heal = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(heal.stdout).toContain('deleted=1');
    expect(heal.stdout).not.toContain('skipped=');
    expect(heal.status).toBe(0);
    expect(indexRows(workspace.paths.db).map((r) => r['id'])).not.toContain(row['id']);
    const again = runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]);
    expect(linesOf(again.stdout).at(-1)).toContain('"event":"HEALTHY"');
  });
});

describe('--dry-run of a class whose detect finds nothing', () => {
  it('plans no change, as the heal makes none', () => {
    const workspace = template.copy();
    expect(runBin('opsheal', ['check', 'session-ambiguity', '--workspace', workspace.root]).status).toBe(0);
    const plan = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root, '--dry-run']);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('PLAN | class=session-ambiguity changes=0 needs_decision=0');
    expect(plan.stdout).not.toContain('CHANGE');
    const heal = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root]);
    expect(linesOf(heal.stdout).at(-1)).toContain('"event":"HEALTHY"');
  });
});

describe('a specs root set to the wrong folder', () => {
  it('says that rows name memory files outside it, instead of calling them spec documents and READMEs', () => {
    const workspace = template.copy();
    const rows = indexRows(workspace.paths.db);
    // One spec folder as the specs root: its memories have no spec folder above them there.
    const folder = String(rows[0]?.['spec_folder']);
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ specsRoot: `specs/${folder}` }));
    const check = runBin('opsheal', ['check', 'index-drift', '--workspace', workspace.root]);
    expect(check.stdout).toContain(
      `note: ${rows.length} rows name memory files outside the specs root (specs/${folder}): not judged and left alone; if the specs root is set to the wrong folder (the config's specsRoot), put it right`,
    );
    expect(check.stdout).not.toContain('spec documents, READMEs');
  });
});
