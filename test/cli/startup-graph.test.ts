// The drill path must not load the live-healing dependencies: SQLite, YAML and the schema validator
// sit behind dynamic imports so that `runbook drill all` costs little more than starting Node
// (`npm run bench:drill`). This pins that structure on the built output, without timing anything.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-bin.js';

/** Every module dist/main.js loads before running (static imports, followed), and what they import from outside. */
function staticGraph(entry: string): { files: string[]; bare: string[] } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // esbuild writes static imports at the top level as `import ... from "x";` or `import "x";`
    for (const match of source.matchAll(/^(?:import|export)\b[^;]*?["']([^"']+)["'];/gms)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
      else bare.add(specifier);
    }
  };
  visit(entry);
  return { files: [...files].map((file) => relative(ROOT, file)), bare: [...bare] };
}

describe('dist/main.js start-up graph', () => {
  it('loads no third-party package until a live command asks for it', () => {
    const { bare, files } = staticGraph(join(ROOT, 'dist', 'main.js'));
    expect(files.length).toBeGreaterThan(0);
    expect(bare.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
  });

  it('keeps the live commands behind dynamic imports', () => {
    const main = readFileSync(join(ROOT, 'dist', 'main.js'), 'utf8');
    expect(main).toMatch(/import\("\.\/chunks\/heal-command-[A-Z0-9]+\.js"\)/);
  });
});
