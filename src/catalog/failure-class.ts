/** The three phases every class runs, in this order. */
export type StepPhase = 'detect' | 'repair' | 'verify';

export const STEP_PHASES: readonly StepPhase[] = ['detect', 'repair', 'verify'];

export interface CatalogStep {
  readonly phase: StepPhase;
  /** The contract's step name, printed as `step=`. */
  readonly name: string;
  /** The command a drill names for this step (and never runs). */
  readonly drillCommand: string;
}

/** A failure class as data: adding a fifth class is one entry here and one module of live actions. */
export interface FailureClass {
  readonly id: string;
  readonly owner: string;
  readonly escalationPath: string;
  readonly trigger: string;
  /** The RECOVERY_COMPLETE summary. */
  readonly summary: string;
  /** The HEALTHY summary, when live detection finds nothing. */
  readonly healthySummary: string;
  readonly steps: readonly [CatalogStep, CatalogStep, CatalogStep];
}
