import type { LiveClass } from '../live-class.js';
import { inspectTelemetry, TELEMETRY_DRIFT, telemetryCheckReport } from './check-telemetry.js';
import { injectTelemetryFaults, TELEMETRY_FAULT_KINDS, checkTelemetryInjectable } from './inject-telemetry-faults.js';
import { planTelemetryRepair } from './plan-telemetry-repair.js';
import { telemetryActions } from './telemetry-actions.js';

/**
 * telemetry-drift, live: the docs' generated event table against `schema.json`, and the release
 * gate over `events.jsonl`. It reads and writes files only, never the index database.
 */
export const telemetryDriftClass: LiveClass = {
  failureClass: TELEMETRY_DRIFT,
  faultKinds: TELEMETRY_FAULT_KINDS,
  check: async (context) => telemetryCheckReport((await inspectTelemetry(context.paths)).analysis),
  plan: async (context) => {
    const { analysis, labels } = await inspectTelemetry(context.paths);
    return planTelemetryRepair(analysis, labels);
  },
  actions: (context) => telemetryActions(context),
  checkInjectable: (context, request) => checkTelemetryInjectable(context, request),
  inject: (context, request) => injectTelemetryFaults(context, request),
};
