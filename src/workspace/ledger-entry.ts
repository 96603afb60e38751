export const MUTATION_TYPES = ['create', 'update', 'delete', 'merge', 'archive', 'restore', 'reindex'] as const;
export type MutationType = (typeof MUTATION_TYPES)[number];

/** One `mutation_ledger` row. The ledger is append-only: opsheal only ever adds these. */
export interface LedgerEntry {
  readonly id: number;
  readonly timestamp: string | null;
  readonly mutationType: string;
  readonly reason: string;
  readonly priorHash: string | null;
  readonly newHash: string;
  /** Parsed from the `linked_memory_ids` JSON array; ids that are not integers are skipped. */
  readonly linkedMemoryIds: readonly number[];
  /** The `decision_meta` JSON text as stored. */
  readonly decisionMeta: string | null;
  readonly actor: string;
  readonly sessionId: string | null;
}

/** What ledger-mismatch reads of each entry: which memories it links, what it did, and the hash it left. */
export type LedgerLink = Pick<LedgerEntry, 'id' | 'mutationType' | 'newHash' | 'linkedMemoryIds'>;

/** An entry to append: what a repair records. */
export interface NewLedgerEntry {
  readonly mutationType: MutationType;
  readonly reason: string;
  readonly priorHash: string | null;
  readonly newHash: string;
  readonly linkedMemoryIds: readonly number[];
  readonly decisionMeta: Readonly<Record<string, unknown>>;
  readonly sessionId: string | null;
}

/** The names of the two triggers that make the ledger append-only. */
export const LEDGER_TRIGGERS = ['prevent_ledger_update', 'prevent_ledger_delete'] as const;

/** The statement each of them must abort. */
export const LEDGER_TRIGGER_STATEMENT: Readonly<Record<(typeof LEDGER_TRIGGERS)[number], 'UPDATE' | 'DELETE'>> = {
  prevent_ledger_update: 'UPDATE',
  prevent_ledger_delete: 'DELETE',
};
