import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { writeSampleTelemetry } from '../../../src/live/telemetry-drift/sample-telemetry.js';
import { telemetryDriftClass } from '../../../src/live/telemetry-drift/telemetry-drift-class.js';
import { seededRandom } from '../../../src/workspace/seeded-random.js';
import { NOW, snapshot, telemetryWorkspace, type TelemetryWorkspace } from './telemetry-fixture.js';

let workspaces: TelemetryWorkspace[] = [];
afterEach(() => {
  for (const created of workspaces) created.remove();
  workspaces = [];
});
function empty(): TelemetryWorkspace {
  const created = telemetryWorkspace(0, false);
  workspaces.push(created);
  return created;
}

describe('writeSampleTelemetry', () => {
  it('writes the same bytes for the same seed and time', () => {
    const [a, b] = [empty(), empty()];
    expect(writeSampleTelemetry(a.paths, seededRandom(99), NOW)).toEqual(writeSampleTelemetry(b.paths, seededRandom(99), NOW));
    expect(snapshot(a.paths)).toEqual(snapshot(b.paths));
    const c = empty();
    writeSampleTelemetry(c.paths, seededRandom(100), NOW);
    expect(snapshot(c.paths).events).not.toEqual(snapshot(a.paths).events);
    expect(snapshot(c.paths).schema).toEqual(snapshot(a.paths).schema);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('writes a consistent sample for seed %d: eight events, 50 to 200 valid lines, nothing to heal', async (seed) => {
    const workspace = empty();
    const summary = writeSampleTelemetry(workspace.paths, seededRandom(seed), NOW);
    expect(summary.schemaEvents).toBe(8);
    expect(summary.emittedEvents).toBeGreaterThanOrEqual(50);
    expect(summary.emittedEvents).toBeLessThanOrEqual(200);
    const lines = readFileSync(workspace.paths.telemetryEvents, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(summary.emittedEvents);
    const times = lines.map((line) => Date.parse((JSON.parse(line) as { timestamp: string }).timestamp));
    expect(times.every((time, index) => time < NOW && time >= NOW - 86_400_000 && (index === 0 || time >= (times[index - 1] as number)))).toBe(true);
    const report = await telemetryDriftClass.check(workspace.context);
    expect(report.findings).toEqual([]);
    expect(report.metrics).toMatchObject({ schema_version: '1.4.0', documented_version: '1.4.0', schema_events: 8, documented_events: 8, emitted_lines_checked: summary.emittedEvents });
  });

  it('puts prose before and after the anchors', () => {
    const workspace = empty();
    writeSampleTelemetry(workspace.paths, seededRandom(1), NOW);
    const docs = readFileSync(workspace.paths.telemetryDocs, 'utf8');
    const [before, rest] = docs.split('<!-- ANCHOR:telemetry-events -->');
    const after = rest?.split('<!-- /ANCHOR:telemetry-events -->')[1] ?? '';
    expect(before).toMatch(/^# Telemetry\n/);
    expect(after).toMatch(/## Retention/);
  });
});
