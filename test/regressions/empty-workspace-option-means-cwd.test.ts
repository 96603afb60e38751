import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useWorkspaceTemplate } from '../live/live-workspace.js';
import { runBin } from '../support/run-bin.js';

// Found by trying what a script with an unset variable passes: `--workspace ""` was read as the
// current folder, so `opsheal heal all --workspace "$WS"` would have healed wherever it ran; `--db ""`
// and `--config ""` failed with messages about the current folder. And a workspace with both
// opsheal.config.json and opsheal.config.yaml silently used the JSON one.
const template = useWorkspaceTemplate({ memories: 20, seed: 43 });

describe('an empty path option', () => {
  for (const args of [
    ['check', 'all', '--workspace', ''],
    ['heal', 'all', '--workspace='],
    ['check', 'all', '--db', ''],
    ['heal', 'index-drift', '--config', ''],
    ['inject', 'index-drift', '--workspace', ''],
    ['demo', '--dir', ''],
  ]) {
    it(`is refused: ${args.join(' ')}`, () => {
      const result = runBin('opsheal', args);
      const name = (args.find((arg) => arg.startsWith('--')) as string).replace(/=$/, '');
      expect(result.stderr).toBe(`ERROR: ${name} requires a value (got an empty one)\n`);
      expect(result.stdout).toBe('');
      expect(result.status).toBe(2);
    });
  }
});

describe('a workspace with two config files', () => {
  it('is refused, naming both, until one goes or --config names one', () => {
    const workspace = template.copy();
    writeFileSync(join(workspace.root, 'opsheal.config.json'), JSON.stringify({ thresholds: { sampleSize: 10 } }));
    writeFileSync(join(workspace.root, 'opsheal.config.yaml'), 'thresholds:\n  sampleSize: 20\n');
    const check = runBin('opsheal', ['check', 'session-ambiguity', '--workspace', workspace.root]);
    expect(check.stderr).toBe('ERROR: the workspace has 2 config files (opsheal.config.json, opsheal.config.yaml): keep one, or name it with --config FILE\n');
    expect(check.status).toBe(2);
    const named = runBin('opsheal', ['check', 'session-ambiguity', '--workspace', workspace.root, '--config', join(workspace.root, 'opsheal.config.yaml'), '--json']);
    expect(named.status).toBe(0);
    expect((JSON.parse(named.stdout) as { metrics: { sampled: number } }).metrics.sampled).toBe(20);
  });
});

