import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';
import { useWorkspaceTemplate } from '../live/live-workspace.js';

// Found by putting a folder where a telemetry file belongs: "ERROR: EISDIR: illegal operation on a
// directory, read" named no file, so an operator could not tell which of the three it was.
const template = useWorkspaceTemplate({ memories: 20, seed: 83 });

describe('a folder where a telemetry file belongs', () => {
  for (const name of ['schema.json', 'README.md', 'events.jsonl']) {
    it(`${name}: the error names it`, () => {
      const workspace = template.copy();
      const path = join(workspace.root, 'telemetry', name);
      rmSync(path);
      mkdirSync(path);
      const check = runBin('opsheal', ['check', 'telemetry-drift', '--workspace', workspace.root]);
      expect(check.stderr).toBe(`ERROR: ${path}: is a folder, not a file\n`);
      expect(check.status).toBe(1);
    });
  }
});
