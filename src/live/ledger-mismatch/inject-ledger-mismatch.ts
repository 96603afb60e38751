import { rmSync } from 'node:fs';
import { tableExists } from '../../workspace/index-reads.js';
import { LEDGER_TRIGGERS } from '../../workspace/ledger-entry.js';
import { editMemoryFile, InjectionSession, injectKinds } from '../fault-injection.js';
import { openIndex } from '../index-database-session.js';
import type { Finding, InjectionReport, InjectionRequest, LiveContext } from '../live-class.js';

/** The faults `inject ledger-mismatch` makes, in this order. */
export const LEDGER_MISMATCH_FAULTS = ['unrecorded-update', 'unrecorded-deletion', 'dropped-ledger-trigger'] as const;

/**
 * Makes real ledger mismatch while keeping the index true to the files (so index-drift stays
 * clean): a memory edited and re-indexed with no ledger entry, a memory deleted (file, row and
 * vector) with no ledger entry, and a dropped append-only trigger.
 */
export async function injectLedgerMismatch(context: LiveContext, request: InjectionRequest): Promise<InjectionReport> {
  const index = openIndex(context, 'write', ['memory_index', 'mutation_ledger']);
  const { db } = index;
  const injected: Finding[] = [];
  try {
    const session = new InjectionSession(context, db, request);
    const deleteVector = index.vectorsLoaded && tableExists(db, 'vec_memories') ? db.prepare('DELETE FROM vec_memories WHERE rowid = ?') : undefined;
    const made = injectKinds(session.kinds(LEDGER_MISMATCH_FAULTS), injected, (kind) => {
      const random = session.random(kind);
      switch (kind) {
        case 'unrecorded-update':
          for (const target of session.take(random, request.count)) {
            const file = editMemoryFile(target.absolutePath, 'An update the ledger never recorded (opsheal inject).');
            db.prepare('UPDATE memory_index SET content_hash = ?, file_mtime_ms = ?, updated_at = ? WHERE id = ?')
              .run(file.contentHash, file.mtimeMs, session.recentTimestamp(), target.row.id);
            injected.push({ kind: 'unrecorded-state', memoryId: target.row.id });
          }
          break;
        case 'unrecorded-deletion':
          for (const target of session.take(random, request.count)) {
            rmSync(target.absolutePath);
            db.prepare('DELETE FROM memory_index WHERE id = ?').run(target.row.id);
            deleteVector?.run(BigInt(target.row.id));
            injected.push({ kind: 'unrecorded-deletion', memoryId: target.row.id });
          }
          break;
        case 'dropped-ledger-trigger':
          for (const name of LEDGER_TRIGGERS.slice(0, request.count)) {
            const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?`).get(name) !== undefined;
            if (!exists) continue;
            db.exec(`DROP TRIGGER ${name}`);
            injected.push({ kind: 'unguarded-ledger', subject: name });
          }
          break;
      }
    });
    return { failureClass: 'ledger-mismatch', injected, made };
  } finally {
    db.close();
  }
}
