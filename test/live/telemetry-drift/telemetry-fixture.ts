import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/config/opsheal-config.js';
import type { RunResult } from '../../../src/core/step-runner.js';
import type { LiveContext } from '../../../src/live/live-class.js';
import { locateDocsSection } from '../../../src/live/telemetry-drift/docs-anchors.js';
import { writeSampleTelemetry } from '../../../src/live/telemetry-drift/sample-telemetry.js';
import { telemetryDriftClass } from '../../../src/live/telemetry-drift/telemetry-drift-class.js';
import { seededRandom } from '../../../src/workspace/seeded-random.js';
import { workspacePaths, type WorkspacePaths } from '../../../src/workspace/workspace-paths.js';
import type { FakeRunnerEnvironment } from '../../support/fake-runner-environment.js';
import { healClass, NOW } from '../live-workspace.js';

export { NOW };

/** A temporary workspace; `remove` deletes it. */
export interface TelemetryWorkspace {
  readonly root: string;
  readonly paths: WorkspacePaths;
  readonly context: LiveContext;
  remove(): void;
}

/** A fresh temporary workspace, with the sample telemetry for `seed` unless `sample` is false. */
export function telemetryWorkspace(seed = 7, sample = true): TelemetryWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'opsheal-telemetry-'));
  const config = defaultConfig(root);
  const paths = workspacePaths(root, config);
  if (sample) writeSampleTelemetry(paths, seededRandom(seed), NOW);
  const context: LiveContext = {
    paths,
    config,
    now: () => NOW,
    backup: false,
    rerunCommand: (failureClass, phase) => `opsheal ${phase === 'repair' ? 'heal' : 'check'} ${failureClass} --workspace ${root}`,
    memoryFiles: { scan: () => ({ files: [], unreadable: [] }) },
    progress: () => undefined,
  };
  return { root, paths, context, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The three files' bytes, for before-and-after comparisons. */
export function snapshot(paths: WorkspacePaths): { schema: Buffer; docs: Buffer; events: Buffer } {
  return { schema: readFileSync(paths.telemetrySchema), docs: readFileSync(paths.telemetryDocs), events: readFileSync(paths.telemetryEvents) };
}

/** The docs' bytes up to the end of the begin marker and from the end marker on. */
export function outsideAnchors(docs: Buffer): { before: Buffer; after: Buffer } {
  const lookup = locateDocsSection(docs);
  if (!lookup.found) throw new Error(lookup.problem);
  return { before: docs.subarray(0, lookup.location.start), after: docs.subarray(lookup.location.end) };
}

/** Runs the class's live steps through the real step runner in virtual time (backoff 5 s). */
export function heal(context: LiveContext, maxAttempts = 3): Promise<RunResult & { env: FakeRunnerEnvironment }> {
  return healClass(telemetryDriftClass, context, maxAttempts, 5);
}

/** Findings in a stable order, for comparing what inject did with what check saw. */
export function sortFindings<T extends { kind: string; subject?: string; detail?: string }>(findings: readonly T[]): T[] {
  const key = (finding: T): string => `${finding.kind}\u0000${finding.subject ?? ''}\u0000${finding.detail ?? ''}`;
  return [...findings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
