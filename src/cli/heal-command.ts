import type { CommandContext } from './runbook-commands.js';
import type { ExitCode } from './exit-codes.js';
import { UsageError } from './usage-error.js';

export async function healCommand(_context: CommandContext): Promise<ExitCode> {
  throw new UsageError('heal is not built yet');
}
