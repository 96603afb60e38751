import type { WorkspacePaths } from '../../workspace/workspace-paths.js';
import type { CheckReport } from '../live-class.js';
import { analyzeTelemetry, type TelemetryAnalysis } from './analyze-telemetry.js';
import { countTelemetryFindings } from './telemetry-finding-kinds.js';
import { readTelemetryFiles, telemetryLabels, type TelemetryLabels } from './telemetry-files.js';

/** The class id, as the catalog spells it. */
export const TELEMETRY_DRIFT = 'telemetry-drift';

/** One read-only look at the workspace's telemetry: the analysis and how it names the files. */
export interface TelemetryInspection {
  readonly analysis: TelemetryAnalysis;
  readonly labels: TelemetryLabels;
}

/** Reads the three files and analyses them. Throws only on a read error other than a missing file. */
export async function inspectTelemetry(paths: WorkspacePaths): Promise<TelemetryInspection> {
  const labels = telemetryLabels(paths);
  return { analysis: analyzeTelemetry(await readTelemetryFiles(paths), labels), labels };
}

/** `check`'s report: every kind counted (zero included), the findings, the measurements and the notes. */
export function telemetryCheckReport(analysis: TelemetryAnalysis): CheckReport {
  return {
    failureClass: TELEMETRY_DRIFT,
    counts: countTelemetryFindings(analysis.findings),
    findings: analysis.findings,
    metrics: analysis.metrics,
    notes: analysis.notes,
  };
}
