import { rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Database } from 'better-sqlite3';
import { tableExists } from '../../workspace/index-reads.js';
import { appendLedgerEntries, SERVER_ACTOR } from '../../workspace/ledger-append.js';
import { SAMPLE_VECTOR_DIMENSIONS } from '../../workspace/server-schema.js';
import { deletionHash } from '../ledger-hashes.js';
import { editMemoryFile, InjectionSession, injectKinds } from '../fault-injection.js';
import { openIndex, type IndexDatabase } from '../index-database-session.js';
import type { Finding, InjectionReport, InjectionRequest, LiveContext } from '../live-class.js';
import { NotInjectableError } from '../not-injectable-error.js';

/** The faults `inject index-drift` makes, in this order. */
export const INDEX_DRIFT_FAULTS = ['unindexed-file', 'deleted-file', 'edited-file', 'deleted-row', 'fts-out-of-step', 'orphaned-vector'] as const;

/**
 * Makes real index drift: a memory file the index never saw, a file deleted under its row, a file
 * edited behind the index's back, a row deleted (and the deletion recorded) while its file stays,
 * FTS entries removed, and vectors with no memory row. Each fault is what `check index-drift`
 * reports for it, and none touches another's memory.
 */
export async function injectIndexDrift(context: LiveContext, request: InjectionRequest): Promise<InjectionReport> {
  const index = openIndex(context, 'write');
  const { db } = index;
  const injected: Finding[] = [];
  try {
    const session = new InjectionSession(context, db, request);
    // Before the first fault: a kind that cannot be made must not stop the run halfway.
    requireInjectable(index, request);
    const deleteVector = index.vectorsLoaded && tableExists(db, 'vec_memories') ? db.prepare('DELETE FROM vec_memories WHERE rowid = ?') : undefined;
    const made = injectKinds(session.kinds(INDEX_DRIFT_FAULTS), injected, (kind) => {
      const random = session.random(kind);
      switch (kind) {
        case 'unindexed-file':
          session.take(random, request.count).forEach((target, n) => {
            const relativePath = posix.join(posix.dirname(target.relativePath), `2026-01-01__unindexed-${request.seed}-${n + 1}.md`);
            writeFileSync(join(context.paths.root, relativePath), unindexedMemory(target.row.sessionId, n + 1));
            injected.push({ kind: 'missing', path: relativePath });
          });
          break;
        case 'deleted-file':
          for (const target of session.take(random, request.count)) {
            rmSync(target.absolutePath);
            injected.push({ kind: 'orphaned', memoryId: target.row.id, path: target.relativePath });
          }
          break;
        case 'edited-file':
          for (const target of session.take(random, request.count)) {
            editMemoryFile(target.absolutePath, 'An edit the index never saw (opsheal inject).');
            injected.push({ kind: 'stale', memoryId: target.row.id, path: target.relativePath });
          }
          break;
        case 'deleted-row':
          db.transaction(() => {
            for (const target of session.take(random, request.count)) {
              db.prepare('DELETE FROM memory_index WHERE id = ?').run(target.row.id);
              deleteVector?.run(BigInt(target.row.id));
              // The server recorded the deletion; only the file, which should have gone too, stayed.
              appendLedgerEntries(db, [{
                mutationType: 'delete', reason: 'memory deleted (opsheal inject: its file was left behind)',
                priorHash: target.row.contentHash, newHash: deletionHash(target.row.id, target.row.contentHash),
                linkedMemoryIds: [target.row.id], decisionMeta: { injected: 'deleted-row' }, sessionId: target.row.sessionId,
              }], session.recentTimestamp(), SERVER_ACTOR);
              injected.push({ kind: 'missing', path: target.relativePath });
            }
          })();
          break;
        case 'fts-out-of-step':
          for (const target of session.take(random, request.count)) {
            const { row } = target;
            db.prepare(`INSERT INTO memory_fts(memory_fts, rowid, title, trigger_phrases, file_path) VALUES ('delete', ?, ?, ?, ?)`)
              .run(row.id, row.title, row.triggerPhrases, row.filePath);
            injected.push({ kind: 'fts-out-of-step', memoryId: row.id });
          }
          break;
        case 'orphaned-vector': {
          const { top } = db.prepare('SELECT max(id) AS top FROM memory_index').get() as { top: number | null };
          const insert = db.prepare('INSERT INTO vec_memories(rowid, embedding) VALUES (?, ?)');
          const dimensions = vectorDimensions(db);
          for (let n = 1; n <= request.count; n++) {
            const id = (top ?? 0) + 100_000 + n;
            const vector = new Float32Array(dimensions).map(() => random.next());
            insert.run(BigInt(id), Buffer.from(vector.buffer));
            injected.push({ kind: 'orphaned-vector', memoryId: id });
          }
          break;
        }
      }
    });
    return { failureClass: 'index-drift', injected, made };
  } finally {
    db.close();
  }
}

function unindexedMemory(sessionId: string | null, n: number): string {
  return [
    '---',
    `title: "Unindexed memory ${n}"`,
    'trigger_phrases:',
    '  - "unindexed memory"',
    'importance_tier: "normal"',
    'context_type: "general"',
    ...(sessionId !== null ? [`session_id: "${sessionId}"`] : []),
    '---',
    '',
    `# Unindexed memory ${n}`,
    '',
    'Written by opsheal inject: a memory file the index has never seen.',
    '',
  ].join('\n');
}

/**
 * The width of `vec_memories`' embedding column, from its DDL (`embedding float[768]`): the real
 * server's is set by its embedding provider, the sample's is {@link SAMPLE_VECTOR_DIMENSIONS}.
 */
function vectorDimensions(db: Database): number {
  const row = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'vec_memories'`).get() as { sql: string | null } | undefined;
  const match = /\bfloat\s*\[\s*(\d+)\s*\]/i.exec(row?.sql ?? '');
  return match?.[1] !== undefined ? Number(match[1]) : SAMPLE_VECTOR_DIMENSIONS;
}

/** The faults asked for can all be made here (see LiveClass.checkInjectable); reads only. */
export async function checkIndexDriftInjectable(context: LiveContext, request: InjectionRequest): Promise<void> {
  const index = openIndex(context, 'read');
  try {
    requireInjectable(index, request);
  } finally {
    index.db.close();
  }
}

/** Throws when the database lacks what a fault asked for is made in (the FTS table, the vector table). */
function requireInjectable(index: IndexDatabase, request: InjectionRequest): void {
  const asked = (kind: (typeof INDEX_DRIFT_FAULTS)[number]): boolean => request.kind === undefined || request.kind === kind;
  if (asked('fts-out-of-step') && !tableExists(index.db, 'memory_fts')) {
    throw new NotInjectableError('cannot inject fts-out-of-step: the database has no memory_fts table');
  }
  if (asked('orphaned-vector') && (!index.vectorsLoaded || !tableExists(index.db, 'vec_memories'))) {
    throw new NotInjectableError(`cannot inject orphaned-vector: ${index.vectorNote ?? 'the database has no vec_memories table'}`);
  }
}

