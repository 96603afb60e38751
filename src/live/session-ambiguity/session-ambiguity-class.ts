import type { Database } from 'better-sqlite3';
import { failureClassStep } from '../../catalog/failure-classes.js';
import { retryableFailure, succeeded, type StepOutcome } from '../../core/step-outcome.js';
import { readIndexRows } from '../../workspace/index-reads.js';
import type { IndexRow } from '../../workspace/index-row.js';
import { cachedIndexRead } from '../index-read-cache.js';
import { appendLedgerEntries } from '../../workspace/ledger-append.js';
import type { NewLedgerEntry } from '../../workspace/ledger-entry.js';
import { escalationItems } from '../escalation-items.js';
import { countByKind, nonZeroCounts } from '../finding-counts.js';
import { openIndex, withIndexDatabase } from '../index-database-session.js';
import { repairLedgerEntry } from '../ledger-record.js';
import type { CheckReport, LiveClass, LiveContext, PlannedChange } from '../live-class.js';
import { repairTimestamp, repairUnderLock } from '../locked-repair.js';
import { startFileScan } from '../memory-file-scan.js';
import { guarded } from '../step-errors.js';
import { detectSessionAmbiguity, SESSION_AMBIGUITY_KINDS, type MisrouteFinding, type SessionAmbiguityResult } from './detect-session-ambiguity.js';
import { injectSessionAmbiguity, SESSION_AMBIGUITY_FAULTS, checkSessionAmbiguityInjectable } from './inject-session-ambiguity.js';
import { measureSessionLookups, SESSION_INDEX_DDL, SESSION_INDEX_NAME, sessionLookupIndexed, type LookupLatency } from './session-lookup-latency.js';

const CLASS = 'session-ambiguity';
const ORIGIN = { failureClass: CLASS, step: failureClassStep(CLASS, 'repair').name };
const DECISION = 'these sessions appear in more than one spec folder, which keeps the misroute rate above policy: decide which folder each session belongs to (opsheal never guesses)';
const MISROUTE_DECISION =
  'the misroute rate stays above policy though the repair rerouted what it could: look at the misrouted rows check lists (a reroute a unique key refused, a file whose front matter names no session), and decide each';
const LATENCY_DECISION =
  'session look-ups are slower than thresholds.lookupP95Ms though memory_index(session_id) is indexed: look at what else loads the database, or raise the budget if it is too tight';

/** One misrouted row to set back to its file's folder and session, or the session index to create. */
type RoutingOperation =
  | { readonly op: 'reroute'; readonly finding: MisrouteFinding; readonly contentHash: string | null }
  /** A reroute left for a person: row `holderId` already holds the folder, path and anchor. */
  | { readonly op: 'duplicate'; readonly finding: MisrouteFinding; readonly holderId: number }
  | { readonly op: 'index-sessions' };

/** Session ambiguity, live: misrouted rows are set from their files; ambiguous sessions go to a person. */
export const sessionAmbiguityClass: LiveClass = {
  failureClass: CLASS,
  faultKinds: SESSION_AMBIGUITY_FAULTS,

  check: (context) => withIndexDatabase(context, 'read', ({ db }) => checkReport(context, db).report),

  prepareCheck: async (context) => {
    await withIndexDatabase(context, 'read', ({ db }) => {
      sampledRows(context, db);
    });
  },

  plan: (context) =>
    withIndexDatabase(context, 'read', ({ db }) => {
      const { report, result } = checkReport(context, db);
      const planned = planRouting(db, result);
      const changes: PlannedChange[] = [];
      const duplicates: MisrouteFinding[] = [];
      for (const operation of planned) {
        if (operation.op === 'index-sessions') {
          changes.push({ action: 'create-index', subject: SESSION_INDEX_NAME, detail: 'index memory_index(session_id) so session look-ups never scan' });
        } else if (operation.op === 'duplicate') {
          duplicates.push(duplicateFinding(operation));
        } else {
          const { finding } = operation;
          changes.push({ action: 'reroute-row', memoryId: finding.memoryId, path: finding.path, detail: `to ${finding.expectedFolder} / ${finding.expectedSession ?? 'no session'}; ledger: update` });
        }
      }
      return { check: report, changes, needsDecision: [...duplicates, ...result.findings.filter((finding) => finding.kind === 'ambiguous-session')] };
    }),

  actions(context) {
    const { thresholds } = context.config;
    return {
      detect: () => guarded(() => withIndexDatabase(context, 'read', ({ db }): StepOutcome => {
        const { report, result } = checkReport(context, db);
        if (report.findings.length === 0) return { kind: 'success', nothingFound: true };
        return succeeded({ ...nonZeroCounts(report.counts), misroute_rate: rate(result.misrouteRate) });
      })),

      repair: () => guarded(async () => {
        const result = await repairUnderLock<RoutingOperation>(context, () => openIndex(context, 'write').db, {
          // Duplicates alone change nothing: no backup, no transaction (--dry-run lists them as DECIDE).
          plan: (db) => {
            const planned = planRouting(db, detect(context, db));
            return planned.some((operation) => operation.op !== 'duplicate') ? planned : [];
          },
          apply: (db, operations) => applyRouting(db, operations, context),
        });
        return succeeded(nonZeroCounts(result.counts));
      }),

      verify: () => guarded(() => withIndexDatabase(context, 'read', ({ db }): StepOutcome => {
        const result = detect(context, db);
        const latency = measureSessionLookups(db, sampledSessions(context, db));
        const details = { misroute_rate: rate(result.misrouteRate), lookup_p95_ms: Number(latency.p95Ms.toFixed(3)) };
        const rateOk = result.misrouteRate <= thresholds.misrouteRate;
        const latencyOk = latency.p95Ms <= thresholds.lookupP95Ms;
        if (rateOk && latencyOk) return succeeded(details);
        const ambiguous = result.findings.filter((finding) => finding.kind === 'ambiguous-session');
        const message = !rateOk
          ? `misroute rate ${rate(result.misrouteRate)} is above the threshold ${thresholds.misrouteRate}`
          : `session look-up p95 ${details.lookup_p95_ms} ms is above the budget ${thresholds.lookupP95Ms} ms`;
        // What a person decides depends on what failed: ambiguous sessions, other misroutes left, or speed.
        const decision = !rateOk ? (ambiguous.length > 0 ? DECISION : MISROUTE_DECISION) : LATENCY_DECISION;
        return retryableFailure(message, { ...nonZeroCounts(countByKind(SESSION_AMBIGUITY_KINDS, result.findings)), ...details }, escalationExtras(result, ambiguous, latency, context, decision));
      })),
    };
  },

  checkInjectable: (context, request) => checkSessionAmbiguityInjectable(context, request),
  inject: (context, request) => injectSessionAmbiguity(context, request),
};

function detect(context: LiveContext, db: Database): SessionAmbiguityResult {
  // Started first: where the source reads on helper threads, the files are checked meanwhile.
  const completeScan = startFileScan(context);
  const sampled = sampledRows(context, db);
  return detectSessionAmbiguity({ workspaceRoot: context.paths.root, files: completeScan().files, sampledRows: sampled });
}

/** The sample: the most recently updated rows, kept across the run's steps while the database is unchanged. */
function sampledRows(context: LiveContext, db: Database): IndexRow[] {
  const size = context.config.thresholds.sampleSize;
  return cachedIndexRead(context, `sampled-rows:${size}`, 'memory_index', () => readIndexRows(db, { mostRecent: size }));
}

function checkReport(context: LiveContext, db: Database): { report: CheckReport; result: SessionAmbiguityResult } {
  const result = detect(context, db);
  const report: CheckReport = {
    failureClass: CLASS,
    counts: countByKind(SESSION_AMBIGUITY_KINDS, result.findings),
    findings: result.findings.map(({ expectedFolder: _folder, expectedSession: _session, ...finding }) => finding),
    metrics: { sampled: result.sampled, affected: result.affected, misroute_rate: rate(result.misrouteRate), threshold: context.config.thresholds.misrouteRate },
    notes: [],
  };
  return { report, result };
}

function planRouting(db: Database, result: SessionAmbiguityResult): RoutingOperation[] {
  const operations: RoutingOperation[] = [];
  const rows = db.prepare('SELECT content_hash, file_path, anchor_id FROM memory_index WHERE id = ?');
  // Another row that already holds the folder, path and anchor the reroute would give this one: the
  // unique key refuses the reroute, and only a person can say which of the two duplicates stays.
  const holder = db.prepare('SELECT id FROM memory_index WHERE spec_folder = ? AND file_path = ? AND anchor_id IS ? AND id != ? LIMIT 1');
  for (const finding of result.findings) {
    if (finding.kind === 'ambiguous-session' || finding.memoryId === undefined) continue;
    const row = rows.get(finding.memoryId) as { content_hash: string | null; file_path: string; anchor_id: string | null } | undefined;
    if (row === undefined) continue;
    const taken = finding.kind === 'misrouted-folder' ? (holder.get(finding.expectedFolder, row.file_path, row.anchor_id, finding.memoryId) as { id: number } | undefined) : undefined;
    operations.push(taken !== undefined ? { op: 'duplicate', finding, holderId: taken.id } : { op: 'reroute', finding, contentHash: row.content_hash });
  }
  if (!sessionLookupIndexed(db)) operations.push({ op: 'index-sessions' });
  return operations;
}

/** A reroute the unique key would refuse, as what a person must decide. */
function duplicateFinding(operation: Extract<RoutingOperation, { op: 'duplicate' }>): MisrouteFinding {
  const { expectedFolder: _folder, expectedSession: _session, ...finding } = operation.finding;
  return { ...finding, detail: `${finding.detail ?? ''}; row #${operation.holderId} already holds that folder, path and anchor: decide which of the two duplicates stays` };
}

function applyRouting(db: Database, operations: readonly RoutingOperation[], context: LiveContext): Record<string, number> {
  const timestamp = repairTimestamp(context);
  const reroute = db.prepare('UPDATE memory_index SET spec_folder = ?, session_id = ?, updated_at = ? WHERE id = ?');
  const entries: NewLedgerEntry[] = [];
  let rerouted = 0;
  let skipped = 0;
  let indexed = 0;
  for (const operation of operations) {
    if (operation.op === 'duplicate') {
      skipped++;
      continue;
    }
    if (operation.op === 'index-sessions') {
      db.exec(SESSION_INDEX_DDL);
      indexed++;
      continue;
    }
    const { finding } = operation;
    const memoryId = finding.memoryId as number;
    try {
      reroute.run(finding.expectedFolder, finding.expectedSession ?? null, timestamp, memoryId);
    } catch (error) {
      // Another row already holds (folder, path, anchor): a duplicate, which only a person can merge.
      if (String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT')) {
        skipped++;
        continue;
      }
      throw error;
    }
    rerouted++;
    entries.push(repairLedgerEntry(ORIGIN, finding.kind, {
      mutationType: 'update', memoryId, priorHash: operation.contentHash, newHash: operation.contentHash ?? '',
      sessionId: finding.expectedSession ?? null, reason: 'routing set back to the memory file\'s spec folder and session', ...(finding.path !== undefined ? { path: finding.path } : {}),
    }));
  }
  const appended = appendLedgerEntries(db, entries, timestamp).length;
  return { rerouted, skipped, session_index_created: indexed, ledger_appended: appended };
}

function sampledSessions(context: LiveContext, db: Database): string[] {
  const sessions = new Set<string>();
  for (const row of sampledRows(context, db)) if (row.sessionId !== null) sessions.add(row.sessionId);
  return [...sessions];
}

function escalationExtras(
  result: SessionAmbiguityResult,
  ambiguous: readonly MisrouteFinding[],
  latency: LookupLatency,
  context: LiveContext,
  why: string,
): Record<string, unknown> {
  const sessions = ambiguous.map((finding) => ({ session_id: finding.subject, folders: (finding.detail ?? '').replace(/^folders: /, '').split(', ') }));
  // Without ambiguous sessions, what keeps the rate up is the misrouted rows the repair left.
  const misrouted = result.findings
    .filter((finding) => finding.kind !== 'ambiguous-session')
    .map(({ expectedFolder: _folder, expectedSession: _session, ...finding }) => finding);
  const { decision, ...items } = escalationItems(why, sessions.length > 0 ? sessions : misrouted);
  return {
    decision,
    misroute_rate: rate(result.misrouteRate),
    threshold: context.config.thresholds.misrouteRate,
    lookup_p95_ms: Number(latency.p95Ms.toFixed(3)),
    lookup_budget_ms: context.config.thresholds.lookupP95Ms,
    ...items,
  };
}

function rate(value: number): number {
  return Number(value.toFixed(4));
}
