import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectSessionAmbiguity, type SessionState } from '../../../src/live/session-ambiguity/detect-session-ambiguity.js';
import type { IndexRow } from '../../../src/workspace/index-row.js';
import type { MemoryFileRecord } from '../../../src/workspace/memory-file.js';
import { file, ROOT, rowFor } from '../index-drift/index-drift-state-builder.js';

function sessionState(files: MemoryFileRecord[], sampledRows: IndexRow[]): SessionState {
  return { workspaceRoot: ROOT, files, sampledRows };
}

const a1 = file('001-alpha', 'a1.md', 'a1', 'ses_a');
const a2 = file('001-alpha', 'a2.md', 'a2', 'ses_a');
const b1 = file('002-beta/010-nested', 'b1.md', 'b1', 'ses_b');
const n1 = file('002-beta/010-nested', 'n1.md', 'n1', null);

describe('detectSessionAmbiguity', () => {
  it('finds nothing and a zero rate when every sampled row routes as its file says', () => {
    const rows = [rowFor(1, a1), rowFor(2, a2), rowFor(3, b1), rowFor(4, n1)];
    expect(detectSessionAmbiguity(sessionState([a1, a2, b1, n1], rows))).toEqual({ findings: [], sampled: 4, affected: 0, misrouteRate: 0 });
  });

  it('reports a row filed under another spec folder as misrouted-folder, with what its file says', () => {
    const rows = [rowFor(1, a1, { specFolder: '002-beta/010-nested' }), rowFor(2, a2), rowFor(3, b1), rowFor(4, n1)];
    expect(detectSessionAmbiguity(sessionState([a1, a2, b1, n1], rows))).toEqual({
      findings: [{ kind: 'misrouted-folder', memoryId: 1, path: a1.relativePath, detail: 'row says 002-beta/010-nested, file is in 001-alpha', expectedFolder: '001-alpha', expectedSession: 'ses_a' }],
      sampled: 4,
      affected: 1,
      misrouteRate: 0.25,
    });
  });

  it('reports a row with another session id as misrouted-session, a missing one included', () => {
    const rows = [rowFor(1, a1, { sessionId: 'ses_zzz' }), rowFor(4, n1, { sessionId: 'ses_b' }), rowFor(3, b1, { sessionId: null })];
    const result = detectSessionAmbiguity(sessionState([a1, b1, n1], rows));
    expect(result.findings).toEqual([
      { kind: 'misrouted-session', memoryId: 1, path: a1.relativePath, detail: 'row says ses_zzz, file says ses_a', expectedFolder: '001-alpha', expectedSession: 'ses_a' },
      { kind: 'misrouted-session', memoryId: 3, path: b1.relativePath, detail: 'row says none, file says ses_b', expectedFolder: '002-beta/010-nested', expectedSession: 'ses_b' },
      { kind: 'misrouted-session', memoryId: 4, path: n1.relativePath, detail: 'row says ses_b, file says none', expectedFolder: '002-beta/010-nested', expectedSession: null },
    ]);
    expect(result.affected).toBe(3);
  });

  it('reports a row with both folder and session wrong once, as misrouted-folder carrying both corrections', () => {
    const result = detectSessionAmbiguity(sessionState([a1], [rowFor(1, a1, { specFolder: '009-x', sessionId: 'ses_q' })]));
    expect(result.findings).toEqual([expect.objectContaining({ kind: 'misrouted-folder', memoryId: 1, expectedFolder: '001-alpha', expectedSession: 'ses_a' })]);
    expect(result.affected).toBe(1);
  });

  it('reports a session whose files lie in two folders as ambiguous, over all files, sampled or not', () => {
    const stray = file('002-beta/010-nested', 'stray.md', 'stray', 'ses_a');
    const result = detectSessionAmbiguity(sessionState([a1, a2, b1, stray], [rowFor(3, b1)]));
    expect(result.findings).toEqual([{ kind: 'ambiguous-session', subject: 'ses_a', detail: 'folders: 001-alpha, 002-beta/010-nested' }]);
    // The only sampled row is not in the ambiguous session.
    expect(result).toMatchObject({ sampled: 1, affected: 0, misrouteRate: 0 });
  });

  it('rates the share of sampled rows that are misrouted or in an ambiguous session, each row counted once', () => {
    const stray = file('002-beta/010-nested', 'stray.md', 'stray', 'ses_a');
    const c = file('003-gamma', 'c.md', 'c', 'ses_c');
    const d = file('003-gamma', 'd.md', 'd', 'ses_c');
    const rows = [
      rowFor(1, a1),
      rowFor(2, a2, { specFolder: '003-gamma' }),
      rowFor(5, stray),
      rowFor(3, b1, { sessionId: 'ses_x' }),
      rowFor(6, c),
      rowFor(7, d),
      rowFor(4, n1),
      rowFor(8, file('004-delta', 'gone.md', 'gone', 'ses_a')),
    ];
    const result = detectSessionAmbiguity(sessionState([a1, a2, b1, n1, stray, c, d], rows));
    // Affected: 1, 2 and 5 (ambiguous ses_a; 2 also misrouted), 3 (misrouted), 8 (its file is gone, its row says ses_a).
    expect(result).toMatchObject({ sampled: 8, affected: 5, misrouteRate: 5 / 8 });
    expect(result.findings.map((finding) => `${finding.kind}:${finding.memoryId ?? finding.subject}`)).toEqual([
      'misrouted-folder:2',
      'misrouted-session:3',
      'ambiguous-session:ses_a',
    ]);
  });

  it('has a zero rate for an empty sample', () => {
    expect(detectSessionAmbiguity(sessionState([a1], []))).toEqual({ findings: [], sampled: 0, affected: 0, misrouteRate: 0 });
  });

  it('judges rows by absolute path too, and leaves foreign rows and rows without a file unrouted', () => {
    const rows = [
      rowFor(1, a1, { filePath: `${ROOT}/${a1.relativePath}`, specFolder: '009-wrong' }),
      rowFor(2, a2, { filePath: `/elsewhere/${a2.relativePath}`, specFolder: '009-wrong' }),
      rowFor(3, file('004-delta', 'gone.md'), { specFolder: '009-wrong' }),
    ];
    const result = detectSessionAmbiguity(sessionState([a1, a2], rows));
    expect(result.findings.map((finding) => `${finding.kind}:${finding.memoryId}`)).toEqual(['misrouted-folder:1']);
    expect(result).toMatchObject({ sampled: 3, affected: 1 });
  });

  it('lists ambiguous sessions by id, each folder once and sorted', () => {
    const files = [
      file('003-c', 'x.md', 'x', 'ses_z'),
      file('001-a', 'y.md', 'y', 'ses_z'),
      file('001-a', 'y2.md', 'y2', 'ses_z'),
      file('002-b', 'w.md', 'w', 'ses_m'),
      file('001-a', 'v.md', 'v', 'ses_m'),
    ];
    expect(detectSessionAmbiguity(sessionState(files, [])).findings).toEqual([
      { kind: 'ambiguous-session', subject: 'ses_m', detail: 'folders: 001-a, 002-b' },
      { kind: 'ambiguous-session', subject: 'ses_z', detail: 'folders: 001-a, 003-c' },
    ]);
  });

  it('keeps the rate equal to affected / sampled and within [0, 1] (property)', () => {
    const folders = ['001-a', '002-b', '003-c'];
    const sessions = ['ses_1', 'ses_2', 'ses_3', null];
    const arbitraryFile = fc.tuple(fc.constantFrom(...folders), fc.constantFrom(...sessions));
    fc.assert(
      fc.property(fc.array(fc.tuple(arbitraryFile, fc.constantFrom(...folders), fc.constantFrom(...sessions), fc.boolean()), { maxLength: 25 }), (entries) => {
        const files = entries.map(([[folder, session]], n) => file(folder, `m${n}.md`, `m${n}`, session));
        const rows = entries.flatMap(([, rowFolder, rowSession, sampled], n) => (sampled ? [rowFor(n + 1, files[n] as MemoryFileRecord, { specFolder: rowFolder, sessionId: rowSession })] : []));
        const result = detectSessionAmbiguity(sessionState(files, rows));
        expect(result.sampled).toBe(rows.length);
        expect(result.misrouteRate).toBe(rows.length === 0 ? 0 : result.affected / rows.length);
        expect(result.affected).toBeLessThanOrEqual(rows.length);
        const misrouted = result.findings.filter((finding) => finding.kind !== 'ambiguous-session').length;
        expect(result.affected).toBeGreaterThanOrEqual(misrouted);
      }),
    );
  });
});
