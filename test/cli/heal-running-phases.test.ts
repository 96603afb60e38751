// heal tells a class which of its built-in actions will run (LiveClass.actions' `running`), so that an
// action starts no work ahead for a step that a configured command replaces. index-drift's repair
// begins its verify's SQLite checks ahead (background-checks.ts); the spy counts how often it does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useWorkspaceTemplate } from '../live/live-workspace.js';

vi.mock('../../src/live/background-checks.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/live/background-checks.js')>();
  return { ...original, beginIntegrityCheck: vi.fn(original.beginIntegrityCheck) };
});

const { beginIntegrityCheck } = await import('../../src/live/background-checks.js');
const { main } = await import('../../src/cli/main.js');
const { indexDriftClass } = await import('../../src/live/index-drift/index-drift-class.js');

const template = useWorkspaceTemplate({ memories: 30, seed: 13 });

afterEach(() => {
  vi.mocked(beginIntegrityCheck).mockClear();
});

async function healIndexDrift(config: object | undefined): Promise<{ code: number; out: string[] }> {
  const workspace = template.copy();
  await indexDriftClass.inject(workspace.context(), { kind: 'unindexed-file', count: 1, seed: 2 });
  const args = ['heal', 'index-drift', '--workspace', workspace.root, '--no-backup'];
  if (config !== undefined) {
    const file = join(workspace.root, 'opsheal.config.json');
    writeFileSync(file, JSON.stringify(config));
    args.push('--config', file);
  }
  const out: string[] = [];
  const code = await main('opsheal', args, { out: (line) => out.push(line), err: () => undefined, interactive: false }, { SOURCE_DATE_EPOCH: '1771761600' });
  return { code, out };
}

describe('heal and the phases a class runs', () => {
  it('the built-in repair begins its built-in verify\'s checks', async () => {
    const { code, out } = await healIndexDrift(undefined);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/step=rebuild-index outcome=success/);
    expect(beginIntegrityCheck).toHaveBeenCalledTimes(1);
  });

  it('the built-in repair begins nothing when a configured command verifies', async () => {
    const verify = { command: [process.execPath, '-e', 'process.exit(0)'] };
    const { code, out } = await healIndexDrift({ steps: { 'index-drift': { 'verify-parity': verify } } });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/step=rebuild-index outcome=success/);
    expect(out.join('\n')).toMatch(/step=verify-parity outcome=success/);
    expect(beginIntegrityCheck).not.toHaveBeenCalled();
  });
});
