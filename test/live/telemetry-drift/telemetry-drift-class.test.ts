import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireWorkspaceLock } from '../../../src/workspace/workspace-lock.js';
import { TELEMETRY_FINDING_KINDS } from '../../../src/live/telemetry-drift/telemetry-finding-kinds.js';
import { telemetryDriftClass } from '../../../src/live/telemetry-drift/telemetry-drift-class.js';
import { topLevelKeys } from '../../support/json-keys.js';
import { heal, outsideAnchors, snapshot, sortFindings, telemetryWorkspace, type TelemetryWorkspace } from './telemetry-fixture.js';

const CONTRACT_KEYS = ['event', 'failure_class', 'step', 'attempts', 'owner', 'reason', 'next_action', 'command', 'timestamp'];
const DOC_FAULT_KINDS = ['doc-missing-event', 'doc-stale-event', 'field-type-mismatch', 'version-mismatch'] as const;

let workspaces: TelemetryWorkspace[] = [];
function workspace(seed?: number, sample?: boolean): TelemetryWorkspace {
  const created = telemetryWorkspace(seed, sample);
  workspaces.push(created);
  return created;
}
afterEach(() => {
  for (const created of workspaces) created.remove();
  workspaces = [];
});

/** The counts check reports when exactly these findings are there. */
function expectedCounts(findings: ReadonlyArray<{ kind: string }>): Record<string, number> {
  const counts = Object.fromEntries(TELEMETRY_FINDING_KINDS.map((kind) => [kind, 0]));
  for (const finding of findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  return counts;
}

describe('telemetry-drift live class', () => {
  it('finds nothing in a clean sample and ends the run healthy without repairing', async () => {
    const { context, paths } = workspace(11);
    const before = snapshot(paths);
    const report = await telemetryDriftClass.check(context);
    expect(report.findings).toEqual([]);
    expect(report.counts).toEqual(expectedCounts([]));
    expect(Object.keys(report.counts)).toEqual([...TELEMETRY_FINDING_KINDS]);
    expect(report.metrics['emitted_lines_checked']).toBeGreaterThanOrEqual(50);
    const run = await heal(context);
    expect(run.outcome).toBe('healthy');
    expect(run.attempts).toHaveLength(1);
    expect(JSON.parse(run.payload)).toMatchObject({ event: 'HEALTHY', failure_class: 'telemetry-drift', schema_version: '1.4.0', schema_events: 8 });
    expect(snapshot(paths)).toEqual(before);
  });

  describe.each(DOC_FAULT_KINDS)('inject %s', (kind) => {
    it.each([1, 2])('check finds exactly the %d injected fault(s), and heal restores the docs byte for byte', async (count) => {
      const { context, paths } = workspace(3 + count);
      const clean = snapshot(paths);
      const injection = await telemetryDriftClass.inject(context, { kind, count, seed: 42 });
      const expected = kind === 'version-mismatch' ? 1 : count;
      expect(injection.injected).toHaveLength(expected);
      const injected = snapshot(paths);
      expect(injected.schema).toEqual(clean.schema);
      expect(injected.events).toEqual(clean.events);
      expect(outsideAnchors(injected.docs)).toEqual(outsideAnchors(clean.docs));
      expect(injected.docs).not.toEqual(clean.docs);

      const report = await telemetryDriftClass.check(context);
      expect(sortFindings(report.findings)).toEqual(sortFindings(injection.injected));
      expect(report.counts).toEqual(expectedCounts(injection.injected));

      const plan = await telemetryDriftClass.plan(context);
      expect(plan.changes.map((change) => change.action)).toEqual(['rewrite-docs-section']);
      expect(plan.needsDecision).toEqual([]);

      const run = await heal(context);
      expect(run.outcome).toBe('recovered');
      expect(run.attempts.map((attempt) => `${attempt.step}:${attempt.outcome}`)).toEqual([
        'detect-schema-doc-drift:success',
        'sync-schema-and-docs:success',
        'verify-release-gate:success',
      ]);
      const repairEnded = run.env.events.find((event) => event.type === 'attempt-ended' && event.step === 'sync-schema-and-docs');
      expect(repairEnded).toMatchObject({ details: { rewritten: 1, fixed: expected, needs_decision: 0 } });
      expect((await telemetryDriftClass.check(context)).findings).toEqual([]);
      expect(snapshot(paths)).toEqual(clean);
    });
  });

  it('escalates an unknown emitted event to the Operations Lead with the events, after the retries', async () => {
    const { context, paths } = workspace(5);
    const clean = snapshot(paths);
    const injection = await telemetryDriftClass.inject(context, { kind: 'unknown-event-in-samples', count: 2, seed: 9 });
    expect(injection.injected.map((finding) => finding.kind)).toEqual(['unknown-emitted-event', 'unknown-emitted-event']);
    const injected = snapshot(paths);
    expect(injected.docs).toEqual(clean.docs);
    expect(injected.schema).toEqual(clean.schema);
    expect(injected.events.subarray(0, clean.events.length)).toEqual(clean.events);

    const report = await telemetryDriftClass.check(context);
    expect(sortFindings(report.findings)).toEqual(sortFindings(injection.injected));
    expect(report.counts).toEqual(expectedCounts(injection.injected));
    const plan = await telemetryDriftClass.plan(context);
    expect(plan.changes).toEqual([]);
    expect(sortFindings(plan.needsDecision)).toEqual(sortFindings(injection.injected));

    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    expect(run.attempts.map((attempt) => `${attempt.step}:${attempt.outcome}`)).toEqual([
      'detect-schema-doc-drift:success',
      'sync-schema-and-docs:success',
      'verify-release-gate:retryable-failure',
      'verify-release-gate:retryable-failure',
      'verify-release-gate:retryable-failure',
    ]);
    expect(run.env.sleeps).toEqual([5, 5]);
    const payload = JSON.parse(run.payload) as Record<string, unknown>;
    expect(topLevelKeys(run.payload)).toEqual([...CONTRACT_KEYS, 'error', 'decision', 'items', 'items_total']);
    expect(payload).toMatchObject({
      event: 'ESCALATION',
      failure_class: 'telemetry-drift',
      step: 'verify-release-gate',
      attempts: 3,
      owner: 'Operations Lead',
      reason: 'bounded-retry-exhausted',
      items_total: 2,
    });
    expect(payload['decision']).toMatch(/unknown emitted event/);
    expect(payload['items']).toEqual(
      injection.injected.map((finding) => ({ kind: finding.kind, subject: finding.subject, detail: finding.detail })),
    );
    // Nothing was rewritten: the docs agreed with the schema all along.
    expect(snapshot(paths)).toEqual(injected);
    expect((await telemetryDriftClass.check(context)).findings).toEqual(report.findings);
  });

  it('caps the escalation items at 20 and says how many there were', async () => {
    const { context } = workspace(6);
    await telemetryDriftClass.inject(context, { kind: 'unknown-event-in-samples', count: 25, seed: 1 });
    const run = await heal(context);
    const payload = JSON.parse(run.payload) as { items: unknown[]; items_total: number };
    expect(payload.items).toHaveLength(20);
    expect(payload.items_total).toBe(25);
  });

  it('injects every kind at once when no kind is given, and heals all but the unknown events', async () => {
    const { context, paths } = workspace(8);
    const clean = snapshot(paths);
    const injection = await telemetryDriftClass.inject(context, { count: 1, seed: 77 });
    expect(new Set(injection.injected.map((finding) => finding.kind))).toEqual(
      new Set(['undocumented-event', 'stale-doc-event', 'field-type-mismatch', 'version-mismatch', 'unknown-emitted-event']),
    );
    const report = await telemetryDriftClass.check(context);
    expect(sortFindings(report.findings)).toEqual(sortFindings(injection.injected));
    const eventsAfterInject = snapshot(paths).events;
    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    const after = await telemetryDriftClass.check(context);
    expect(after.findings.map((finding) => finding.kind)).toEqual(['unknown-emitted-event']);
    const healed = snapshot(paths);
    expect(healed.docs).toEqual(clean.docs);
    expect(healed.schema).toEqual(clean.schema);
    expect(healed.events).toEqual(eventsAfterInject);
  });

  it('injects the same faults for the same seed', async () => {
    const first = workspace(4);
    const second = workspace(4);
    const a = await telemetryDriftClass.inject(first.context, { count: 2, seed: 123 });
    const b = await telemetryDriftClass.inject(second.context, { count: 2, seed: 123 });
    expect(a).toEqual(b);
    expect(snapshot(first.paths)).toEqual(snapshot(second.paths));
    const third = workspace(4);
    const c = await telemetryDriftClass.inject(third.context, { count: 2, seed: 124 });
    expect(c).not.toEqual(a);
  });

  it('rejects an unknown fault kind, naming the known ones', async () => {
    const { context } = workspace();
    await expect(telemetryDriftClass.inject(context, { kind: 'docs-on-fire', count: 1, seed: 1 })).rejects.toThrow(
      'unknown telemetry-drift fault kind: docs-on-fire (known: doc-missing-event, doc-stale-event, field-type-mismatch, version-mismatch, unknown-event-in-samples)',
    );
  });

  it('escalates docs without the anchor pair instead of rewriting them', async () => {
    const { context, paths } = workspace(2);
    const prose = '# Telemetry\n\nThe table used to live here; someone deleted the markers.\n\n| event | field | type | required |\n| --- | --- | --- | --- |\n';
    writeFileSync(paths.telemetryDocs, prose);
    const report = await telemetryDriftClass.check(context);
    expect(report.counts['missing-anchors']).toBe(1);
    expect(report.findings).toEqual([
      { kind: 'missing-anchors', path: 'telemetry/README.md', subject: 'telemetry-events', detail: 'no <!-- ANCHOR:telemetry-events --> … <!-- /ANCHOR:telemetry-events --> pair' },
    ]);
    const plan = await telemetryDriftClass.plan(context);
    expect(plan.changes).toEqual([]);
    expect(plan.needsDecision.map((finding) => finding.kind)).toEqual(['missing-anchors']);

    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    const repairEnded = run.env.events.find((event) => event.type === 'attempt-ended' && event.step === 'sync-schema-and-docs');
    expect(repairEnded).toMatchObject({ outcome: 'success', details: { rewritten: 0, needs_decision: 1 } });
    const payload = JSON.parse(run.payload) as Record<string, unknown>;
    expect(payload).toMatchObject({ step: 'verify-release-gate', reason: 'bounded-retry-exhausted', items_total: 1 });
    expect(payload['decision']).toMatch(/ANCHOR:telemetry-events/);
    expect(readFileSync(paths.telemetryDocs, 'utf8')).toBe(prose);
  });

  it('escalates a docs file with only one of the two markers, unchanged', async () => {
    const { context, paths } = workspace(2);
    const text = readFileSync(paths.telemetryDocs, 'utf8').replace('<!-- /ANCHOR:telemetry-events -->', '');
    writeFileSync(paths.telemetryDocs, text);
    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    expect(readFileSync(paths.telemetryDocs, 'utf8')).toBe(text);
  });

  it('escalates a missing docs file without creating one', async () => {
    const { context, paths } = workspace(2);
    rmSync(paths.telemetryDocs);
    const report = await telemetryDriftClass.check(context);
    expect(report.findings).toMatchObject([{ kind: 'missing-anchors', detail: 'file not found' }]);
    expect((await heal(context)).outcome).toBe('escalated');
    expect(() => readFileSync(paths.telemetryDocs)).toThrow(/ENOENT/);
  });

  it.each([
    ['not valid JSON', '{"version": "1.4.0", "events": {'],
    ['not in the format', '{"version": "1.4.0", "events": {"memory.saved": {"fields": {"id": {"type": "uuid"}}}}}'],
  ])('escalates at once, without retrying, when schema.json is %s', async (_label, text) => {
    const { context, paths } = workspace(2);
    writeFileSync(paths.telemetrySchema, text);
    const before = snapshot(paths);
    const report = await telemetryDriftClass.check(context);
    expect(report.counts['invalid-schema']).toBeGreaterThanOrEqual(1);
    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    expect(run.attempts).toHaveLength(1);
    const payload = JSON.parse(run.payload) as Record<string, unknown>;
    expect(topLevelKeys(run.payload)).toEqual([...CONTRACT_KEYS, 'error', 'decision', 'items', 'items_total']);
    expect(payload).toMatchObject({ step: 'detect-schema-doc-drift', attempts: 1, reason: 'non-retryable-error' });
    expect(payload['decision']).toMatch(/^Fix telemetry\/schema\.json/);
    expect(snapshot(paths)).toEqual(before);
  });

  it('escalates at once when schema.json is missing', async () => {
    const { context, paths } = workspace(2);
    rmSync(paths.telemetrySchema);
    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    expect(JSON.parse(run.payload)).toMatchObject({ reason: 'non-retryable-error', error: 'telemetry/schema.json: file not found' });
  });

  it('escalates an emitted event that misses a required field or has a wrong type', async () => {
    const { context, paths } = workspace(2);
    appendFileSync(paths.telemetryEvents, '{"event":"memory.deleted","timestamp":"2026-02-22T11:00:00Z","memory_id":"seven"}\nnot json at all\n');
    const lines = readFileSync(paths.telemetryEvents, 'utf8').split('\n').length - 1;
    const report = await telemetryDriftClass.check(context);
    expect(report.findings).toEqual([
      { kind: 'invalid-emitted-event', path: 'telemetry/events.jsonl', subject: 'memory.deleted', detail: `field "memory_id" is string, schema says integer (1 line, first at line ${lines - 1})` },
      { kind: 'invalid-emitted-event', path: 'telemetry/events.jsonl', subject: 'memory.deleted', detail: `missing required field "reason" (1 line, first at line ${lines - 1})` },
      { kind: 'invalid-emitted-event', path: 'telemetry/events.jsonl', subject: `line ${lines}`, detail: 'not valid JSON' },
    ]);
    const run = await heal(context);
    expect(run.outcome).toBe('escalated');
    expect(JSON.parse(run.payload)).toMatchObject({ items_total: 3, decision: expect.stringMatching(/invalid emitted event/) });
  });

  it('passes the release gate without an events file, and says the events were not checked', async () => {
    const { context, paths } = workspace(2);
    rmSync(paths.telemetryEvents);
    const report = await telemetryDriftClass.check(context);
    expect(report.findings).toEqual([]);
    expect(report.notes).toEqual(['emitted events not checked: telemetry/events.jsonl not found']);
    expect((await heal(context)).outcome).toBe('healthy');
  });

  it('heals docs written with CRLF line endings in CRLF, prose untouched', async () => {
    const { context, paths } = workspace(3);
    const crlf = Buffer.from(readFileSync(paths.telemetryDocs, 'utf8').replaceAll('\n', '\r\n'));
    writeFileSync(paths.telemetryDocs, crlf);
    expect((await telemetryDriftClass.check(context)).findings).toEqual([]);
    await telemetryDriftClass.inject(context, { kind: 'field-type-mismatch', count: 3, seed: 5 });
    await telemetryDriftClass.inject(context, { kind: 'doc-stale-event', count: 1, seed: 5 });
    expect((await telemetryDriftClass.check(context)).findings).toHaveLength(4);
    expect((await heal(context)).outcome).toBe('recovered');
    expect(readFileSync(paths.telemetryDocs)).toEqual(crlf);
  });

  it('fixes drift in a hand-aligned table without touching a byte of the prose around it', async () => {
    const { context, paths } = workspace(3);
    const before = '\uFEFF# Télémétrie\n\nProse with a | pipe and <!-- another comment -->.\n\n<!-- ANCHOR:telemetry-events -->\n';
    const after = '<!-- /ANCHOR:telemetry-events -->\n\nTrailing prose without a final newline';
    const section = [
      '',
      '**Schema version:** `1.3.0`',
      '',
      'event            | field | type    | required',
      ':--------------- | :---- | :------ | :------:',
      '`memory.deleted` | memory_id | integer | yes',
      '',
    ].join('\n');
    writeFileSync(paths.telemetryDocs, before + section + after);
    const report = await telemetryDriftClass.check(context);
    expect(report.counts['version-mismatch']).toBe(1);
    expect(report.counts['undocumented-event']).toBe(7);
    expect(report.counts['undocumented-field']).toBe(2);
    expect(report.counts['malformed-doc-row']).toBe(0);
    expect((await heal(context)).outcome).toBe('recovered');
    const healed = readFileSync(paths.telemetryDocs, 'utf8');
    expect(healed.startsWith(before)).toBe(true);
    expect(healed.endsWith(after)).toBe(true);
    expect((await telemetryDriftClass.check(context)).findings).toEqual([]);
  });

  it('does not rewrite the docs while another healer holds the workspace lock: a retryable failure that says so', async () => {
    const { context, paths } = workspace(3);
    await telemetryDriftClass.inject(context, { kind: 'version-mismatch', count: 1, seed: 1 });
    const injected = snapshot(paths);
    const lock = acquireWorkspaceLock(paths, 1);
    try {
      const impatient = { ...context, config: { ...context.config, lockTimeoutSeconds: 0.2 } };
      const run = await heal(impatient);
      expect(run.outcome).toBe('escalated');
      expect(JSON.parse(run.payload)).toMatchObject({ step: 'sync-schema-and-docs', reason: 'bounded-retry-exhausted', attempts: 3, error: expect.stringMatching(/another opsheal is repairing/) });
      expect(snapshot(paths)).toEqual(injected);
    } finally {
      lock.release();
    }
    expect((await heal(context)).outcome).toBe('recovered');
  });

  it('creates events.jsonl when injecting unknown events into a workspace without one', async () => {
    const { context, paths } = workspace(3);
    rmSync(paths.telemetryEvents);
    const injection = await telemetryDriftClass.inject(context, { kind: 'unknown-event-in-samples', count: 1, seed: 2 });
    expect(injection.injected).toMatchObject([{ kind: 'unknown-emitted-event', detail: '1 line, first at line 1' }]);
    expect((await telemetryDriftClass.check(context)).findings).toEqual(injection.injected);
  });
});
