import { describe, expect, it } from 'vitest';
import { useWorkspaceTemplate } from '../live/live-workspace.js';
import { linesOf, runBin } from '../support/run-bin.js';

// Found by using `heal session-ambiguity --sample-size N` as an operator would: every `command=` and
// the escalation's `command` named the workspace but not the sample size, so the command a person
// was told to rerun judged another sample (500 rows) and reported another misroute rate (0.065
// instead of the escalated 0.325 on a 200-memory sample). And `inject` accepted `--sample-size`,
// listed in its help, though no fault depends on it.
const template = useWorkspaceTemplate({ memories: 250, seed: 3 });

const jsonLines = (output: string): Array<Record<string, unknown>> =>
  linesOf(output).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the command a step names reruns it as the run judged it', () => {
  it('carries --sample-size, and rerunning the escalation reports the rate that was escalated', () => {
    const workspace = template.copy();
    expect(runBin('opsheal', ['inject', 'session-ambiguity', '--workspace', workspace.root, '--kind', 'ambiguous-session', '--count', '2']).status).toBe(0);

    const heal = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root, '--sample-size', '40', '--json']);
    expect(heal.status).toBe(1);
    const events = jsonLines(heal.stdout);
    const commands = events.flatMap((event) => (typeof event['command'] === 'string' ? [event['command']] : []));
    expect(commands.length).toBeGreaterThan(3);
    for (const command of commands) expect(command).toMatch(/ --workspace \S+ --sample-size 40$/);

    const escalation = events.find((event) => event['event'] === 'ESCALATION');
    const rerun = String(escalation?.['command']).split(' ');
    expect(rerun.slice(0, 3)).toEqual(['opsheal', 'check', 'session-ambiguity']);
    const check = runBin('opsheal', [...rerun.slice(1), '--json']);
    expect(check.status).toBe(1);
    const [report] = jsonLines(check.stdout) as Array<{ metrics: { sampled: number; misroute_rate: number } }>;
    expect(report?.metrics.sampled).toBe(40);
    expect(report?.metrics.misroute_rate).toBe(escalation?.['misroute_rate']);
  });

  it('leaves --sample-size out when it was not given (the config or the default decides, as before)', () => {
    const workspace = template.copy();
    runBin('opsheal', ['inject', 'session-ambiguity', '--workspace', workspace.root, '--kind', 'misrouted-folder']);
    const heal = runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root]);
    expect(heal.stdout).toContain(`command=opsheal check session-ambiguity --workspace ${workspace.root}\n`);
    expect(heal.stdout).not.toContain('--sample-size');
  });

  it('inject refuses --sample-size, which no fault depends on, and its help does not offer it', () => {
    const workspace = template.copy();
    const inject = runBin('opsheal', ['inject', 'session-ambiguity', '--workspace', workspace.root, '--sample-size', '5']);
    expect(inject.status).toBe(2);
    expect(inject.stderr).toBe('ERROR: Unknown option: --sample-size\n');
    expect(inject.stdout).toBe('');
    expect(runBin('opsheal', ['inject', '--help']).stdout).not.toContain('--sample-size');
    expect(runBin('opsheal', ['check', '--help']).stdout).toContain('--sample-size');
  });
});
