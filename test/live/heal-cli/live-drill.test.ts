import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../../src/catalog/failure-classes.js';
import { linesOf, runBin } from '../../support/run-bin.js';
import { hashFiles, useWorkspaceTemplate } from '../live-workspace.js';

const template = useWorkspaceTemplate({ memories: 250, seed: 11 });

/** The JSON objects an output holds, by their `event`. */
function events(stdout: string, event: string): Array<Record<string, unknown>> {
  return linesOf(stdout)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((object) => object['event'] === event);
}

describe('opsheal drill --live', () => {
  it('leaves the original workspace byte-identical, files and database, and creates nothing there', () => {
    const workspace = template.copy();
    const before = hashFiles(workspace.root);
    const result = runBin('opsheal', ['drill', 'all', '--live', '--workspace', workspace.root, '--seed', '5', '--json']);
    // With --json, stdout is JSON lines alone (regression: what was injected was printed there as
    // text); the injections are told on stderr.
    for (const text of linesOf(result.stdout)) expect(() => JSON.parse(text), text).not.toThrow();
    expect(linesOf(result.stderr).map((text) => text.replace(/: injected .*/, ''))).toEqual(FAILURE_CLASSES.map((failureClass) => failureClass.id));
    expect([0, 1]).toContain(result.status);
    expect(hashFiles(workspace.root)).toEqual(before);
  });

  it('reports the same findings as inject + check on a copy, for the same seed', () => {
    const drilled = template.copy();
    const drill = runBin('opsheal', ['drill', 'all', '--live', '--workspace', drilled.root, '--seed', '9', '--json']);
    const summary = new Map(events(drill.stdout, 'SUMMARY').map((row) => [row['failure_class'], row]));
    expect([...summary.keys()]).toEqual(FAILURE_CLASSES.map((failureClass) => failureClass.id));

    const copy = template.copy();
    // The drill injects one fault of every kind, class by class, never two on one memory: as one `inject all` does.
    const injected = new Map<string, number>();
    const inject = runBin('opsheal', ['inject', 'all', '--workspace', copy.root, '--seed', '9']);
    expect(inject.status).toBe(0);
    for (const report of events(inject.stdout, 'INJECTED')) injected.set(report['failure_class'] as string, report['count'] as number);
    const check = runBin('opsheal', ['check', 'all', '--workspace', copy.root, '--json']);
    const found = new Map(linesOf(check.stdout).map((line) => JSON.parse(line) as Record<string, unknown>).map((report) => [report['class'], (report['findings'] as unknown[]).length]));

    for (const [failureClass, row] of summary) {
      expect(row['injected'], failureClass as string).toBe(injected.get(failureClass as string));
      expect(row['found'], failureClass as string).toBe(found.get(failureClass));
      expect(row['injected'], failureClass as string).toBe(row['found']);
    }
  });

  it('recovers index-drift on the copy, one fault of each of its six kinds, and exits 0 when every class recovered', () => {
    const workspace = template.copy();
    const result = runBin('opsheal', ['drill', 'index-drift', '--live', '--workspace', workspace.root]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"event":"RECOVERY_COMPLETE","failure_class":"index-drift"');
    expect(result.stdout).toMatch(/index-drift\s+6\s+6\s+6\s+0\s+recovered/);
  });

  it('keeps a sandbox on which the commands it printed work as printed, whatever the layout', () => {
    // The sandbox keeps its database at index.sqlite: without a config of its own there, the
    // `command=` of every step (`--workspace SANDBOX`) looked for it where a workspace keeps it.
    const workspace = template.copy();
    mkdirSync(join(workspace.root, 'data'));
    renameSync(workspace.paths.db, join(workspace.root, 'data', 'index.db'));
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ db: 'data/index.db', thresholds: { misrouteRate: 0.5 } }));
    const drill = runBin('opsheal', ['drill', 'all', '--live', '--workspace', workspace.root, '--keep', '--sample-size', '40', '--json']);
    const [kept] = events(drill.stdout, 'SANDBOX_KEPT');
    const sandbox = String(kept?.['path']);
    try {
      const commands = new Set(
        linesOf(drill.stdout)
          .filter((line) => line.startsWith('{"level":"ACTION"'))
          .map((line) => String((JSON.parse(line) as Record<string, unknown>)['command'])),
      );
      expect(commands.size).toBe(2 * FAILURE_CLASSES.length);
      for (const command of commands) expect(command).toMatch(new RegExp(`^opsheal (check|heal) [a-z-]+ --workspace ${sandbox} --sample-size 40$`));
      for (const failureClass of FAILURE_CLASSES) {
        const check = runBin('opsheal', ['check', failureClass.id, '--workspace', sandbox, '--sample-size', '40', '--json']);
        expect(check.stderr, failureClass.id).toBe('');
        const [report] = linesOf(check.stdout).map((line) => JSON.parse(line) as { healthy: boolean; metrics: Record<string, unknown> });
        // The drill healed these two on the copy; the rerun finds the copy's database and says so.
        if (failureClass.id === 'index-drift' || failureClass.id === 'ledger-mismatch') expect(report?.healthy, failureClass.id).toBe(true);
        if (failureClass.id === 'index-drift') expect(report?.metrics['rows']).toBeGreaterThan(240);
        // The workspace's own threshold came with it: the session sample still within policy.
        if (failureClass.id === 'session-ambiguity') expect(report?.metrics['threshold']).toBe(0.5);
      }
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  });

  it('is a usage error under runbook, which keeps the shell helper\'s grammar', () => {
    const result = runBin('runbook', ['drill', 'index-drift', '--live']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('ERROR: Unknown option: --live\n');
  });
});

describe('opsheal demo', () => {
  it('shows recoveries and escalations and ends with the summary table', () => {
    const result = runBin('opsheal', ['demo', '--memories', '300', '--seed', '2']);
    expect(result.status).toBe(0);
    const lines = linesOf(result.stdout);
    const table = lines.slice(lines.indexOf('== summary') + 1);
    expect(table[0]).toMatch(/^class\s+injected\s+found\s+repaired\s+escalated\s+outcome\s+time$/);
    expect(table.find((line) => line.startsWith('index-drift'))).toMatch(/recovered/);
    expect(table.find((line) => line.startsWith('ledger-mismatch'))).toMatch(/recovered/);
    expect(table.find((line) => line.startsWith('telemetry-drift'))).toMatch(/escalated/);
    expect(result.stdout).toContain('"event":"ESCALATION","failure_class":"telemetry-drift"');
  });

  it('makes its copy writable by its owner when the workspace is read-only, so the faults can be made and the copy removed', () => {
    // Found by running it as a user who may only read the workspace: the copy kept the read-only
    // modes, so deleting a memory file in it failed (EACCES), and so did removing the sandbox.
    const workspace = template.copy();
    const setModes = (path: string, folder: number, file: number): void => {
      chmodSync(path, folder);
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        if (entry.isDirectory()) setModes(join(path, entry.name), folder, file);
        else chmodSync(join(path, entry.name), file);
      }
    };
    setModes(join(workspace.root, 'specs'), 0o555, 0o444);
    try {
      const drill = runBin('opsheal', ['drill', 'index-drift', '--live', '--workspace', workspace.root, '--keep', '--json']);
      const [kept] = events(drill.stdout, 'SANDBOX_KEPT');
      const sandbox = String(kept?.['path']);
      try {
        const memoryFolder = String(foldersUnder(join(sandbox, 'specs')).find((path) => path.endsWith('/memory')));
        expect(statSync(memoryFolder).mode & 0o200).toBe(0o200);
        expect(statSync(join(memoryFolder, readdirSync(memoryFolder)[0] as string)).mode & 0o200).toBe(0o200);
        expect(drill.status).toBe(0);
      } finally {
        rmSync(sandbox, { recursive: true, force: true });
      }
    } finally {
      setModes(join(workspace.root, 'specs'), 0o755, 0o644);
    }
  });
});

/** `root` and every folder under it. */
function foldersUnder(root: string): string[] {
  return [root, ...readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory()).flatMap((entry) => foldersUnder(join(root, entry.name)))];
}
