import type { Database } from 'better-sqlite3';
import type { NewLedgerEntry } from './ledger-entry.js';

/** The actor every opsheal ledger entry names. */
export const OPSHEAL_ACTOR = 'opsheal';

/** The actor of entries the memory server writes (the sample generator and the fault injector act as it). */
export const SERVER_ACTOR = 'memory-server';

/**
 * Appends entries to `mutation_ledger` with the given actor (`opsheal` unless said otherwise) and timestamp (ISO-8601 with
 * milliseconds). Never updates or deletes: the ledger only grows. Meant to run inside the repair's
 * transaction so that the index change and its record commit together. Returns the new ids.
 */
export function appendLedgerEntries(db: Database, entries: readonly NewLedgerEntry[], timestamp: string, actor: string = OPSHEAL_ACTOR): number[] {
  if (entries.length === 0) return [];
  const insert = db.prepare(
    `INSERT INTO mutation_ledger (timestamp, mutation_type, reason, prior_hash, new_hash, linked_memory_ids, decision_meta, actor, session_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return entries.map((entry) =>
    Number(
      insert.run(
        timestamp,
        entry.mutationType,
        entry.reason,
        entry.priorHash,
        entry.newHash,
        JSON.stringify(entry.linkedMemoryIds),
        JSON.stringify(entry.decisionMeta),
        actor,
        entry.sessionId,
      ).lastInsertRowid,
    ),
  );
}
