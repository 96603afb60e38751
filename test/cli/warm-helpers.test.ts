// check and heal start the helper threads as soon as the command line is valid, when a class that
// scans the memory files will run and the workspace is large (warmHelpersForScan), so that a helper
// boots while the classes' code loads. The wiring is checked in-process with a spy; the size rule
// with a stand-in pool.
import { describe, expect, it, vi } from 'vitest';
import { useWorkspaceTemplate } from '../live/live-workspace.js';

vi.mock('../../src/cli/live-context.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/cli/live-context.js')>();
  return { ...original, warmHelpersForScan: vi.fn(() => undefined) };
});

const { warmHelpersForScan } = await import('../../src/cli/live-context.js');
const { main } = await import('../../src/cli/main.js');

const template = useWorkspaceTemplate({ memories: 20, seed: 5 });

/** Runs the command in-process and says how often it warmed the helpers. */
async function warmsFor(args: readonly string[]): Promise<{ code: number; warmed: number }> {
  vi.mocked(warmHelpersForScan).mockClear();
  const workspace = template.copy();
  const sink = { out: () => undefined, err: () => undefined, interactive: false };
  const code = await main('opsheal', [...args, '--workspace', workspace.root], sink, { SOURCE_DATE_EPOCH: '1771761600' });
  return { code, warmed: vi.mocked(warmHelpersForScan).mock.calls.length };
}

describe('warming the helpers for a scan', () => {
  it('check and heal of a class that scans the memory files warm them once', async () => {
    expect(await warmsFor(['check', 'all'])).toEqual({ code: 0, warmed: 1 });
    expect(await warmsFor(['check', 'session-ambiguity'])).toEqual({ code: 0, warmed: 1 });
    expect(await warmsFor(['heal', 'index-drift', '--no-backup'])).toEqual({ code: 0, warmed: 1 });
    expect(await warmsFor(['heal', 'all', '--dry-run'])).toEqual({ code: 0, warmed: 1 });
  });

  it('a command whose classes read no memory files does not', async () => {
    expect(await warmsFor(['check', 'ledger-mismatch'])).toEqual({ code: 0, warmed: 0 });
    expect(await warmsFor(['heal', 'telemetry-drift', '--no-backup'])).toEqual({ code: 0, warmed: 0 });
  });

  it('a usage error is met before anything is warmed', async () => {
    expect(await warmsFor(['check', 'all', '--limit', 'many'])).toEqual({ code: 2, warmed: 0 });
    expect(await warmsFor(['heal', 'all', '--max-attempts', '0'])).toEqual({ code: 2, warmed: 0 });
  });
});
