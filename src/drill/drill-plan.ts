import type { FailureClass } from '../catalog/failure-class.js';
import type { ClassRunPlan } from '../core/step-runner.js';
import type { RetryPolicy } from '../core/retry-policy.js';
import { failFirstAttempts } from './drill-action.js';

/** A drill's injected failures per phase. */
export interface DrillProfile {
  readonly scenario: string;
  readonly policy: RetryPolicy;
  readonly detectFailures: number;
  readonly repairFailures: number;
  readonly verifyFailures: number;
}

/** The plan for a simulated run: each step fails its first n attempts and names its drill command. */
export function drillPlan(failureClass: FailureClass, profile: DrillProfile): ClassRunPlan {
  const failures = { detect: profile.detectFailures, repair: profile.repairFailures, verify: profile.verifyFailures };
  return {
    failureClass: failureClass.id,
    owner: failureClass.owner,
    scenario: profile.scenario,
    recoverySummary: failureClass.summary,
    healthySummary: failureClass.healthySummary,
    policy: profile.policy,
    steps: failureClass.steps.map((step) => ({
      name: step.name,
      command: step.drillCommand,
      action: failFirstAttempts(failures[step.phase]),
    })),
  };
}
