// The floor for `npm run bench:live`: read and SHA-256 every memory file of a workspace
// (specs/**/memory/*.md) in one tight loop, as plainly as Node can. No opsheal code is loaded.
// Prints one line of JSON: {"files":N,"bytes":B,"loop_ms":T}.
//
//   node scripts/bench-live-floor.mjs WORKSPACE
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const workspace = process.argv[2];
if (workspace === undefined) {
  console.error('usage: bench-live-floor.mjs WORKSPACE');
  process.exit(2);
}

const started = performance.now();
let files = 0;
let bytes = 0;
const walk = (folder, isMemoryFolder) => {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) walk(path, entry.name === 'memory');
    else if (isMemoryFolder && entry.isFile() && entry.name.endsWith('.md')) {
      const content = readFileSync(path);
      createHash('sha256').update(content).digest('hex');
      files += 1;
      bytes += content.length;
    }
  }
};
walk(join(workspace, 'specs'), false);
console.log(JSON.stringify({ files, bytes, loop_ms: Number((performance.now() - started).toFixed(1)) }));
