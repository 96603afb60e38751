import type { PlannedChange, RepairPlanReport } from '../live-class.js';
import type { TelemetryAnalysis } from './analyze-telemetry.js';
import { telemetryCheckReport } from './check-telemetry.js';
import { DOCS_DRIFT_KINDS, NEEDS_DECISION_KINDS, foundCounts } from './telemetry-finding-kinds.js';
import type { TelemetryLabels } from './telemetry-files.js';

/**
 * What a heal would do, a pure function of the analysis: at most one change, regenerating the docs
 * section when it has drifted and its anchors are there; everything else needs a person.
 */
export function planTelemetryRepair(analysis: TelemetryAnalysis, labels: TelemetryLabels): RepairPlanReport {
  const drift = analysis.findings.filter((finding) => DOCS_DRIFT_KINDS.has(finding.kind));
  const changes: PlannedChange[] = [];
  if (analysis.schema !== undefined && analysis.section !== undefined && drift.length > 0) {
    const fixes = Object.entries(foundCounts(drift)).map(([kind, count]) => `${kind}=${count}`).join(' ');
    changes.push({
      action: 'rewrite-docs-section',
      path: labels.docs,
      subject: 'telemetry-events',
      detail: `regenerate from ${labels.schema} (version ${analysis.schema.version}), fixing ${fixes}`,
    });
  }
  return {
    check: telemetryCheckReport(analysis),
    changes,
    needsDecision: analysis.findings.filter((finding) => NEEDS_DECISION_KINDS.has(finding.kind)),
  };
}
