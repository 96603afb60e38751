// background-checks.ts runs SQLite's whole-database checks on a helper thread. Helpers run only from
// the built bundle (memory-file-pool.ts), so here the pool is a stand-in whose "helper" does not run
// an integrity task but answers it, when collected, with a problem naming the task, so that a test
// can tell whose answer a verify got. What the tests pin: an integrity check begun
// ahead (index-drift's repair begins the verify's) is the one the verify waits for while the
// database is still at the version it began on, and only then (every verify at that version); and
// nothing is begun where the check would run on the step's own connection anyway. And the
// checkpoint a repair's commit leaves to the helper: posted once the verify has the helper's
// verdict, and left only where a helper will take it.
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HelperTask, HelperTaskResult } from '../../src/workspace/helper-tasks.js';
import type { AttemptContext } from '../../src/core/step-action.js';
import { indexDriftClass } from '../../src/live/index-drift/index-drift-class.js';
import { cachedMemoryFileSource } from '../../src/workspace/cached-memory-files.js';
import { otherWriterCommits, useWorkspaceTemplate } from './live-workspace.js';

const pool = vi.hoisted(() => ({
  worthIt: true,
  /** The next task cannot be posted (a helper thread that cannot start). */
  failNextPost: false,
  tasks: [] as HelperTask[],
}));

vi.mock('../../src/workspace/memory-file-pool.js', () => ({
  processPool: () => ({
    worthAHelper: () => pool.worthIt,
    // A repair's files are read again on the main thread.
    worthAFileTask: () => false,
    startTask: (task: HelperTask) => {
      if (pool.failNextPost) {
        pool.failNextPost = false;
        throw new Error('cannot start a helper thread');
      }
      pool.tasks.push(task);
      const number = pool.tasks.length;
      return {
        collect: (): HelperTaskResult | undefined => {
          if (task.kind !== 'database-checks' || task.integrityCheck !== true) return undefined;
          return { ok: true, integrityProblems: [{ kind: 'database-integrity', detail: `answer of task ${number}` }] };
        },
      };
    },
    postTask: (task: HelperTask) => {
      pool.tasks.push(task);
    },
  }),
}));

const { beginIntegrityCheck, beginSoundnessCheck, startIntegrityCheck } = await import('../../src/live/background-checks.js');
const { openIndex } = await import('../../src/live/index-database-session.js');
const { repairUnderLock } = await import('../../src/live/locked-repair.js');

const template = useWorkspaceTemplate({ memories: 40, seed: 11 });

afterEach(() => {
  pool.worthIt = true;
  pool.failNextPost = false;
  pool.tasks.length = 0;
});

const integrityTasks = (): HelperTask[] => pool.tasks.filter((task) => task.kind === 'database-checks' && task.integrityCheck === true);

/** What a verify's integrity check answers, run on a connection of the verify's own. */
function verifyIntegrity(context: Parameters<typeof startIntegrityCheck>[0]): string[] {
  const { db } = openIndex(context, 'write');
  try {
    return startIntegrityCheck(context, db)().problems.map((problem) => problem.detail);
  } finally {
    db.close();
  }
}

describe('an integrity check begun ahead', () => {
  it('is the one a verify waits for while the database is as it was when it began', () => {
    const context = template.copy().context();
    beginIntegrityCheck(context);
    expect(integrityTasks()).toHaveLength(1);
    expect(verifyIntegrity(context)).toEqual(['answer of task 1']);
    // Waited for, not started again.
    expect(integrityTasks()).toHaveLength(1);
  });

  it('is not used once anyone has committed since it began: the verify starts its own', () => {
    const workspace = template.copy();
    const context = workspace.context();
    beginIntegrityCheck(context);
    otherWriterCommits(workspace.paths.db);
    expect(verifyIntegrity(context)).toEqual(['answer of task 2']);
    expect(integrityTasks()).toHaveLength(2);
  });

  it('serves every verify while the database stays at its version (a retry\'s too), and none after a commit', () => {
    const workspace = template.copy();
    const context = workspace.context();
    beginIntegrityCheck(context);
    expect(verifyIntegrity(context)).toEqual(['answer of task 1']);
    expect(verifyIntegrity(context)).toEqual(['answer of task 1']);
    expect(integrityTasks()).toHaveLength(1);
    otherWriterCommits(workspace.paths.db);
    expect(verifyIntegrity(context)).toEqual(['answer of task 2']);
  });

  it('is begun once per version: beginning again on the same version posts nothing', () => {
    const workspace = template.copy();
    const context = workspace.context();
    beginIntegrityCheck(context);
    beginIntegrityCheck(context);
    expect(integrityTasks()).toHaveLength(1);
    otherWriterCommits(workspace.paths.db);
    beginIntegrityCheck(context);
    expect(integrityTasks()).toHaveLength(2);
    expect(verifyIntegrity(context)).toEqual(['answer of task 2']);
  });

  it('is kept apart from the soundness check begun ahead on the same version', () => {
    const context = template.copy().context();
    beginSoundnessCheck(context);
    beginIntegrityCheck(context);
    expect(pool.tasks.map((task) => (task.kind === 'database-checks' && task.integrityCheck === true ? 'integrity' : 'soundness'))).toEqual(['soundness', 'integrity']);
    expect(verifyIntegrity(context)).toEqual(['answer of task 2']);
  });

  it('belongs to its run: another run\'s verify starts its own', () => {
    const workspace = template.copy();
    beginIntegrityCheck(workspace.context());
    expect(verifyIntegrity(workspace.context())).toEqual(['answer of task 2']);
  });

  it('that cannot be begun leaves the verify to start its own, and throws nothing', () => {
    const context = template.copy().context();
    pool.failNextPost = true;
    expect(() => beginIntegrityCheck(context)).not.toThrow();
    expect(verifyIntegrity(context)).toEqual(['answer of task 1']);
  });

  it('leaves FTS\'s integrity check to the verify\'s own connection, which runs it while the helper runs integrity_check', async () => {
    const workspace = template.copy();
    const context = workspace.context();
    await indexDriftClass.inject(context, { kind: 'fts-out-of-step', count: 2, seed: 4 });
    beginIntegrityCheck(context);
    const { db } = openIndex(context, 'write');
    try {
      const integrity = startIntegrityCheck(context, db)();
      // integrity_check's verdict is the helper's; FTS's, of the database as it is, this connection's own.
      expect(integrity.problems.map((problem) => problem.detail)).toEqual(['answer of task 1']);
      expect(integrity.ftsOk).toBe(false);
    } finally {
      db.close();
    }
  });

  it('is not begun where the check runs on the step\'s own connection (a small database): the verify runs SQLite\'s checks there', () => {
    pool.worthIt = false;
    const context = template.copy().context();
    beginIntegrityCheck(context);
    expect(pool.tasks).toHaveLength(0);
    // The real checks, on a sound database: no problems.
    expect(verifyIntegrity(context)).toEqual([]);
    expect(pool.tasks).toHaveLength(0);
  });
});

describe('index-drift', () => {
  const attempt = (step: string): AttemptContext => ({ failureClass: 'index-drift', step, attempt: 1, maxAttempts: 3, attemptsLeft: 2 });

  it('begins its verify\'s integrity check as its repair returns, and its verify waits for that one', async () => {
    const workspace = template.copy();
    // The files are scanned on this thread: the stand-in pool runs no file jobs.
    const context = { ...workspace.context(), memoryFiles: cachedMemoryFileSource(workspace.paths, undefined, { pool: null }) };
    const actions = indexDriftClass.actions(context);
    expect((await actions.repair(attempt('rebuild-index'))).kind).toBe('success');
    expect(integrityTasks()).toHaveLength(1);
    const outcome = await actions.verify(attempt('verify-parity'));
    expect(integrityTasks()).toHaveLength(1);
    // The stand-in answers with a problem, so the verify fails on it: the answer it waited for.
    expect(outcome.kind).toBe('retryable-failure');
    expect(JSON.stringify(outcome)).toContain('answer of task 1');
  });

  it('begins nothing when a configured command verifies instead of the built-in verify', async () => {
    const workspace = template.copy();
    const context = { ...workspace.context(), memoryFiles: cachedMemoryFileSource(workspace.paths, undefined, { pool: null }) };
    const actions = indexDriftClass.actions(context, new Set(['detect', 'repair'] as const));
    expect((await actions.repair(attempt('rebuild-index'))).kind).toBe('success');
    expect(integrityTasks()).toHaveLength(0);
  });
});

describe('the checkpoint a repair leaves to the helper', () => {
  const attempt = (step: string): AttemptContext => ({ failureClass: 'index-drift', step, attempt: 1, maxAttempts: 3, attemptsLeft: 2 });
  const checkpointTasks = (): HelperTask[] => pool.tasks.filter((task) => task.kind === 'wal-checkpoint');
  const kinds = (): string[] => pool.tasks.map((task) => (task.kind === 'database-checks' ? (task.integrityCheck === true ? 'integrity' : 'soundness') : task.kind));

  /** An index-drift run on a workspace with something to repair, its files scanned on this thread. */
  async function driftedRun(running?: ReadonlySet<'detect' | 'repair' | 'verify'>) {
    const workspace = template.copy();
    const context = { ...workspace.context(), memoryFiles: cachedMemoryFileSource(workspace.paths, undefined, { pool: null }) };
    await indexDriftClass.inject(context, { kind: 'fts-out-of-step', count: 2, seed: 4 });
    return { workspace, context, actions: indexDriftClass.actions(context, running) };
  }

  it('is posted to the helper once the verify has the integrity verdict, after it and only once', async () => {
    const { workspace, actions } = await driftedRun();
    expect((await actions.repair(attempt('rebuild-index'))).kind).toBe('success');
    // Not yet: it would delay the integrity check the verify waits for.
    expect(checkpointTasks()).toHaveLength(0);
    await actions.verify(attempt('verify-parity'));
    expect(kinds().slice(-2)).toEqual(['integrity', 'wal-checkpoint']);
    expect(checkpointTasks()).toEqual([{ kind: 'wal-checkpoint', path: workspace.paths.db, busyTimeoutMs: expect.any(Number) }]);
    // A retry of the verify has nothing left to checkpoint.
    await actions.verify(attempt('verify-parity'));
    expect(checkpointTasks()).toHaveLength(1);
  });

  it('is not left when a configured command verifies instead of the built-in verify', async () => {
    const { context, actions } = await driftedRun(new Set(['detect', 'repair']));
    expect((await actions.repair(attempt('rebuild-index'))).kind).toBe('success');
    // The commit checkpointed as usual: an integrity check later in the run has nothing to post.
    const { db } = openIndex(context, 'write');
    try {
      startIntegrityCheck(context, db)();
    } finally {
      db.close();
    }
    expect(checkpointTasks()).toHaveLength(0);
  });

  it('keeps the commit\'s pages in the log only while a helper will copy them: otherwise the commit copies them itself', async () => {
    const cases = [
      { worthIt: true, checkpointOnHelper: true, copiedAtCommit: false },
      { worthIt: true, checkpointOnHelper: false, copiedAtCommit: true },
      // A small database: the verify's checks run on its own connection, so the commit checkpoints.
      { worthIt: false, checkpointOnHelper: true, copiedAtCommit: true },
    ];
    for (const { worthIt, checkpointOnHelper, copiedAtCommit } of cases) {
      pool.worthIt = worthIt;
      const workspace = template.copy({ backup: false });
      const context = workspace.context();
      // Kept open so that no close below is the database's last, which would checkpoint by itself.
      const keeper = new Database(workspace.paths.db, { readonly: true });
      try {
        const before = statSync(workspace.paths.db).size;
        await repairUnderLock<string>(
          context,
          () => {
            const { db } = openIndex(context, 'write');
            // A checkpoint after every commit, as SQLite's default does after a large one.
            db.pragma('wal_autocheckpoint = 1');
            return db;
          },
          {
            plan: () => ['pages'],
            apply: (db) => {
              db.exec('CREATE TABLE opsheal_test_pages (body TEXT NOT NULL)');
              const insert = db.prepare('INSERT INTO opsheal_test_pages (body) VALUES (?)');
              for (let index = 0; index < 64; index += 1) insert.run('x'.repeat(4096));
              return { rows: 64 };
            },
            checkpointOnHelper,
          },
        );
        expect({ worthIt, checkpointOnHelper, copiedAtCommit: statSync(workspace.paths.db).size > before + 64 * 4096 }).toEqual({ worthIt, checkpointOnHelper, copiedAtCommit });
      } finally {
        keeper.close();
      }
    }
  });
});
