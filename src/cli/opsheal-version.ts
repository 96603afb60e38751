import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * opsheal's version, from its own package.json: the nearest one above this file whose name is
 * opsheal (the bundle runs from dist/, the tests from src/cli/; both sit inside the package).
 */
export function opshealVersion(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (name === 'opsheal' && typeof version === 'string') return version;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`opsheal's package.json was not found above ${fileURLToPath(import.meta.url)}: reinstall opsheal`);
    folder = parent;
  }
}
