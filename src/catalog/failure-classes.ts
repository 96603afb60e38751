import type { CatalogStep, FailureClass, StepPhase } from './failure-class.js';

const reindex = 'node dist/memory/reindex-embeddings.js';
const cleanup = 'node dist/memory/cleanup-orphaned-vectors.js';
const dashboard = 'node dist/evals/run-phase3-telemetry-dashboard.js';

/** The four classes, in the contract's order (the order of `list` and `drill all`). */
export const FAILURE_CLASSES: readonly FailureClass[] = [
  {
    id: 'index-drift',
    owner: 'Engineering Lead',
    escalationPath: 'Engineering Lead -> Operations Lead',
    trigger: 'index parity check fails or retrieval health loop reports divergence',
    summary: 'index parity restored and verified',
    healthySummary: 'index matches the memory files',
    steps: [
      { phase: 'detect', name: 'detect-divergence', drillCommand: `${reindex} --health-check --target index` },
      { phase: 'repair', name: 'rebuild-index', drillCommand: `${reindex} --rebuild --target index` },
      { phase: 'verify', name: 'verify-parity', drillCommand: `${reindex} --verify --target index` },
    ],
  },
  {
    id: 'session-ambiguity',
    owner: 'QA Lead',
    escalationPath: 'QA Lead -> Operations Lead',
    trigger: 'session misroute threshold exceeded on ambiguity fixtures',
    summary: 'session routing ambiguity reduced to policy threshold',
    healthySummary: 'session routing within policy threshold',
    steps: [
      { phase: 'detect', name: 'detect-misroute-risk', drillCommand: 'node dist/extractors/session-extractor.js --diagnose-ambiguity --sample-size 500' },
      { phase: 'repair', name: 'refresh-session-candidates', drillCommand: 'node dist/core/workflow.js --session-reconcile --refresh-candidates' },
      { phase: 'verify', name: 'verify-latency-and-route', drillCommand: 'node dist/evals/run-phase1-5-shadow-eval.js --check session-quality' },
    ],
  },
  {
    id: 'ledger-mismatch',
    owner: 'Engineering Lead',
    escalationPath: 'Engineering Lead -> Operations Lead',
    trigger: 'mutation ledger parity mismatch or replay consistency failure',
    summary: 'ledger replay consistency restored',
    healthySummary: 'ledger accounts for every memory row',
    steps: [
      { phase: 'detect', name: 'detect-ledger-divergence', drillCommand: `${cleanup} --check-ledger --strict` },
      { phase: 'repair', name: 'replay-ledger', drillCommand: `${cleanup} --repair-ledger --replay` },
      { phase: 'verify', name: 'verify-rpo-zero', drillCommand: 'node dist/evals/run-quality-legacy-remediation.js --check ledger-consistency' },
    ],
  },
  {
    id: 'telemetry-drift',
    owner: 'Operations Lead',
    escalationPath: 'Operations Lead -> Product Owner',
    trigger: 'schema/doc parity failure or release-gate drift signal',
    summary: 'telemetry schema/docs parity restored',
    healthySummary: 'telemetry docs match the schema',
    steps: [
      { phase: 'detect', name: 'detect-schema-doc-drift', drillCommand: `${dashboard} --check schema-doc-parity` },
      { phase: 'repair', name: 'sync-schema-and-docs', drillCommand: `${dashboard} --sync schema-doc` },
      { phase: 'verify', name: 'verify-release-gate', drillCommand: `${dashboard} --verify release-gate` },
    ],
  },
];

/** The class with this id, or `undefined`. */
export function findFailureClass(id: string): FailureClass | undefined {
  return FAILURE_CLASSES.find((failureClass) => failureClass.id === id);
}

/** The step of a class for a phase; the catalog has all three for every class. */
export function failureClassStep(id: string, phase: StepPhase): CatalogStep {
  const step = findFailureClass(id)?.steps.find((candidate) => candidate.phase === phase);
  if (step === undefined) throw new Error(`catalog has no ${phase} step for ${id}`);
  return step;
}

/** The phase of the class's step named `stepName`, or `undefined` when it has no such step. */
export function phaseOfStep(failureClass: FailureClass, stepName: string): StepPhase | undefined {
  return failureClass.steps.find((step) => step.name === stepName)?.phase;
}

/** The class ids in catalog order. */
export function failureClassIds(): string[] {
  return FAILURE_CLASSES.map((failureClass) => failureClass.id);
}
