// Bundles each executable's entry point with esbuild. Splitting keeps the drill path to a couple of
// small files: the live-healing code (SQLite, YAML, zod) sits behind dynamic imports and is only
// loaded by the commands that need it, so a drill costs little more than starting Node.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
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
