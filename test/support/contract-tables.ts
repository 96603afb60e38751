/**
 * The tables of /work/shared/CONTRACT.md, copied by hand, so the CLI tests compare the built
 * executables against the contract and not against the project's own catalog.
 */
export interface ContractClass {
  readonly id: string;
  readonly owner: string;
  readonly escalation: string;
  readonly trigger: string;
  readonly summary: string;
  /** detect, repair, verify */
  readonly steps: readonly [ContractStep, ContractStep, ContractStep];
}

export interface ContractStep {
  readonly name: string;
  readonly command: string;
}

export const CONTRACT_CLASSES: readonly ContractClass[] = [
  {
    id: 'index-drift',
    owner: 'Engineering Lead',
    escalation: 'Engineering Lead -> Operations Lead',
    trigger: 'index parity check fails or retrieval health loop reports divergence',
    summary: 'index parity restored and verified',
    steps: [
      { name: 'detect-divergence', command: 'node dist/memory/reindex-embeddings.js --health-check --target index' },
      { name: 'rebuild-index', command: 'node dist/memory/reindex-embeddings.js --rebuild --target index' },
      { name: 'verify-parity', command: 'node dist/memory/reindex-embeddings.js --verify --target index' },
    ],
  },
  {
    id: 'session-ambiguity',
    owner: 'QA Lead',
    escalation: 'QA Lead -> Operations Lead',
    trigger: 'session misroute threshold exceeded on ambiguity fixtures',
    summary: 'session routing ambiguity reduced to policy threshold',
    steps: [
      { name: 'detect-misroute-risk', command: 'node dist/extractors/session-extractor.js --diagnose-ambiguity --sample-size 500' },
      { name: 'refresh-session-candidates', command: 'node dist/core/workflow.js --session-reconcile --refresh-candidates' },
      { name: 'verify-latency-and-route', command: 'node dist/evals/run-phase1-5-shadow-eval.js --check session-quality' },
    ],
  },
  {
    id: 'ledger-mismatch',
    owner: 'Engineering Lead',
    escalation: 'Engineering Lead -> Operations Lead',
    trigger: 'mutation ledger parity mismatch or replay consistency failure',
    summary: 'ledger replay consistency restored',
    steps: [
      { name: 'detect-ledger-divergence', command: 'node dist/memory/cleanup-orphaned-vectors.js --check-ledger --strict' },
      { name: 'replay-ledger', command: 'node dist/memory/cleanup-orphaned-vectors.js --repair-ledger --replay' },
      { name: 'verify-rpo-zero', command: 'node dist/evals/run-quality-legacy-remediation.js --check ledger-consistency' },
    ],
  },
  {
    id: 'telemetry-drift',
    owner: 'Operations Lead',
    escalation: 'Operations Lead -> Product Owner',
    trigger: 'schema/doc parity failure or release-gate drift signal',
    summary: 'telemetry schema/docs parity restored',
    steps: [
      { name: 'detect-schema-doc-drift', command: 'node dist/evals/run-phase3-telemetry-dashboard.js --check schema-doc-parity' },
      { name: 'sync-schema-and-docs', command: 'node dist/evals/run-phase3-telemetry-dashboard.js --sync schema-doc' },
      { name: 'verify-release-gate', command: 'node dist/evals/run-phase3-telemetry-dashboard.js --verify release-gate' },
    ],
  },
];

/** The contract's example instant, and SOURCE_DATE_EPOCH for it. */
export const CONTRACT_TIMESTAMP = '2026-02-22T00:00:00Z';
export const CONTRACT_EPOCH = '1771718400';

/** The class with this id; throws for a typo in a test. */
export function contractClass(id: string): ContractClass {
  const found = CONTRACT_CLASSES.find((entry) => entry.id === id);
  if (found === undefined) throw new Error(`no contract class ${id}`);
  return found;
}
