import { describe, expect, it } from 'vitest';
import { runBin } from '../support/run-bin.js';

// Found by `npm run torture` (hostile command lines, case 50, seed 2048032087): `opsheal workspace
// $'\e[2J' generate DIR` echoed the unknown subcommand raw in its error, so the escape sequence
// reached the operator's terminal. Every other unknown word was already shown as \xNN.
describe('workspace subcommand rewrites the terminal', () => {
  it('an unknown workspace subcommand with control characters is shown escaped, exit 2', () => {
    const result = runBin('opsheal', ['workspace', '\u001b[2J\u009b31m', 'generate', '/nonexistent/never-made']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('ERROR: Unknown workspace command: \\x1b[2J\\x9b31m (try: opsheal workspace generate DIR)\n');
  });
});
