import type { MutationType, NewLedgerEntry } from '../workspace/ledger-entry.js';

/** Which repair an appended ledger entry records: named in its `decision_meta`. */
export interface RepairOrigin {
  readonly failureClass: string;
  readonly step: string;
}

/** A ledger entry for one memory changed by a repair, with `decision_meta` naming class, step and fault. */
export function repairLedgerEntry(
  origin: RepairOrigin,
  fault: string,
  change: {
    readonly mutationType: MutationType;
    readonly memoryId: number;
    readonly priorHash: string | null;
    readonly newHash: string;
    readonly sessionId: string | null;
    readonly reason: string;
    readonly path?: string;
  },
): NewLedgerEntry {
  return {
    mutationType: change.mutationType,
    reason: `opsheal ${origin.failureClass}: ${change.reason}`,
    priorHash: change.priorHash,
    newHash: change.newHash,
    linkedMemoryIds: [change.memoryId],
    decisionMeta: {
      tool: 'opsheal',
      failure_class: origin.failureClass,
      step: origin.step,
      fault,
      ...(change.path !== undefined ? { path: change.path } : {}),
    },
    sessionId: change.sessionId,
  };
}
