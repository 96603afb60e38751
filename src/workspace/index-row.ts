/** The `memory_index` columns opsheal reads and writes; the server's table has many more, left alone. */
export interface IndexRow {
  readonly id: number;
  readonly specFolder: string;
  /** As stored: absolute (the server's habit) or workspace-relative. */
  readonly filePath: string;
  readonly anchorId: string | null;
  readonly title: string | null;
  /** The JSON array text as stored. */
  readonly triggerPhrases: string | null;
  readonly importanceTier: string | null;
  readonly contextType: string | null;
  readonly sessionId: string | null;
  readonly contentHash: string | null;
  readonly fileMtimeMs: number | null;
  readonly embeddingStatus: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The columns a row is judged and recorded by (index-drift compares it with its file,
 * ledger-mismatch with the ledger): a fraction of the row, so that reading 100,000 of them is cheap.
 */
export type IndexRowSummary = Pick<IndexRow, 'id' | 'filePath' | 'anchorId' | 'sessionId' | 'contentHash' | 'embeddingStatus'>;
