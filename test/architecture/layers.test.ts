// The folders of src/ are layers (README, "Development"): each may import only the folders listed
// for it here, so that the pure core stays pure and the CLI stays the only thing on top.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** What each layer may import besides itself (the README's table). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  io: [],
  catalog: ['core'],
  drill: ['core', 'catalog'],
  render: ['core'],
  config: ['core', 'catalog'],
  commands: ['core', 'config'],
  workspace: ['core', 'config', 'io'],
  live: ['core', 'catalog', 'config', 'io', 'workspace'],
  sample: ['config', 'workspace', 'live'],
  cli: ['core', 'catalog', 'drill', 'render', 'config', 'commands', 'workspace', 'live', 'sample', 'io'],
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(path: string): string {
  return relative(SRC, path).split(sep)[0] as string;
}

describe('layers', () => {
  it('every folder of src/ is a known layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('each layer imports only the layers below it', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = layerOf(file);
      const text = readFileSync(file, 'utf8');
      // Static, side-effect and dynamic imports and re-exports of relative modules.
      for (const match of text.matchAll(/(?:from\s+|import\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)) {
        const to = layerOf(resolve(dirname(file), match[1] as string));
        if (to !== from && !(ALLOWED[from] ?? []).includes(to)) violations.push(`${relative(SRC, file)} imports ${match[1]} (${from} -> ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
