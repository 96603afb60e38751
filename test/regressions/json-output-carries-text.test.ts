import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linesOf, runBin } from '../support/run-bin.js';

// Found by piping `demo --json` into a JSON reader: most of its stdout was the human transcript
// (headings, what was injected, the checks, the closing sentence), though its help promises the
// events and the summary as JSON lines; `drill --live --json` printed its injections there too
// (live-drill.test.ts). And the demo's closing advice printed a folder with a space unquoted, so
// the command could not be pasted as printed.
const scratch = mkdtempSync(join(tmpdir(), 'opsheal-demo-json-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('opsheal demo', () => {
  it('--json prints JSON lines alone on stdout, the transcript on stderr, and the kept workspace as an event', () => {
    const dir = join(scratch, 'json');
    const demo = runBin('opsheal', ['demo', '--memories', '100', '--dir', dir, '--json']);
    expect(demo.status).toBe(0);
    const events = linesOf(demo.stdout).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(events.filter((event) => event['event'] === 'SUMMARY')).toHaveLength(4);
    expect(events.at(-1)).toEqual({ event: 'WORKSPACE_KEPT', path: dir });
    expect(demo.stderr).toContain('== check all, after healing');
    expect(demo.stderr).toContain('index-drift: injected');
  });

  it('quotes a kept folder with a space in the command it suggests', () => {
    const dir = join(scratch, 'with space');
    const demo = runBin('opsheal', ['demo', '--memories', '100', '--dir', dir]);
    expect(demo.status).toBe(0);
    expect(linesOf(demo.stdout).at(-1)).toBe(`The workspace is kept at ${dir}: try opsheal check all --workspace '${dir}'`);
  });
});
