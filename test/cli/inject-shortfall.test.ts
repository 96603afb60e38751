// `inject` makes fewer faults of a kind than asked when the workspace runs out of what that kind
// needs (faults never share a memory, a trigger or an event). It used to do so without a word, and
// a kind could make none at all while the command exited 0; now each kind that fell short says so
// on stderr. stdout, the JSON of what was made, is unchanged.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { useWorkspaceTemplate } from '../live/live-workspace.js';

const template = useWorkspaceTemplate({ memories: 40, seed: 3 });

async function inject(args: readonly string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const workspace = template.copy();
  const out: string[] = [];
  const err: string[] = [];
  const sink = { out: (line: string) => void out.push(line), err: (line: string) => void err.push(line), interactive: false };
  const code = await main('opsheal', ['inject', ...args, '--workspace', workspace.root], sink, { SOURCE_DATE_EPOCH: '1771761600' });
  return { code, out, err };
}

const note = (failureClass: string, kind: string, made: number, asked: number): string =>
  `note: ${failureClass} ${kind}: made ${made} of ${asked}: nothing left in this workspace for more (faults never share a memory, a trigger or an event)`;

describe('inject says which kinds fell short', () => {
  it('names every kind that made fewer than --count, with what it made', async () => {
    const { code, out, err } = await inject(['index-drift', '--count', '25']);
    expect(code).toBe(0);
    const report = JSON.parse(out[0] as string) as { count: number; faults: Array<{ kind: string }> };
    // 40 memories: unindexed-file places 25 files beside 25 of them, deleted-file gets the other 15,
    // and the kinds after it find none left; orphaned vectors need no memory.
    expect(err).toEqual([
      note('index-drift', 'deleted-file', 15, 25),
      note('index-drift', 'edited-file', 0, 25),
      note('index-drift', 'deleted-row', 0, 25),
      note('index-drift', 'fts-out-of-step', 0, 25),
    ]);
    expect(report.count).toBe(25 + 15 + 25);
    expect(report.faults.filter((fault) => fault.kind === 'orphaned-vector')).toHaveLength(25);
  });

  it('says nothing when every kind made what was asked', async () => {
    const { code, err } = await inject(['all', '--count', '1']);
    expect(code).toBe(0);
    expect(err).toEqual([]);
  });

  it('counts a kind that can make only so many (two ledger triggers)', async () => {
    const { code, err } = await inject(['ledger-mismatch', '--kind', 'dropped-ledger-trigger', '--count', '3']);
    expect(code).toBe(0);
    expect(err).toEqual([note('ledger-mismatch', 'dropped-ledger-trigger', 2, 3)]);
  });
});
