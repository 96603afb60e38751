import type { NewLedgerEntry } from '../../workspace/ledger-entry.js';
import { hashPair } from '../hash-pair.js';
import { deletionHash } from '../ledger-hashes.js';
import { repairLedgerEntry, type RepairOrigin } from '../ledger-record.js';
import type { PlannedChange } from '../live-class.js';
import type { LedgerFinding } from './detect-ledger-mismatch.js';

/** What a ledger repair appends and which guard triggers it recreates. */
export interface LedgerRepairPlan {
  readonly entries: readonly NewLedgerEntry[];
  readonly triggers: readonly string[];
  readonly changes: readonly PlannedChange[];
}

/**
 * One `reindex` entry per unrecorded state (prior hash the last recorded one, new hash the current),
 * one `delete` entry per unrecorded deletion, and the missing triggers. Appends only: the ledger's
 * earlier rows are never touched. Pure.
 */
export function planLedgerRepair(findings: readonly LedgerFinding[], origin: RepairOrigin, sessions: ReadonlyMap<number, string | null>): LedgerRepairPlan {
  const entries: NewLedgerEntry[] = [];
  const triggers: string[] = [];
  const changes: PlannedChange[] = [];
  for (const finding of findings) {
    const memoryId = finding.memoryId;
    if (finding.kind === 'unrecorded-state' && memoryId !== undefined) {
      entries.push(repairLedgerEntry(origin, finding.kind, {
        mutationType: 'reindex', memoryId, priorHash: finding.recordedHash ?? null, newHash: finding.currentHash ?? '',
        sessionId: sessions.get(memoryId) ?? null, reason: 'recorded the index row state the ledger was missing',
      }));
      const [prior, next] = hashPair(finding.recordedHash ?? null, finding.currentHash ?? null);
      changes.push({ action: 'append-reindex-entry', memoryId, detail: `prior ${prior}, new ${next}` });
    } else if (finding.kind === 'unrecorded-deletion' && memoryId !== undefined) {
      entries.push(repairLedgerEntry(origin, finding.kind, {
        mutationType: 'delete', memoryId, priorHash: finding.recordedHash ?? null, newHash: deletionHash(memoryId, finding.recordedHash ?? null),
        sessionId: null, reason: 'recorded the deletion of a memory whose row is gone',
      }));
      changes.push({ action: 'append-delete-entry', memoryId, detail: 'row is gone; the ledger never recorded its end' });
    } else if (finding.kind === 'unguarded-ledger' && finding.subject !== undefined && finding.guardFault?.kind !== 'name-taken') {
      // A trigger of the guard's name that does not guard is replaced; a name something else holds
      // is left for a person (needsDecision): creating the guard under it cannot succeed.
      triggers.push(finding.subject);
      changes.push(
        finding.guardFault?.kind === 'not-a-guard'
          ? { action: 'replace-trigger', subject: finding.subject, detail: 'it does not guard: make the ledger append-only again' }
          : { action: 'recreate-trigger', subject: finding.subject, detail: 'make the ledger append-only again' },
      );
    }
  }
  return { entries, triggers, changes };
}

/** The findings a ledger repair cannot mend: a guard's name taken by something else. */
export function ledgerFindingsForAPerson(findings: readonly LedgerFinding[]): LedgerFinding[] {
  return findings.filter((finding) => finding.guardFault?.kind === 'name-taken');
}
