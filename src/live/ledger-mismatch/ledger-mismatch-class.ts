import type { Database } from 'better-sqlite3';
import { failureClassStep } from '../../catalog/failure-classes.js';
import { nonRetryableFailure, retryableFailure, succeeded, type StepOutcome } from '../../core/step-outcome.js';
import { ledgerGuards, readLedgerLinks } from '../../workspace/index-reads.js';
import type { LedgerLink } from '../../workspace/ledger-entry.js';
import { appendLedgerEntries } from '../../workspace/ledger-append.js';
import { LEDGER_DELETE_TRIGGER_DDL, LEDGER_UPDATE_TRIGGER_DDL } from '../../workspace/server-schema.js';
import { cachedRowSummaries } from '../cached-row-summaries.js';
import { escalationItems } from '../escalation-items.js';
import { countByKind, nonZeroCounts } from '../finding-counts.js';
import { openIndex, withIndexDatabase } from '../index-database-session.js';
import { cachedIndexRead } from '../index-read-cache.js';
import type { CheckReport, LiveClass, LiveContext } from '../live-class.js';
import { repairTimestamp, repairUnderLock } from '../locked-repair.js';
import { guarded } from '../step-errors.js';
import { LEDGER_MISMATCH_KINDS, type LedgerFinding, type LedgerState } from './detect-ledger-mismatch.js';
import { injectLedgerMismatch, LEDGER_MISMATCH_FAULTS } from './inject-ledger-mismatch.js';
import { ledgerFindingsForAPerson, planLedgerRepair, type LedgerRepairPlan } from './plan-ledger-repair.js';
import { rememberedLedgerMismatch } from './remembered-detection.js';

const CLASS = 'ledger-mismatch';
const ORIGIN = { failureClass: CLASS, step: failureClassStep(CLASS, 'repair').name };
const TRIGGER_DDL: Readonly<Record<string, string>> = {
  prevent_ledger_update: LEDGER_UPDATE_TRIGGER_DDL,
  prevent_ledger_delete: LEDGER_DELETE_TRIGGER_DDL,
};
const DECISION = 'the ledger still does not account for the index after replay: decide whether the listed memories\' current state is legitimate before recording it';
const TAKEN_NAME_DECISION =
  'the ledger is not append-only, and its guard trigger cannot be created because something else has its name: ' +
  'rename or drop what holds the name (it is not on mutation_ledger), then heal again';

/** Ledger mismatch, live: the ledger must account for every row; replay appends what it lacks. */
export const ledgerMismatchClass: LiveClass = {
  failureClass: CLASS,
  faultKinds: LEDGER_MISMATCH_FAULTS,

  check: (context) => withIndexDatabase(context, 'read', ({ db }) => checkReport(readLedgerState(context, db))),

  plan: (context) =>
    withIndexDatabase(context, 'read', ({ db }) => {
      const state = readLedgerState(context, db);
      // Planned from the findings with the hashes they record, which the report leaves out.
      const findings = rememberedLedgerMismatch(state);
      const changes = planLedgerRepair(findings, ORIGIN, sessionsOf(state, findings)).changes;
      return { check: checkReport(state), changes, needsDecision: ledgerFindingsForAPerson(findings).map(publicFinding) };
    }),

  actions(context) {
    // RPO zero: the verify step checks the ledger never shrank below what detect saw.
    let ledgerRowsAtDetect = 0;
    return {
      detect: () => guarded(() => withIndexDatabase(context, 'read', ({ db }): StepOutcome => {
        const state = readLedgerState(context, db);
        ledgerRowsAtDetect = state.entries.length;
        const report = checkReport(state);
        if (report.findings.length === 0) return { kind: 'success', nothingFound: true };
        return succeeded(nonZeroCounts(report.counts));
      })),

      repair: () => guarded(async () => {
        const result = await repairUnderLock<LedgerRepairPlan>(context, () => openIndex(context, 'write', ['memory_index', 'mutation_ledger']).db, {
          plan: (db) => {
            const state = readLedgerState(context, db);
            const findings = rememberedLedgerMismatch(state);
            const plan = planLedgerRepair(findings, ORIGIN, sessionsOf(state, findings));
            return plan.changes.length > 0 ? [plan] : [];
          },
          apply: (db, [plan]) => applyLedgerRepair(db, plan as LedgerRepairPlan, context),
          // Entries appended and triggers created: the rows, and the ledger's earlier entries, are as read.
          appendsOnlyTo: 'mutation_ledger',
        });
        return succeeded(nonZeroCounts(result.counts));
      }),

      verify: () => guarded(() => withIndexDatabase(context, 'read', ({ db }): StepOutcome => {
        const state = readLedgerState(context, db);
        // Judged from detect's findings when the repair only appended (remembered-detection.ts).
        const findings: LedgerFinding[] = [...rememberedLedgerMismatch(state)];
        if (state.entries.length < ledgerRowsAtDetect) {
          findings.push({ kind: 'ledger-shrank', detail: `ledger has ${state.entries.length} rows, had ${ledgerRowsAtDetect} at detect` });
        }
        if (findings.length === 0) return succeeded({ ledger_rows: state.entries.length });
        const forAPerson = ledgerFindingsForAPerson(findings);
        if (forAPerson.length === findings.length) {
          // The repair left them on purpose, and would again: no retry can cure it.
          return nonRetryableFailure('a guard trigger cannot be created: its name is taken', nonZeroCounts(countByKind(LEDGER_MISMATCH_KINDS, findings)), escalationItems(TAKEN_NAME_DECISION, findings.map(publicFinding)));
        }
        return retryableFailure('ledger still does not account for the index', nonZeroCounts(countByKind(LEDGER_MISMATCH_KINDS, findings)), escalationItems(DECISION, findings.map(publicFinding)));
      })),
    };
  },

  inject: (context, request) => injectLedgerMismatch(context, request),
};

/** The rows and the ledger, kept across the run's steps while the database is unchanged (index-read-cache.ts). */
export function readLedgerState(context: LiveContext, db: Database): LedgerState {
  return {
    rows: cachedRowSummaries(context, db),
    entries: cachedIndexRead<LedgerLink[]>(context, 'ledger-links', 'mutation_ledger', (earlier, onlyAppended) => readLedgerLinks(db, earlier, onlyAppended)),
    ...guardsOf(db),
  };
}

function guardsOf(db: Database): Pick<LedgerState, 'triggers' | 'triggerFaults'> {
  const guards = ledgerGuards(db);
  return Object.keys(guards.faults).length > 0 ? { triggers: guards.working, triggerFaults: guards.faults } : { triggers: guards.working };
}

function checkReport(state: LedgerState): CheckReport {
  const findings = rememberedLedgerMismatch(state).map(publicFinding);
  return {
    failureClass: CLASS,
    counts: countByKind(LEDGER_MISMATCH_KINDS, findings),
    findings,
    metrics: { rows: state.rows.length, ledger_entries: state.entries.length },
    notes: [],
  };
}

function applyLedgerRepair(db: Database, plan: LedgerRepairPlan, context: LiveContext): Record<string, number> {
  const appended = appendLedgerEntries(db, plan.entries, repairTimestamp(context)).length;
  for (const name of plan.triggers) {
    const ddl = TRIGGER_DDL[name];
    if (ddl === undefined) continue;
    // A trigger of the name that does not guard is replaced (in the same transaction).
    db.exec(`DROP TRIGGER IF EXISTS "${name}"`);
    db.exec(ddl);
  }
  return { appended, triggers_recreated: plan.triggers.length };
}

/** The session of each row a finding names (the entries recording them carry it). */
function sessionsOf(state: LedgerState, findings: readonly LedgerFinding[]): Map<number, string | null> {
  const named = new Set(findings.map((finding) => finding.memoryId));
  const sessions = new Map<number, string | null>();
  for (const row of state.rows) if (named.has(row.id)) sessions.set(row.id, row.sessionId);
  return sessions;
}

/** A finding as reports and payloads show it, without the repair's bookkeeping fields. */
function publicFinding({ recordedHash: _recorded, currentHash: _current, guardFault: _fault, ...finding }: LedgerFinding): LedgerFinding {
  return finding;
}
