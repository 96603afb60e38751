// `workspace generate --json` is for scripts: one JSON object on stdout saying what was made and
// where, and nothing else there (the text form's lines, the progress, go elsewhere or not at all).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const made: string[] = [];
afterEach(() => {
  for (const folder of made.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('workspace generate --json', () => {
  it('prints one GENERATED object naming the workspace, its database and what it holds', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'opsheal-generate-json-'));
    made.push(parent);
    const dir = join(parent, 'sample');
    const out: string[] = [];
    const sink = { out: (line: string) => void out.push(line), err: () => undefined, interactive: false };
    const code = await main('opsheal', ['workspace', 'generate', dir, '--memories', '7', '--seed', '3', '--json'], sink, { SOURCE_DATE_EPOCH: '1771761600' });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0] as string) as Record<string, unknown>;
    expect(report).toMatchObject({ event: 'GENERATED', root: dir, memories: 7, ledgerEntries: expect.any(Number), telemetry: { schemaEvents: expect.any(Number) } });
    expect(report.seconds).toEqual(expect.any(Number));
    expect(existsSync(report.dbPath as string)).toBe(true);
    // The seven memory files it counts are there.
    const memoryFiles: string[] = [];
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(folder, entry.name));
        else if (folder.endsWith('/memory') && entry.name.endsWith('.md')) memoryFiles.push(entry.name);
      }
    };
    walk(join(dir, 'specs'));
    expect(memoryFiles).toHaveLength(7);
  });
});
