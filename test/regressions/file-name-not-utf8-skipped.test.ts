import { readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexDriftClass } from '../../src/live/index-drift/index-drift-class.js';
import { useWorkspaceTemplate } from '../live/live-workspace.js';

// Found by `npm run torture` (hostile workspaces, "a file name that is not UTF-8"): Node decodes
// such a name with U+FFFD for the bad byte, a string that opens no file, so the memory was neither
// indexed nor reported: `check` said healthy about a memory file it never saw.
const template = useWorkspaceTemplate({ memories: 20, seed: 13 });
const memory = '---\ntitle: "A name"\n---\n# A name\n';

/** The first spec folder with a memory folder, relative to the workspace. */
function memoryFolder(root: string): string {
  const spec = readdirSync(join(root, 'specs')).sort().find((name) => existsSync(join(root, 'specs', name, 'memory')));
  if (spec === undefined) throw new Error('no memory folder in the sample');
  return `specs/${spec}/memory`;
}

describe('file name not UTF-8 is skipped', () => {
  it('reports a memory file, or a folder, whose name is not UTF-8 as unreadable (invalid-utf8)', async () => {
    const workspace = template.copy();
    const folder = memoryFolder(workspace.root);
    writeFileSync(Buffer.concat([Buffer.from(join(workspace.root, folder, 'caf')), Buffer.from([0xe9]), Buffer.from('.md')]), memory);

    const report = await indexDriftClass.check(workspace.context());

    expect(report.findings).toEqual([{ kind: 'unreadable-file', path: `${folder}/caf\uFFFD.md`, detail: 'invalid-utf8' }]);
  });

  it('still indexes a file whose (valid UTF-8) name holds U+FFFD itself', async () => {
    const workspace = template.copy();
    const folder = memoryFolder(workspace.root);
    writeFileSync(join(workspace.root, folder, 'caf\uFFFD.md'), memory);

    const report = await indexDriftClass.check(workspace.context());

    expect(report.findings).toEqual([{ kind: 'missing', path: `${folder}/caf\uFFFD.md` }]);
  });
});
