import { CONTRACT_CLASSES, CONTRACT_TIMESTAMP, contractClass, type ContractClass } from './contract-tables.js';

/** A drill's settings as the contract's option table states them; anything left out takes the contract's default. */
export interface DrillSettings {
  readonly scenario?: 'success' | 'escalate';
  readonly maxAttempts?: number;
  readonly detectFailures?: number;
  readonly repairFailures?: number;
  readonly verifyFailures?: number;
  readonly timestamp?: string;
}

/** What the contract says a run prints and how it ends. */
export interface ExpectedRun {
  /** All of stdout, newline-terminated lines. */
  readonly stdout: string;
  readonly escalated: boolean;
  /** The payload lines (ESCALATION or RECOVERY_COMPLETE), in order. */
  readonly payloads: readonly string[];
}

/**
 * Follows "What a run prints" in CONTRACT.md, step by step: STATE, then for each step attempts
 * 1..n with ACTION, WARN for an injected failure (escalating on the last attempt), OK otherwise,
 * and the recovery payload after verify. Defaults: success, 3 attempts, 1 detect failure.
 */
export function expectedDrill(classId: string, settings: DrillSettings = {}): ExpectedRun {
  const entry = contractClass(classId);
  const ts = settings.timestamp ?? CONTRACT_TIMESTAMP;
  const scenario = settings.scenario ?? 'success';
  const n = settings.maxAttempts ?? 3;
  const failures =
    scenario === 'escalate'
      ? [n, n, n]
      : [settings.detectFailures ?? 1, settings.repairFailures ?? 0, settings.verifyFailures ?? 0];
  const lines = [`${ts} | STATE | class=${entry.id} scenario=${scenario} max_attempts=${n}`];
  for (const [index, step] of entry.steps.entries()) {
    for (let attempt = 1; attempt <= n; attempt++) {
      lines.push(`${ts} | ACTION | class=${entry.id} step=${step.name} attempt=${attempt}/${n} command=${step.command}`);
      if (attempt <= (failures[index] ?? 0)) {
        lines.push(`${ts} | WARN | class=${entry.id} step=${step.name} outcome=retryable-failure`);
        if (attempt === n) {
          const payload = escalationLine(entry, index, n, ts);
          lines.push(payload);
          return { stdout: joinLines(lines), escalated: true, payloads: [payload] };
        }
        continue;
      }
      lines.push(`${ts} | OK | class=${entry.id} step=${step.name} outcome=success`);
      break;
    }
  }
  const payload = recoveryLine(entry, ts);
  lines.push(payload);
  return { stdout: joinLines(lines), escalated: false, payloads: [payload] };
}

/** `drill all`: the four classes in the contract's order, each run to its end. */
export function expectedDrillAll(settings: DrillSettings = {}): ExpectedRun {
  const runs = CONTRACT_CLASSES.map((entry) => expectedDrill(entry.id, settings));
  return {
    stdout: runs.map((run) => run.stdout).join(''),
    escalated: runs.some((run) => run.escalated),
    payloads: runs.flatMap((run) => run.payloads),
  };
}

/** The contract's escalation line, written out as its example is. */
export function escalationLine(entry: ContractClass, stepIndex: number, attempts: number, ts = CONTRACT_TIMESTAMP): string {
  const step = entry.steps[stepIndex];
  if (step === undefined) throw new Error(`no step ${stepIndex}`);
  return `{"event":"ESCALATION","failure_class":"${entry.id}","step":"${step.name}","attempts":${attempts},"owner":"${entry.owner}","reason":"bounded-retry-exhausted","next_action":"operator-ack-required","command":"${step.command}","timestamp":"${ts}"}`;
}

/** The contract's recovery line. */
export function recoveryLine(entry: ContractClass, ts = CONTRACT_TIMESTAMP): string {
  return `{"event":"RECOVERY_COMPLETE","failure_class":"${entry.id}","owner":"${entry.owner}","summary":"${entry.summary}","timestamp":"${ts}"}`;
}

function joinLines(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join('');
}
