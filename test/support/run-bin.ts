import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACT_EPOCH } from './contract-tables.js';

/** The repository root: where bin/ and dist/ live and where the executables run. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BinResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout exactly as written, for byte-for-byte comparison. */
  readonly stdoutBytes: Buffer;
}

/**
 * Runs `bin/<name>` with Node as a child process. The environment is minimal and fixed:
 * SOURCE_DATE_EPOCH is the contract's example instant unless `env` overrides it (`undefined` unsets
 * a variable), and nothing else from the test runner's environment leaks in (ESCALATION_FILE in
 * particular).
 */
export function runBin(name: string, args: readonly string[] = [], env: Readonly<Record<string, string | undefined>> = {}): BinResult {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ PATH: process.env.PATH, SOURCE_DATE_EPOCH: CONTRACT_EPOCH, ...env })) {
    if (value !== undefined) merged[key] = value;
  }
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', name), ...args], {
    cwd: ROOT,
    env: merged,
    encoding: 'buffer',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    stdoutBytes: result.stdout,
  };
}

/** Splits newline-terminated output into lines, failing on a missing final newline. */
export function linesOf(output: string): string[] {
  if (output === '') return [];
  if (!output.endsWith('\n')) throw new Error(`output does not end with a newline: ${JSON.stringify(output.slice(-80))}`);
  return output.slice(0, -1).split('\n');
}
