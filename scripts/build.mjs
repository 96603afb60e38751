// Bundles each executable's entry point with esbuild. Splitting keeps the drill path to a couple of
// small files: the live-healing code (SQLite, YAML, zod) sits behind dynamic imports and is only
// loaded by the commands that need it, so a drill costs little more than starting Node.
//
// The bundle is written to a fresh folder beside dist/ and swapped in with two renames, so a build
// that fails leaves the last good dist/ in place, and executables (or tests) started during a
// build never find dist/ half-written or missing for more than an instant.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const fresh = `${dist}.build-${process.pid}`;
const stale = `${dist}.old-${process.pid}`;

rmSync(fresh, { recursive: true, force: true });
try {
  await build({
    // The memory-file scan's helper threads run their own entry point (src/workspace/memory-file-pool.ts).
    entryPoints: { main: 'src/cli/main.ts', 'workers/memory-files': 'src/workspace/memory-file-worker.ts' },
    outdir: fresh,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
} catch (error) {
  rmSync(fresh, { recursive: true, force: true });
  throw error;
}
try {
  renameSync(dist, stale);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
renameSync(fresh, dist);
rmSync(stale, { recursive: true, force: true });
