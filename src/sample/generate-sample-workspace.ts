import { defaultConfig } from '../config/opsheal-config.js';
import { writeSampleTelemetry, type SampleTelemetrySummary } from '../live/telemetry-drift/sample-telemetry.js';
import { generateWorkspace, type GenerateWorkspaceOptions, type GenerationReport } from '../workspace/generate-workspace.js';
import { workspacePaths } from '../workspace/workspace-paths.js';
import { seededRandom } from '../workspace/seeded-random.js';

/** Mixed into the seed for the telemetry files, so they do not draw the same numbers as the memories. */
const TELEMETRY_SALT = 0x7e1e3e7;

export interface SampleWorkspaceReport extends GenerationReport {
  readonly telemetry: SampleTelemetrySummary;
}

/** A complete sample workspace: memory files and index database, then the telemetry files. */
export function generateSampleWorkspace(dir: string, options: GenerateWorkspaceOptions): SampleWorkspaceReport {
  const report = generateWorkspace(dir, options);
  const paths = workspacePaths(report.root, defaultConfig(report.root));
  const telemetry = writeSampleTelemetry(paths, seededRandom((options.seed ^ TELEMETRY_SALT) >>> 0), options.now);
  return { ...report, telemetry };
}
