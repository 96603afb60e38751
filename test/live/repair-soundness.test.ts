// A heal's detect that finds drift leaves SQLite's quick_check running on a helper, and the repair
// waits for its verdict before it commits (background-checks.ts, startRepairSoundnessCheck). Helpers
// run only from the built bundle, so here the pool is a stand-in whose soundness check answers, when
// collected, with the verdict the test chose, and writes down when it was collected beside when the
// repair applied its plan. What the tests pin: in WAL mode the verdict is waited for after the writes
// and before the commit; a damaged verdict rolls everything back (nothing written, no backup kept)
// and escalates at once; a detect that finds nothing waits for the verdict itself, so that no run
// ends healthy on a damaged database; a check begun on a version someone has since committed over is
// not used; a detect whose repair is a configured command, or on a database not in WAL mode, waits.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AttemptContext } from '../../src/core/step-action.js';
import type { HelperTask, HelperTaskResult } from '../../src/workspace/helper-tasks.js';

const pool = vi.hoisted(() => ({
  /** What the soundness check answers. */
  verdict: 'sound' as 'sound' | 'corrupt',
  tasks: [] as HelperTask[],
  /** 'apply' when the repair applies its plan, 'verdict' when a soundness check's answer is collected. */
  moments: [] as string[],
}));

vi.mock('../../src/workspace/memory-file-pool.js', () => ({
  processPool: () => ({
    worthAHelper: () => true,
    worthAFileTask: () => false,
    startTask: (task: HelperTask) => {
      pool.tasks.push(task);
      return {
        collect: (): HelperTaskResult | undefined => {
          // Integrity checks and backup copies are left to the step's own connection.
          if (task.kind !== 'database-checks' || task.integrityCheck === true) return undefined;
          pool.moments.push('verdict');
          if (pool.verdict === 'sound') return { ok: true };
          return { ok: false, unusable: { message: `${task.soundLabel}: database is corrupt (PRAGMA quick_check: stand-in)`, retryable: false, code: 'SQLITE_CORRUPT' } };
        },
      };
    },
  }),
}));

vi.mock('../../src/live/index-drift/apply-index-repair.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/live/index-drift/apply-index-repair.js')>();
  return {
    ...original,
    applyIndexRepair: (...args: Parameters<typeof original.applyIndexRepair>) => {
      pool.moments.push('apply');
      return original.applyIndexRepair(...args);
    },
  };
});

const { indexDriftClass } = await import('../../src/live/index-drift/index-drift-class.js');
const { cachedMemoryFileSource } = await import('../../src/workspace/cached-memory-files.js');
const { attemptTrail, fileHash, healClass, indexRows, ledgerRows, otherWriterCommits, useWorkspaceTemplate, withDatabase } = await import('./live-workspace.js');
type LiveWorkspace = import('./live-workspace.js').LiveWorkspace;

const template = useWorkspaceTemplate({ memories: 40, seed: 11 });

afterEach(() => {
  pool.verdict = 'sound';
  pool.tasks.length = 0;
  pool.moments.length = 0;
});

const soundnessTasks = (): HelperTask[] => pool.tasks.filter((task) => task.kind === 'database-checks' && task.integrityCheck !== true);
/** A context whose memory files are read on this thread (the stand-in pool takes only tasks). */
function contextOf(workspace: LiveWorkspace) {
  return { ...workspace.context(), memoryFiles: cachedMemoryFileSource(workspace.paths, undefined, { pool: null }) };
}

function heal(workspace: LiveWorkspace) {
  return healClass(indexDriftClass, contextOf(workspace));
}

/** One attempt of a step run on its own (the runner is not involved). */
const attempt: AttemptContext = { failureClass: 'index-drift', step: 'any', attempt: 1, maxAttempts: 1, attemptsLeft: 0 };

async function driftedWorkspace(options: { backup?: boolean } = {}) {
  const workspace = template.copy(options);
  await indexDriftClass.inject(workspace.context(), { kind: 'deleted-row', count: 2, seed: 1 });
  return workspace;
}

describe("a heal's quick_check, left by detect to the repair", () => {
  it('is begun once, and waited for after the repair has written and before it commits (WAL)', async () => {
    const workspace = await driftedWorkspace();
    const run = await heal(workspace);

    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:success', 'verify-parity:success']);
    expect(pool.moments).toEqual(['apply', 'verdict']);
    expect(soundnessTasks()).toHaveLength(1);
  });

  it('that finds the database damaged rolls the repair back and escalates at once: nothing written, no backup kept', async () => {
    const workspace = await driftedWorkspace({ backup: true });
    pool.verdict = 'corrupt';
    const before = { db: fileHash(workspace.paths.db), rows: indexRows(workspace.paths.db).length, ledger: ledgerRows(workspace.paths.db).length };

    const run = await heal(workspace);

    expect(run.outcome).toBe('escalated');
    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:non-retryable-failure']);
    expect(run.attempts[1]?.message).toMatch(/database is corrupt \(PRAGMA quick_check: stand-in\)/);
    expect(pool.moments).toEqual(['apply', 'verdict']);
    expect({ db: fileHash(workspace.paths.db), rows: indexRows(workspace.paths.db).length, ledger: ledgerRows(workspace.paths.db).length }).toEqual(before);
    // No backup, and not even the folder one would have gone in.
    expect(existsSync(workspace.paths.backupsDir)).toBe(false);
  });

  it('is waited for by a detect that finds nothing: no run ends healthy on a damaged database', async () => {
    const workspace = template.copy();
    pool.verdict = 'corrupt';
    const run = await heal(workspace);

    expect(attemptTrail(run)).toEqual(['detect-divergence:non-retryable-failure']);
    expect(pool.moments).toEqual(['verdict']);
  });

  it('is not used once anyone has committed since detect: the repair checks the database as it is now, before it plans', async () => {
    const workspace = await driftedWorkspace();
    pool.verdict = 'corrupt';
    const actions = indexDriftClass.actions(contextOf(workspace));

    expect((await actions.detect(attempt)).kind).toBe('success');
    otherWriterCommits(workspace.paths.db);
    // The stand-in's verdict (damaged) is for the version detect saw; the repair's own check, run
    // on its connection, finds the database sound.
    expect((await actions.repair(attempt)).kind).toBe('success');
    expect(pool.moments).toEqual(['apply']);
  });

  it('is waited for by detect when the repair is a configured command', async () => {
    const workspace = await driftedWorkspace();
    const actions = indexDriftClass.actions(contextOf(workspace), new Set(['detect', 'verify']));

    expect((await actions.detect(attempt)).kind).toBe('success');
    expect(pool.moments).toEqual(['verdict']);
  });

  it('is waited for before the first write when the database is not in WAL mode', async () => {
    const workspace = await driftedWorkspace();
    withDatabase(workspace.paths.db, (db) => db.pragma('journal_mode = DELETE'));
    const run = await heal(workspace);

    expect(attemptTrail(run)).toEqual(['detect-divergence:success', 'rebuild-index:success', 'verify-parity:success']);
    // A helper's read would hold off the repair's commit in this mode: the detect waits for it.
    expect(pool.moments).toEqual(['verdict', 'apply']);
    expect(soundnessTasks()).toHaveLength(1);
  });
});
