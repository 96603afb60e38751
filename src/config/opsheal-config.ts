/** A real command for one step, from the config: run without a shell. */
export interface CommandStepConfig {
  /** Program and arguments, passed to the child untouched (no shell). */
  readonly command: readonly string[];
  /** Kill the command and count a retryable failure after this many seconds. */
  readonly timeoutSeconds?: number;
  /** Working folder, relative to the config file's folder. */
  readonly cwd?: string;
  /** Added to (and overriding) opsheal's own environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that no retry can cure: escalate at once with reason non-retryable-error. */
  readonly nonRetryableExitCodes?: readonly number[];
}

/** The healing policy's thresholds: session-ambiguity's, and how much index-drift deletes at once. */
export interface Thresholds {
  /** Highest acceptable share of sampled rows misrouted or in ambiguous sessions (default 0.02). */
  readonly misrouteRate: number;
  /** Budget for the 95th percentile of a session look-up, in milliseconds (default 5). */
  readonly lookupP95Ms: number;
  /** How many of the most recently updated rows to sample (default 500). */
  readonly sampleSize: number;
  /**
   * index-drift: the largest share of the workspace's memory rows (not foreign rows, not other
   * files' rows) one heal deletes as orphaned (default 0.5; 10 rows always may be). Past it none
   * are, and a person decides (orphan-allowance.ts). 1: no limit.
   */
  readonly maxOrphanedShare: number;
}

/**
 * The config after validation and defaults. Paths are as written (relative ones are resolved
 * against the workspace by `workspacePaths`), except `steps[*][*].cwd`, resolved against `baseDir`.
 */
export interface OpshealConfig {
  /** The file it came from, or `undefined` for the built-in defaults. */
  readonly source?: string;
  /** The folder relative command `cwd`s are resolved against (the config file's folder). */
  readonly baseDir: string;
  readonly db?: string;
  readonly specsRoot: string;
  readonly telemetry: { readonly schema: string; readonly docs: string; readonly events: string };
  readonly policy?: { readonly maxAttempts?: number; readonly backoffSeconds?: number };
  readonly thresholds: Thresholds;
  /** How long a healer waits for another one's lock on the workspace before giving up (default 10). */
  readonly lockTimeoutSeconds: number;
  /**
   * Who a live run names as each class's owner in its payloads, where the config says (a person or a
   * team); the others keep the catalog's (Engineering Lead, QA Lead, ...). Drills keep the contract's.
   */
  readonly owners: Readonly<Record<string, string>>;
  /** Per class, per step name: a command that replaces the built-in action. */
  readonly steps: Readonly<Record<string, Readonly<Record<string, CommandStepConfig>>>>;
}

/** The defaults a workspace without a config gets. */
export function defaultConfig(baseDir: string): OpshealConfig {
  return {
    baseDir,
    specsRoot: 'specs',
    telemetry: { schema: 'telemetry/schema.json', docs: 'telemetry/README.md', events: 'telemetry/events.jsonl' },
    thresholds: { misrouteRate: 0.02, lookupP95Ms: 5, sampleSize: 500, maxOrphanedShare: 0.5 },
    lockTimeoutSeconds: 10,
    owners: {},
    steps: {},
  };
}

/** The owner a live run names for a class: the config's, else the catalog's. */
export function ownerOf(config: Pick<OpshealConfig, 'owners'>, failureClass: { readonly id: string; readonly owner: string }): string {
  return config.owners[failureClass.id] ?? failureClass.owner;
}
