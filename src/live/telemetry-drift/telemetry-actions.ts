import type { StepPhase } from '../../catalog/failure-class.js';
import type { StepAction } from '../../core/step-action.js';
import { nonRetryableFailure, retryableFailure, succeeded, type StepOutcome } from '../../core/step-outcome.js';
import { writeFileAtomically } from '../../io/atomic-write.js';
import { withWorkspaceLock } from '../../workspace/workspace-lock.js';
import type { LiveContext } from '../live-class.js';
import { guarded } from '../step-errors.js';
import { analyzeTelemetry, type TelemetryAnalysis } from './analyze-telemetry.js';
import { inspectTelemetry } from './check-telemetry.js';
import { escalationExtras } from './escalation-items.js';
import { regenerateDocs } from './regenerate-docs.js';
import { DOCS_DRIFT_KINDS, NEEDS_DECISION_KINDS, foundCounts } from './telemetry-finding-kinds.js';
import { readIfPresent, readTelemetryFiles, telemetryLabels, type TelemetryLabels } from './telemetry-files.js';

/**
 * The three live steps. Detect ends the run healthy when docs, schema and emitted events all
 * agree. Repair regenerates only the docs section, atomically, under the workspace lock, and never
 * touches docs without their anchors. Verify is the release gate: it fails (retryably) while any
 * finding remains, and its escalation names what a person must decide, with the items.
 */
export function telemetryActions(context: LiveContext): Readonly<Record<StepPhase, StepAction>> {
  return {
    detect: () => guarded(() => detectStep(context)),
    repair: () => guarded(() => repairStep(context)),
    verify: () => guarded(() => verifyStep(context)),
  };
}

async function detectStep(context: LiveContext): Promise<StepOutcome> {
  const { analysis, labels } = await inspectTelemetry(context.paths);
  if (analysis.schema === undefined) return schemaFailure(analysis, labels);
  if (analysis.findings.length === 0) {
    const measured = {
      schema_events: analysis.schema.events.length,
      emitted_lines_checked: Number(analysis.metrics['emitted_lines_checked'] ?? 0),
    };
    return { kind: 'success', nothingFound: true, details: measured, extras: { schema_version: analysis.schema.version, ...measured } };
  }
  return succeeded(foundCounts(analysis.findings));
}

async function repairStep(context: LiveContext): Promise<StepOutcome> {
  const { paths, config } = context;
  return withWorkspaceLock(paths, config.lockTimeoutSeconds, async () => {
    // Read again under the lock: what detect saw may have changed since.
    const labels = telemetryLabels(paths);
    const files = await readTelemetryFiles(paths);
    const analysis = analyzeTelemetry(files, labels);
    if (analysis.schema === undefined) return schemaFailure(analysis, labels);
    const fixed = analysis.findings.filter((finding) => DOCS_DRIFT_KINDS.has(finding.kind)).length;
    const needsDecision = analysis.findings.filter((finding) => NEEDS_DECISION_KINDS.has(finding.kind)).length;
    const regeneration = files.docs === undefined ? undefined : regenerateDocs(files.docs, analysis.schema);
    // Docs without their anchors are a person's to mend: verify will escalate them.
    if (regeneration === undefined || !regeneration.ok || !regeneration.changed) {
      return succeeded({ rewritten: 0, fixed: 0, needs_decision: needsDecision });
    }
    const current = await readIfPresent(paths.telemetryDocs);
    if (current === undefined || !current.equals(files.docs as Buffer)) {
      return retryableFailure(`${labels.docs} changed while its section was being regenerated`);
    }
    writeFileAtomically(paths.telemetryDocs, regeneration.bytes);
    return succeeded({ rewritten: 1, fixed, needs_decision: needsDecision });
  });
}

async function verifyStep(context: LiveContext): Promise<StepOutcome> {
  const { analysis, labels } = await inspectTelemetry(context.paths);
  if (analysis.schema === undefined) return schemaFailure(analysis, labels);
  if (analysis.findings.length > 0) {
    const counts = foundCounts(analysis.findings);
    const summary = Object.entries(counts).map(([kind, count]) => `${kind}=${count}`).join(' ');
    return retryableFailure(`release gate failed: ${summary}`, counts, escalationExtras(analysis.findings, labels));
  }
  return succeeded({ emitted_lines_checked: Number(analysis.metrics['emitted_lines_checked'] ?? 0) });
}

/** A missing or invalid schema: no retry mends it, a person must. */
function schemaFailure(analysis: TelemetryAnalysis, labels: TelemetryLabels): StepOutcome {
  const problem = analysis.findings[0]?.detail ?? 'unreadable';
  return nonRetryableFailure(`${labels.schema}: ${problem}`, foundCounts(analysis.findings), escalationExtras(analysis.findings, labels));
}
