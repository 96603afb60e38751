import { describe, expect, it } from 'vitest';
import { checksAhead, type OrderedCheck } from '../../src/live/checks-ahead.js';
import type { LiveContext } from '../../src/live/live-class.js';
import { indexDriftClass } from '../../src/live/index-drift/index-drift-class.js';
import { ledgerMismatchClass } from '../../src/live/ledger-mismatch/ledger-mismatch-class.js';
import { sessionAmbiguityClass } from '../../src/live/session-ambiguity/session-ambiguity-class.js';
import { telemetryDriftClass } from '../../src/live/telemetry-drift/telemetry-drift-class.js';
import { cachedMemoryFileSource } from '../../src/workspace/cached-memory-files.js';
import { useWorkspaceTemplate, withDatabase } from './live-workspace.js';

const template = useWorkspaceTemplate({ memories: 200, seed: 21 });
const ALL = ['index-drift', 'session-ambiguity', 'ledger-mismatch', 'telemetry-drift'];

/** A context whose file source records when a scan is started and when one is read. */
function recording(context: LiveContext, events: string[]): LiveContext {
  const source = context.memoryFiles;
  return {
    ...context,
    memoryFiles: {
      scan: () => {
        events.push('scan');
        return source.scan();
      },
      start: () => {
        events.push('start');
        const complete = source.start?.() ?? (() => source.scan());
        return () => {
          events.push('complete');
          return complete();
        };
      },
    },
  };
}

async function collect(checks: AsyncGenerator<OrderedCheck>): Promise<{ order: string[]; error?: unknown }> {
  const order: string[] = [];
  try {
    for await (const check of checks) order.push(check.failureClass);
  } catch (error) {
    return { order, error };
  }
  return { order };
}

describe('checksAhead', () => {
  it('yields every class in the order asked, each with the report its own check gives', async () => {
    const workspace = template.copy();
    await indexDriftClass.inject(workspace.context(), { kind: 'edited-file', count: 2, seed: 1 });
    await ledgerMismatchClass.inject(workspace.context(), { kind: 'unrecorded-deletion', count: 1, seed: 2 });
    await sessionAmbiguityClass.inject(workspace.context(), { kind: 'misrouted-folder', count: 2, seed: 3 });
    const alone = [
      await indexDriftClass.check(workspace.context()),
      await sessionAmbiguityClass.check(workspace.context()),
      await ledgerMismatchClass.check(workspace.context()),
      await telemetryDriftClass.check(workspace.context()),
    ];
    const yielded = [];
    for await (const check of checksAhead(ALL, workspace.context())) yielded.push(check);
    expect(yielded.map((check) => check.failureClass)).toEqual(ALL);
    expect(yielded.map((check) => check.report)).toEqual(alone);
    expect(alone[0]?.findings.length).toBeGreaterThan(0);
    expect(alone[1]?.findings.length).toBeGreaterThan(0);
    expect(alone[2]?.findings.length).toBeGreaterThan(0);
  });

  it('starts the file scan before any check, and completes it only when a class that judges the files asks', async () => {
    const workspace = template.copy();
    const events: string[] = [];
    const context = recording({ ...workspace.context(), memoryFiles: cachedMemoryFileSource(workspace.paths, () => undefined, { once: true }) }, events);
    expect((await collect(checksAhead(ALL, context))).order).toEqual(ALL);
    // Started by checksAhead, then by index-drift (the same scan, with `once`), which completes it.
    expect(events.slice(0, 3)).toEqual(['start', 'start', 'complete']);
  });

  it('meets the error of a class run ahead in its place, after the classes before it', async () => {
    const workspace = template.copy();
    withDatabase(workspace.paths.db, (db) => db.exec('DROP TABLE mutation_ledger'));
    const { order, error } = await collect(checksAhead(ALL, workspace.context()));
    expect(order).toEqual(['index-drift', 'session-ambiguity']);
    expect(String(error)).toContain('mutation_ledger');
  });

  it('starts no scan when no class asked for needs the files', async () => {
    const workspace = template.copy();
    const events: string[] = [];
    const { order } = await collect(checksAhead(['ledger-mismatch', 'telemetry-drift'], recording(workspace.context(), events)));
    expect(order).toEqual(['ledger-mismatch', 'telemetry-drift']);
    expect(events).toEqual([]);
  });
});
