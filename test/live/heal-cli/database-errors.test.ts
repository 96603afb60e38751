import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, runBin, type BinResult } from '../../support/run-bin.js';
import { useWorkspaceTemplate, type LiveWorkspace } from '../live-workspace.js';

// Apart from heal-cli.test.ts so that these slow runs (each waits out SQLite's busy timeout twice)
// overlap with the rest of the suite.
const template = useWorkspaceTemplate({ memories: 150, seed: 4 });

function opsheal(args: readonly string[]): BinResult {
  return runBin('opsheal', args);
}

function on(workspace: LiveWorkspace, ...args: string[]): string[] {
  return [...args, '--workspace', workspace.root];
}

/** The stale count `check index-drift --json` reports. */
function staleCount(workspace: LiveWorkspace): number {
  const report = JSON.parse(linesOf(opsheal(on(workspace, 'check', 'index-drift', '--json')).stdout)[0] as string) as { counts: Record<string, number> };
  return report.counts['stale'] ?? 0;
}

describe('heal on a database it cannot use', () => {
  it('treats a database another writer holds as a retryable failure: WARN lines, then escalation after the bounded retries', () => {
    const workspace = template.copy();
    expect(opsheal(on(workspace, 'inject', 'index-drift', '--kind', 'edited-file')).status).toBe(0);
    const holder = new Database(workspace.paths.db);
    let heal: BinResult;
    try {
      holder.exec('BEGIN EXCLUSIVE');
      heal = opsheal(on(workspace, 'heal', 'index-drift', '--max-attempts', '2'));
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
    expect(heal.status).toBe(1);
    const lines = linesOf(heal.stdout);
    const warnings = lines.filter((line) => line.includes('| WARN |'));
    expect(warnings).toHaveLength(2);
    for (const line of warnings) expect(line).toMatch(/step=rebuild-index outcome=retryable-failure error=".*(busy|locked).*"/);
    const payload = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    expect(payload).toMatchObject({ event: 'ESCALATION', failure_class: 'index-drift', step: 'rebuild-index', attempts: 2, reason: 'bounded-retry-exhausted' });
    // Nothing was half-applied, and once the writer is gone the same heal converges.
    expect(staleCount(workspace)).toBe(1);
    const retry = opsheal(on(workspace, 'heal', 'index-drift'));
    expect(retry.status, retry.stdout).toBe(0);
  });

  it('treats a database locked against readers (rollback journal) as retryable at detect', () => {
    const workspace = template.copy();
    const holder = new Database(workspace.paths.db);
    let heal: BinResult;
    try {
      holder.pragma('journal_mode = DELETE');
      holder.exec('BEGIN EXCLUSIVE');
      holder.exec(`UPDATE memory_index SET title = title WHERE id = 1`);
      heal = opsheal(on(workspace, 'heal', 'index-drift', '--max-attempts', '2'));
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
    expect(heal.status).toBe(1);
    const lines = linesOf(heal.stdout);
    expect(lines.filter((line) => line.includes('| WARN |') && line.includes('step=detect-divergence outcome=retryable-failure'))).toHaveLength(2);
    expect(JSON.parse(lines[lines.length - 1] as string)).toMatchObject({ step: 'detect-divergence', attempts: 2, reason: 'bounded-retry-exhausted' });
  });

  it('escalates at once, after one attempt, when --db names a file that is not a database', () => {
    const workspace = template.copy();
    const garbage = join(workspace.root, 'not-a-database.sqlite');
    writeFileSync(garbage, 'this is not SQLite, just some text that is long enough to look like a header '.repeat(20));
    const heal = opsheal(on(workspace, 'heal', 'index-drift', '--db', garbage));
    expect(heal.status).toBe(1);
    const lines = linesOf(heal.stdout);
    expect(lines.filter((line) => line.includes('| ACTION |'))).toHaveLength(1);
    expect(lines.some((line) => line.includes('| ERROR |') && line.includes('step=detect-divergence outcome=non-retryable-failure'))).toBe(true);
    const payload = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    expect(payload).toMatchObject({ event: 'ESCALATION', step: 'detect-divergence', attempts: 1, reason: 'non-retryable-error' });
    expect(String(payload['error'])).toMatch(/not a database/);
  });
});
