// A heal's steps share a scan of the memory files until a repair, a failed attempt or a configured
// command ends its moment (src/cli/scan-moments.ts). Run in-process, with a spy on the listing that
// every scan that looks at the files begins with, and files changed between steps from the sink
// (which prints each step's line as it ends, before the next step starts).
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { useWorkspaceTemplate, type LiveWorkspace } from '../live/live-workspace.js';

vi.mock('../../src/workspace/memory-files.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/workspace/memory-files.js')>();
  return { ...original, listMemoryFiles: vi.fn(original.listMemoryFiles) };
});

const { listMemoryFiles } = await import('../../src/workspace/memory-files.js');
const { main } = await import('../../src/cli/main.js');
const { indexDriftClass } = await import('../../src/live/index-drift/index-drift-class.js');

const template = useWorkspaceTemplate({ memories: 30, seed: 21 });

/** A copy of the template with one memory file that has no index row; its path, relative to the workspace. */
async function withUnindexedFile(): Promise<{ workspace: LiveWorkspace; unindexed: string }> {
  const workspace = template.copy();
  const report = await indexDriftClass.inject(workspace.context(), { kind: 'unindexed-file', count: 1, seed: 3 });
  const unindexed = report.injected[0]?.path;
  if (unindexed === undefined) throw new Error('nothing injected');
  return { workspace, unindexed };
}

/** `heal` in this process, the listing spy cleared first; `onLine` sees each stdout line as it is printed. */
async function heal(workspace: LiveWorkspace, target: string, onLine: (line: string) => void = () => undefined): Promise<{ code: number; out: string[] }> {
  vi.mocked(listMemoryFiles).mockClear();
  const out: string[] = [];
  const sink = { out: (line: string) => { out.push(line); onLine(line); }, err: () => undefined, interactive: false };
  const code = await main('opsheal', ['heal', target, '--workspace', workspace.root, '--no-backup'], sink, { SOURCE_DATE_EPOCH: '1771761600' });
  return { code, out };
}

function indexedHash(workspace: LiveWorkspace, relativePath: string): string | undefined {
  const db = new Database(workspace.paths.db, { readonly: true });
  try {
    const rows = db.prepare('SELECT file_path, content_hash FROM memory_index').all() as Array<{ file_path: string; content_hash: string }>;
    return rows.find((row) => row.file_path === relativePath)?.content_hash;
  } finally {
    db.close();
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('heal and the moments its scans stand for', () => {
  it('looks at the files twice in a heal all that repairs index drift: for detect, and again after the repair', async () => {
    const { workspace } = await withUnindexedFile();
    const { code, out } = await heal(workspace, 'all');
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/class=index-drift step=verify-parity outcome=success/);
    expect(out.join('\n')).toMatch(/"event":"HEALTHY","failure_class":"session-ambiguity"/);
    // index-drift's detect (its repair plans from that scan), its verify (session-ambiguity's
    // detect judges that scan); ledger-mismatch and telemetry-drift read no memory files.
    expect(listMemoryFiles).toHaveBeenCalledTimes(2);
  });

  it('a file changed between detect and repair stops the repair before its first write, and the retry looks again', async () => {
    const { workspace, unindexed } = await withUnindexedFile();
    const file = join(workspace.root, unindexed);
    const { code, out } = await heal(workspace, 'index-drift', (line) => {
      if (/step=detect-divergence outcome=success/.test(line)) appendFileSync(file, '\nEdited after detect.\n');
    });
    expect(code).toBe(0);
    const lines = out.join('\n');
    expect(lines).toMatch(/step=rebuild-index outcome=retryable-failure/);
    expect(lines).toContain(`${unindexed} changed since it was read`);
    expect(lines).toMatch(/step=rebuild-index attempt=2\/3/);
    expect(lines).toMatch(/step=verify-parity outcome=success/);
    // The row carries what the file holds now, not what detect read.
    expect(indexedHash(workspace, unindexed)).toBe(sha256(readFileSync(file, 'utf8')));
  });

  it('after anyone else\'s commit to the index, the repair looks at the files again', async () => {
    const { workspace, unindexed } = await withUnindexedFile();
    const file = join(workspace.root, unindexed);
    const { code, out } = await heal(workspace, 'index-drift', (line) => {
      if (!/step=detect-divergence outcome=success/.test(line)) return;
      // The memory server at work: it writes a file, then commits to the index.
      appendFileSync(file, '\nEdited after detect.\n');
      const db = new Database(workspace.paths.db);
      try {
        db.exec('CREATE TABLE IF NOT EXISTS server_scratch (x INTEGER); INSERT INTO server_scratch VALUES (1)');
      } finally {
        db.close();
      }
    });
    expect(code).toBe(0);
    const lines = out.join('\n');
    expect(lines).not.toMatch(/retryable-failure/);
    expect(lines).toMatch(/step=rebuild-index outcome=success inserted=1/);
    expect(indexedHash(workspace, unindexed)).toBe(sha256(readFileSync(file, 'utf8')));
    // detect, the repair (anyone's commit ended the moment), the verify.
    expect(listMemoryFiles).toHaveBeenCalledTimes(3);
  });

  it('a verify that fails looks at the files again on its retry', async () => {
    const { workspace, unindexed } = await withUnindexedFile();
    const indexed = firstIndexedPath(workspace, unindexed);
    const file = join(workspace.root, indexed);
    const original = readFileSync(file);
    const { code, out } = await heal(workspace, 'index-drift', (line) => {
      // Stale once the repair has committed, as it was again once the verify has failed.
      if (/step=rebuild-index outcome=success/.test(line)) appendFileSync(file, '\nEdited after the repair.\n');
      if (/step=verify-parity outcome=retryable-failure/.test(line)) writeFileSync(file, original);
    });
    const lines = out.join('\n');
    expect(lines).toMatch(/step=verify-parity outcome=retryable-failure/);
    expect(lines).toMatch(/step=verify-parity attempt=2\/3/);
    expect(lines).toMatch(/step=verify-parity outcome=success/);
    expect(code).toBe(0);
  });
});

/** The workspace-relative path of the first indexed memory other than `other`. */
function firstIndexedPath(workspace: LiveWorkspace, other: string): string {
  const db = new Database(workspace.paths.db, { readonly: true });
  try {
    const rows = db.prepare('SELECT file_path FROM memory_index ORDER BY id').all() as Array<{ file_path: string }>;
    const row = rows.find((candidate) => candidate.file_path !== other);
    if (row === undefined) throw new Error('no indexed memory');
    return row.file_path;
  } finally {
    db.close();
  }
}
