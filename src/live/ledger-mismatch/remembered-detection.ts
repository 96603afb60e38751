import { rememberedByRows } from '../remembered-judgement.js';
import { detectLedgerMismatch, detectLedgerMismatchAfterAppend, type LedgerFinding, type LedgerState } from './detect-ledger-mismatch.js';

/**
 * detectLedgerMismatch, remembered for the state it last judged (remembered-judgement.ts): the
 * repair's plan, which reads the rows and the ledger again under the lock, gets detect's answer
 * when nothing committed in between, instead of linking every entry to its rows again. The
 * triggers are read afresh each time, so they are compared by name. A state that only adds
 * entries to the one last judged (the verify's, after the replay appended to the ledger) is judged
 * from that one's findings, for the memories the new entries link (detectLedgerMismatchAfterAppend).
 * Callers must not change the findings they are given.
 */
export const rememberedLedgerMismatch: (state: LedgerState) => readonly LedgerFinding[] = rememberedByRows(
  detectLedgerMismatch,
  (a: LedgerState, b: LedgerState): boolean =>
    a.rows === b.rows &&
    a.entries === b.entries &&
    a.triggers.length === b.triggers.length &&
    a.triggers.every((name, index) => b.triggers[index] === name) &&
    JSON.stringify(a.triggerFaults ?? {}) === JSON.stringify(b.triggerFaults ?? {}),
  (earlier, state) => detectLedgerMismatchAfterAppend({ state: earlier.state, findings: earlier.result }, state),
);
