import type { OpshealConfig } from '../config/opsheal-config.js';
import type { StepAction } from '../core/step-action.js';
import type { StepPhase } from '../catalog/failure-class.js';
import type { MemoryFileSource } from '../workspace/memory-file-source.js';
import type { WorkspacePaths } from '../workspace/workspace-paths.js';

/** One thing detection found: its kind and what it is about (a memory, an event, a session). */
export interface Finding {
  /** The fault kind, kebab-case: `missing`, `orphaned`, `stale`, `undocumented-event`, ... */
  readonly kind: string;
  readonly memoryId?: number;
  /** Workspace-relative where the thing is a file. */
  readonly path?: string;
  /** A name that is not a memory: an event, a field, a session id. */
  readonly subject?: string;
  /** One line of detail: `hash 1a2b… != 9f8e…`, `folders: a, b`. */
  readonly detail?: string;
}

/** What `check` reports for one class: read-only. */
export interface CheckReport {
  readonly failureClass: string;
  /** Every kind the class knows, in print order, with its count (zero included). */
  readonly counts: Readonly<Record<string, number>>;
  readonly findings: readonly Finding[];
  /** Measurements beside the findings: `misroute_rate`, `lookup_p95_ms`, `sampled`. */
  readonly metrics: Readonly<Record<string, number | string>>;
  /** What could not be checked and why: "vectors not checked: sqlite-vec did not load". */
  readonly notes: readonly string[];
}

/** One change a repair would make (and, applied, did make). */
export interface PlannedChange {
  /** `insert-row`, `refresh-row`, `delete-row`, `rebuild-fts`, `append-ledger`, `rewrite-docs-section`, ... */
  readonly action: string;
  readonly memoryId?: number;
  readonly path?: string;
  readonly subject?: string;
  readonly detail?: string;
}

/** `heal --dry-run`'s output for one class: what was found, what would change, what needs a person. */
export interface RepairPlanReport {
  readonly check: CheckReport;
  readonly changes: readonly PlannedChange[];
  /** Findings no repair will mend; a heal would escalate these after verify. */
  readonly needsDecision: readonly Finding[];
}

/** What `inject` did, printed as JSON. */
export interface InjectionReport {
  readonly failureClass: string;
  readonly injected: ReadonlyArray<Finding>;
  /**
   * What each fault kind asked for made (findings), by kind. Fewer than the count asked when the
   * workspace ran out of what the kind needs: memories no other fault uses, triggers still there,
   * events not yet removed from the docs.
   */
  readonly made: Readonly<Record<string, number>>;
}

export interface InjectionRequest {
  /** One kind of the class's `faultKinds`, or every kind when undefined. */
  readonly kind?: string;
  /** How many faults of each kind (default 1). */
  readonly count: number;
  readonly seed: number;
  /**
   * Memory ids earlier faults of the same run already used; the injector leaves them alone and adds
   * the ones it uses, so faults of several classes never land on one memory.
   */
  readonly claimed?: Set<number>;
}

/** Everything a live class needs to work on a workspace. */
export interface LiveContext {
  readonly paths: WorkspacePaths;
  readonly config: OpshealConfig;
  /** Milliseconds since 1970; fixed under SOURCE_DATE_EPOCH. Ledger timestamps come from here. */
  readonly now: () => number;
  /** Take an online backup of the database before the first change (default true; `--no-backup`). */
  readonly backup: boolean;
  /** The opsheal command line that reruns a step by hand, for `command=` (`opsheal heal index-drift --workspace …`). */
  readonly rerunCommand: (failureClass: string, phase: StepPhase) => string;
  /** The workspace's memory files, scanned once per process and revalidated by size and mtime. */
  readonly memoryFiles: MemoryFileSource;
  /** A line of progress for long work; the CLI shows it on stderr when that is a terminal. */
  readonly progress: (message: string) => void;
}

/**
 * A failure class's live behaviour: one module per class. `check` and `plan` only read;
 * the actions of `actions` detect, repair (under the workspace lock, after a backup, in one
 * transaction, recorded in the ledger) and verify; `inject` makes real faults for tests and drills.
 */
export interface LiveClass {
  readonly failureClass: string;
  /** The fault kinds `inject` can make, in the order `inject` makes them. */
  readonly faultKinds: readonly string[];
  check(context: LiveContext): Promise<CheckReport>;
  /**
   * Reads ahead what `check` will need of the database, into the run's caches (index-read-cache.ts),
   * so that it happens while the memory files are still being read (checks-ahead.ts). Errors are
   * left for `check` to meet.
   */
  prepareCheck?(context: LiveContext): Promise<void>;
  plan(context: LiveContext): Promise<RepairPlanReport>;
  /**
   * `running`: the phases whose actions the run will use (a configured command runs instead of the
   * others), so that no action starts work ahead for a step that will not collect it. Default: all.
   */
  actions(context: LiveContext, running?: ReadonlySet<StepPhase>): Readonly<Record<StepPhase, StepAction>>;
  /**
   * Throws, having changed nothing, when a fault `inject` is asked for cannot be made in this
   * workspace (a table or file it needs is missing). `inject` asks every class it will run first, so
   * that `inject all` does not stop halfway, with some faults made and none reported.
   */
  checkInjectable?(context: LiveContext, request: InjectionRequest): Promise<void>;
  inject(context: LiveContext, request: InjectionRequest): Promise<InjectionReport>;
}
