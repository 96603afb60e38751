import type { Database } from 'better-sqlite3';
import { failureClassStep } from '../../catalog/failure-classes.js';
import { nonRetryableFailure, retryableFailure, succeeded, type StepOutcome } from '../../core/step-outcome.js';
import { afterCheck, afterFailure, beginIntegrityCheck, beginSoundnessCheck, startIntegrityCheck, startSoundnessCheck } from '../background-checks.js';
import { escalationItems } from '../escalation-items.js';
import { countByKind, nonZeroCounts } from '../finding-counts.js';
import { openIndex, withIndexDatabase, type IndexDatabase } from '../index-database-session.js';
import type { CheckReport, LiveClass, LiveContext } from '../live-class.js';
import { repairTimestamp, repairUnderLock } from '../locked-repair.js';
import { newRowPaths } from '../memory-path.js';
import { guarded } from '../step-errors.js';
import { connectionInWalMode } from '../../workspace/index-database.js';
import type { MemoryFileRecord } from '../../workspace/memory-file.js';
import { readMetadataAhead, type MetadataAhead } from '../metadata-ahead.js';
import { applyIndexRepair, filesWrittenBy } from './apply-index-repair.js';
import { rememberedIndexDrift } from './remembered-detection.js';
import { INDEX_DRIFT_KINDS } from './index-drift-state.js';
import { injectIndexDrift, INDEX_DRIFT_FAULTS, checkIndexDriftInjectable } from './inject-index-drift.js';
import { massOrphaningDecision } from './orphan-allowance.js';
import { describeIndexOperation, memoryRowCount, planIndexRepair, withheldOrphans, type IndexRepairOperation } from './plan-index-repair.js';
import { startFileScan } from '../memory-file-scan.js';
import { readIndexDriftState, readIndexSide, type ReadIndexDriftState } from './read-index-drift-state.js';

const CLASS = 'index-drift';

/** What a person must decide when index drift outlives the repair. */
const DECISION = 'the index still differs from the memory files after repair: decide what each listed file or row should be (an unreadable file must be fixed or removed by hand)';
const UNREADABLE_DECISION =
  'these memory files cannot be read (permissions, not text, not a regular file, or a symlink that leads nowhere or out of the workspace): ' +
  'fix or remove each by hand, then heal again; their rows are left alone meanwhile';

/** Index drift, live: compare the files with memory_index, FTS and vectors; rebuild what differs. */
export const indexDriftClass: LiveClass = {
  failureClass: CLASS,
  faultKinds: INDEX_DRIFT_FAULTS,

  check: (context) => withIndexDatabase(context, 'read', (index) => readAndJudge(context, index).check),

  // SQLite's quick_check, queued on a helper behind the file reading, and the index's side.
  prepareCheck: (context) =>
    withIndexDatabase(context, 'read', (index) => {
      beginSoundnessCheck(context);
      readIndexSide(context, index);
    }),

  async plan(context) {
    return withIndexDatabase(context, 'read', (index) => {
      const { read, check } = readAndJudge(context, index);
      const maxShare = context.config.thresholds.maxOrphanedShare;
      const operations = planIndexRepair(read.state, check.findings, maxShare);
      return {
        check,
        changes: operations.map((operation) => describeIndexOperation(operation, context.paths.root)),
        needsDecision: [
          ...check.findings.filter((finding) => finding.kind === 'unreadable-file'),
          ...withheldOrphans(read.state, check.findings, maxShare),
        ],
      };
    });
  },

  actions(context, running) {
    return {
      detect: () => guarded(() => withIndexDatabase(context, 'read', (index): StepOutcome => {
        const report = readAndJudge(context, index, running?.has('repair') !== false).check;
        if (report.findings.length === 0) return { kind: 'success', nothingFound: true };
        return succeeded(nonZeroCounts(report.counts));
      })),

      repair: () => guarded(async () => {
        // The files rows are written from are read again as soon as the plan names them, on a helper
        // when one runs, while this thread goes on to the backup and the look-ups before the writes.
        let ahead: MetadataAhead | undefined;
        let withheld = 0;
        const result = await repairUnderLock<IndexRepairOperation>(context, () => openIndex(context, 'write').db, {
          plan: (db) => {
            const planned = planFromDatabase(context, db);
            withheld = planned.withheldOrphans;
            ahead = readMetadataAhead(context, filesWrittenBy(planned.operations));
            return planned.operations;
          },
          apply: (db, operations) => applyIndexRepair(db, operations, {
            workspaceRoot: context.paths.root,
            newRowPaths: newRowPaths(storedPaths(db), context.paths.root),
            timestamp: repairTimestamp(context),
            vectorsWritable: vectorsWritable(db),
            origin: { failureClass: CLASS, step: failureClassStep(CLASS, 'repair').name },
            metadataOf: (files) => (ahead !== undefined && sameFiles(ahead.files, files) ? ahead : readMetadataAhead(context, files)).collect(),
          }),
          // The verify then reads again only the rows the repair changed.
          changesRowsOf: 'memory_index',
          // And the helper that runs the verify's integrity_check copies the commit's pages into the file.
          checkpointOnHelper: running?.has('verify') !== false,
        });
        // The verify's SQLite checks, begun on the database as the repair left it (background-checks.ts).
        if (running?.has('verify') !== false) beginIntegrityCheck(context);
        return succeeded(nonZeroCounts({ ...result.counts, orphans_withheld: withheld }));
      }),

      verify: () => guarded(() => withIndexDatabase(context, 'write', (index): StepOutcome => {
        const checked = startIntegrityCheck(context, index.db);
        const scan = startFileScan(context);
        const read = afterCheck(checked, () => readIndexDriftState(context, index, undefined, scan));
        const integrity = checked();
        const report = checkReport({ ...read, state: { ...read.state, ftsIntegrityOk: integrity.ftsOk } }, context.config.thresholds.maxOrphanedShare);
        const problems = [...report.findings, ...integrity.problems];
        if (problems.length === 0) return succeeded({ integrity: 'ok' });
        const counts = nonZeroCounts(countByKind(INDEX_DRIFT_KINDS, problems));
        const maxShare = context.config.thresholds.maxOrphanedShare;
        const orphaned = withheldOrphans(read.state, report.findings, maxShare);
        if (orphaned.length > 0) {
          // The repair left them on purpose, and will again: no retry can cure it, a person decides.
          const decision = massOrphaningDecision(orphaned.length, memoryRowCount(read.state), maxShare, context.paths.specsRoot);
          return nonRetryableFailure('too many memory files are gone to delete their rows on a guess', counts, escalationItems(decision, orphaned));
        }
        const specsRoot = problems.find((problem) => problem.kind === 'unreadable-file' && problem.path === read.state.specsUnderRoot);
        if (specsRoot !== undefined) {
          const decision =
            `the specs folder (${context.paths.specsRoot}) is missing or is not a folder, so no memory file could be looked at: ` +
            'restore or mount it, or set specsRoot in the config to the folder the memory files are in, then heal again; no row was deleted';
          return nonRetryableFailure('the specs folder is missing or is not a folder', counts, escalationItems(decision, [specsRoot]));
        }
        // A file that cannot be read stays so until a person acts (only one that vanished mid-read
        // may be back on a retry): waiting out the retries would only delay the escalation.
        if (problems.every((problem) => problem.kind === 'unreadable-file' && problem.detail !== 'vanished')) {
          return nonRetryableFailure('memory files cannot be read, which no retry cures', counts, escalationItems(UNREADABLE_DECISION, problems));
        }
        return retryableFailure('index still differs from the memory files', counts, escalationItems(DECISION, problems));
      })),
    };
  },

  checkInjectable: (context, request) => checkIndexDriftInjectable(context, request),
  inject: (context, request) => injectIndexDrift(context, request),
};

/**
 * Reads the files and the index and judges them, once SQLite's quick_check has passed. On a large
 * workspace the files are read on helper threads too, starting while they are still being listed
 * and while the rows are read here; the quick_check is queued behind that reading on a helper, and
 * runs while this thread judges what was read (background-checks.ts, memory-file-pool.ts).
 *
 * `repairFollows`: the built-in repair runs next when drift is found. Then, in WAL mode, a judgement
 * that finds drift does not wait for a quick_check running on a helper: the repair waits for that verdict
 * before it commits (startRepairSoundnessCheck), so that the check runs while the repair plans and
 * writes instead of holding up the step in between. A judgement that finds nothing waits, as every
 * check does: a run that ends healthy has had the database checked.
 */
function readAndJudge(context: LiveContext, index: IndexDatabase, repairFollows = false): { read: ReadIndexDriftState; check: CheckReport } {
  const scan = startFileScan(context);
  // Only in WAL mode: in the others the helper's read would hold off the repair's commit. Begun
  // ahead (on a helper, when one runs) so that the repair finds it by the database's version.
  const leaveToRepair = repairFollows && connectionInWalMode(index.db);
  if (leaveToRepair) beginSoundnessCheck(context);
  const sound = startSoundnessCheck(context, index.db);
  const judged = afterFailure(sound, () => {
    const read = readIndexDriftState(context, index, undefined, scan);
    return { read, check: checkReport(read, context.config.thresholds.maxOrphanedShare) };
  });
  if (!leaveToRepair || judged.check.findings.length === 0) sound();
  return judged;
}

function checkReport(read: ReadIndexDriftState, maxOrphanedShare: number): CheckReport {
  const { findings, foreignRows, otherRows, memoryShapedOutsideSpecs } = rememberedIndexDrift(read.state);
  const notes = [...read.notes];
  if (foreignRows > 0) notes.push(`${foreignRows} rows point outside the workspace: counted as foreign and left alone`);
  if (memoryShapedOutsideSpecs > 0) {
    // Not judged, as the other files' rows are not; but most likely the configured specs root is
    // not the folder these memories live in, which a person should hear about.
    notes.push(
      `${memoryShapedOutsideSpecs} rows name memory files outside the specs root (${read.state.specsUnderRoot || '.'}): not judged and left alone; ` +
        'if the specs root is set to the wrong folder (the config\'s specsRoot), put it right',
    );
  }
  if (otherRows > memoryShapedOutsideSpecs) {
    notes.push(`${otherRows - memoryShapedOutsideSpecs} rows index files that are not memory files (spec documents, READMEs, constitutional rules): not judged and left alone`);
  }
  if (withheldOrphans(read.state, findings, maxOrphanedShare).length > 0) {
    notes.push(`more rows are orphaned than thresholds.maxOrphanedShare (${maxOrphanedShare}) lets one heal delete: a heal will leave them and escalate`);
  }
  return {
    failureClass: CLASS,
    counts: countByKind(INDEX_DRIFT_KINDS, findings),
    findings,
    metrics: { files: read.state.files.length, rows: read.state.rows.length },
    notes,
  };
}

/**
 * Plans inside the repair's transaction, from the rows as they are now and the run's file scan; with
 * how many orphaned rows the plan leaves for a person (orphan-allowance.ts).
 */
function planFromDatabase(context: LiveContext, db: Database): { operations: IndexRepairOperation[]; withheldOrphans: number } {
  const index = { db, vectorsLoaded: vectorsWritable(db) };
  const read = readIndexDriftState(context, index);
  const { findings } = rememberedIndexDrift(read.state);
  const maxShare = context.config.thresholds.maxOrphanedShare;
  return { operations: planIndexRepair(read.state, findings, maxShare), withheldOrphans: withheldOrphans(read.state, findings, maxShare).length };
}

function sameFiles(a: readonly MemoryFileRecord[], b: readonly MemoryFileRecord[]): boolean {
  return a.length === b.length && a.every((file, index) => file === b[index]);
}

function vectorsWritable(db: Database): boolean {
  try {
    db.prepare('SELECT vec_version()').get();
    return db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'vec_memories'`).get() !== undefined;
  } catch {
    return false;
  }
}

/** The stored file paths by id, read lazily: the path form needs only the first row inside the workspace. */
function* storedPaths(db: Database): Generator<string> {
  for (const row of db.prepare('SELECT file_path FROM memory_index ORDER BY id').raw(true).iterate() as IterableIterator<unknown[]>) {
    yield String(row[0]);
  }
}
