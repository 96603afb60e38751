import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectIndexDrift } from '../../../src/live/index-drift/detect-index-drift.js';
import { file, hash, ROOT, rowFor, state } from './index-drift-state-builder.js';
import { referenceIndexDrift } from './reference-index-drift.js';

const a = file('001-alpha', 'a.md', 'a', 'ses_a');
const b = file('001-alpha', 'b.md', 'b', 'ses_a');
const c = file('002-beta/010-nested', 'c.md', 'c', null);

describe('detectIndexDrift', () => {
  it('finds nothing when every file has its row, FTS and vector', () => {
    expect(detectIndexDrift(state([a, b, c], [rowFor(1, a), rowFor(2, b), rowFor(3, c)]))).toEqual({ findings: [], foreignRows: 0, otherRows: 0, memoryShapedOutsideSpecs: 0 });
  });

  it('reports a file with no row as missing, by path and without a memory id', () => {
    expect(detectIndexDrift(state([a, b], [rowFor(1, a)])).findings).toEqual([{ kind: 'missing', path: b.relativePath }]);
  });

  it('reports a row whose file is gone as orphaned, with its id and path', () => {
    expect(detectIndexDrift(state([a], [rowFor(1, a), rowFor(2, b)])).findings).toEqual([{ kind: 'orphaned', memoryId: 2, path: b.relativePath }]);
  });

  it('reports a row whose hash differs from its file as stale, with both hashes shortened in the detail', () => {
    const row = rowFor(1, a, { contentHash: hash('old') });
    expect(detectIndexDrift(state([a], [row])).findings).toEqual([
      { kind: 'stale', memoryId: 1, path: a.relativePath, detail: `hash ${hash('old').slice(0, 12)} != ${a.contentHash.slice(0, 12)}` },
    ]);
    expect(detectIndexDrift(state([a], [rowFor(1, a, { contentHash: null })])).findings[0]?.detail).toBe(`hash none != ${a.contentHash.slice(0, 12)}`);
  });

  it('does not count a changed mtime, title, tier, folder or session as drift', () => {
    const row = rowFor(1, a, { fileMtimeMs: 5, title: 'other', importanceTier: 'critical', specFolder: '009-elsewhere', sessionId: 'ses_z' });
    expect(detectIndexDrift(state([a], [row])).findings).toEqual([]);
  });

  it('matches rows by absolute path inside the workspace as well as by relative path', () => {
    const rows = [rowFor(1, a, { filePath: `${ROOT}/${a.relativePath}` }), rowFor(2, b, { filePath: `./${b.relativePath}` })];
    expect(detectIndexDrift(state([a, b], rows))).toEqual({ findings: [], foreignRows: 0, otherRows: 0, memoryShapedOutsideSpecs: 0 });
  });

  it('counts rows outside the workspace as foreign and never reports them orphaned', () => {
    const foreign = [
      rowFor(7, a, { filePath: `/elsewhere/checkout/${a.relativePath}` }),
      rowFor(8, b, { filePath: `../sibling/${b.relativePath}` }),
      rowFor(9, b, { filePath: `${ROOT}-2/${b.relativePath}` }),
    ];
    const result = detectIndexDrift(state([a, b], [rowFor(1, a), rowFor(2, b), ...foreign]));
    expect(result).toEqual({ findings: [], foreignRows: 3, otherRows: 0, memoryShapedOutsideSpecs: 0 });
  });

  it('counts rows for files that are not memory files as other, and never reports them orphaned or stale', () => {
    // The real server also indexes spec documents, READMEs and constitutional rules.
    const other = [
      rowFor(7, a, { filePath: 'specs/001-alpha/spec.md' }),
      rowFor(8, a, { filePath: `${ROOT}/.opencode/skill/system-spec-kit/constitutional/gate.md` }),
      rowFor(9, a, { filePath: 'README.md' }),
      rowFor(10, a, { filePath: 'specs/001-alpha/memory/sub/deeper.md' }),
      rowFor(11, a, { filePath: 'specs/001-alpha/memory/UPPER.MD' }),
      rowFor(12, a, { filePath: 'specs/memory/top.md' }),
    ];
    const result = detectIndexDrift(state([a, b], [rowFor(1, a), rowFor(2, b), ...other]));
    expect(result).toEqual({ findings: [], foreignRows: 0, otherRows: 6, memoryShapedOutsideSpecs: 1 });
    // Under another specs root, the same memory paths are other files' rows too.
    expect(detectIndexDrift(state([], [rowFor(1, a)], { specsUnderRoot: 'notes' }))).toEqual({ findings: [], foreignRows: 0, otherRows: 1, memoryShapedOutsideSpecs: 1 });
  });

  it('neither orphans nor refreshes the row of a file it could not read, and reports the file', () => {
    const result = detectIndexDrift(state([a], [rowFor(1, a), rowFor(2, b, { contentHash: hash('old') })], { unreadable: [{ relativePath: b.relativePath, reason: 'invalid-utf8' }] }));
    expect(result.findings).toEqual([{ kind: 'unreadable-file', path: b.relativePath, detail: 'invalid-utf8' }]);
  });

  it('judges an anchor row by its file being there, not by the whole file\'s hash (anchor rows are not stale)', () => {
    const notes = file('001-a', 'notes.md');
    const anchorRow = rowFor(2, notes, { anchorId: 'decisions', contentHash: hash('section') });
    expect(detectIndexDrift(state([notes], [rowFor(1, notes), anchorRow])).findings).toEqual([]);
    expect(detectIndexDrift(state([], [anchorRow])).findings.map((finding) => finding.kind)).toEqual(['orphaned']);
  });

  it('neither orphans nor deletes the rows under a memory folder that could not be listed', () => {
    const notes = file('001-a', 'notes.md');
    const unreadable = [{ relativePath: 'specs/001-a/memory', reason: 'permission-denied' }];
    const { findings } = detectIndexDrift(state([], [rowFor(1, notes)], { unreadable }));
    expect(findings.map((finding) => finding.kind)).toEqual(['unreadable-file']);
  });

  it('reports rows missing from FTS and FTS entries with no row, by id', () => {
    const result = detectIndexDrift(state([a, b], [rowFor(1, a), rowFor(2, b)], { ftsIndexedIds: [1, 44] }));
    expect(result.findings).toEqual([
      { kind: 'fts-out-of-step', memoryId: 2, detail: 'row not in the FTS index' },
      { kind: 'fts-out-of-step', memoryId: 44, detail: 'FTS entry with no row' },
    ]);
  });

  it('reports a failed FTS integrity check once, and only when the ids agree', () => {
    const rows = [rowFor(1, a), rowFor(2, b)];
    expect(detectIndexDrift(state([a, b], rows, { ftsIntegrityOk: false })).findings).toEqual([{ kind: 'fts-out-of-step', detail: 'FTS integrity-check failed' }]);
    expect(detectIndexDrift(state([a, b], rows, { ftsIntegrityOk: false, ftsIndexedIds: [1] })).findings).toEqual([
      { kind: 'fts-out-of-step', memoryId: 2, detail: 'row not in the FTS index' },
    ]);
  });

  it('does not judge FTS it could not list', () => {
    expect(detectIndexDrift(state([a], [rowFor(1, a)], { ftsIndexedIds: undefined, ftsIntegrityOk: undefined })).findings).toEqual([]);
  });

  it('reports vectors with no row as orphaned, and rows marked embedded with no vector as missing-vector', () => {
    const rows = [rowFor(1, a), rowFor(2, b), rowFor(3, c, { embeddingStatus: 'pending' })];
    const result = detectIndexDrift(state([a, b, c], rows, { vectorIds: [1, 100_301] }));
    expect(result.findings).toEqual([
      { kind: 'orphaned-vector', memoryId: 100_301 },
      { kind: 'missing-vector', memoryId: 2, path: b.relativePath },
    ]);
  });

  it('does not judge vectors it could not check', () => {
    expect(detectIndexDrift(state([a], [rowFor(1, a)], { vectorIds: undefined })).findings).toEqual([]);
  });

  it('does not also report a stale or orphaned row as missing its vector', () => {
    const rows = [rowFor(1, a, { contentHash: hash('old') }), rowFor(2, b)];
    const kinds = detectIndexDrift(state([a], rows, { vectorIds: [] })).findings.map((finding) => finding.kind);
    expect(kinds).toEqual(['orphaned', 'stale']);
  });

  it('orders findings by kind (missing, orphaned, stale, fts, orphaned vector, missing vector, unreadable), then path or id', () => {
    const d = file('003-gamma', 'd.md');
    const e = file('000-first', 'e.md');
    const rows = [rowFor(5, b, { contentHash: hash('old') }), rowFor(3, a, { contentHash: hash('old') }), rowFor(9, file('009-gone', 'z.md')), rowFor(4, file('008-gone', 'y.md')), rowFor(6, c)];
    const result = detectIndexDrift(state([a, b, c, d, e], rows, { ftsIndexedIds: [3, 4, 5, 9], vectorIds: [3, 4, 5, 9, 77, 66] }));
    expect(result.findings.map((finding) => `${finding.kind}:${finding.path ?? finding.memoryId}`)).toEqual([
      `missing:${e.relativePath}`,
      `missing:${d.relativePath}`,
      'orphaned:specs/008-gone/memory/y.md',
      'orphaned:specs/009-gone/memory/z.md',
      `stale:${a.relativePath}`,
      `stale:${b.relativePath}`,
      'fts-out-of-step:6',
      'orphaned-vector:66',
      'orphaned-vector:77',
      `missing-vector:${c.relativePath}`,
    ]);
  });

  it('finds nothing for any workspace whose index was built from its files (property)', () => {
    const folders = fc.constantFrom('001-a', '002-b/010-c', '003-d/020-e/030-f');
    const names = fc.uniqueArray(fc.tuple(folders, fc.stringMatching(/^[a-z0-9-]{1,12}\.md$/), fc.boolean()), {
      selector: ([folder, name]) => `${folder}/${name}`,
      maxLength: 30,
    });
    fc.assert(
      fc.property(names, fc.integer({ min: 1, max: 1000 }), (entries, firstId) => {
        const files = entries.map(([folder, name]) => file(folder, name));
        const rows = files.map((record, n) => rowFor(firstId + n, record, entries[n]?.[2] ? { filePath: `${ROOT}/${record.relativePath}` } : {}));
        expect(detectIndexDrift(state(files, rows))).toEqual({ findings: [], foreignRows: 0, otherRows: 0, memoryShapedOutsideSpecs: 0 });
      }),
    );
  });

  it('reports each deleted file as exactly one orphaned row (property)', () => {
    const all = Array.from({ length: 12 }, (_, n) => file('001-a', `m${n}.md`));
    fc.assert(
      fc.property(fc.subarray(all.map((_, n) => n)), (gone) => {
        const rows = all.map((record, n) => rowFor(n + 1, record));
        const files = all.filter((_, n) => !gone.includes(n));
        const findings = detectIndexDrift(state(files, rows)).findings;
        expect(findings).toEqual(gone.map((n) => ({ kind: 'orphaned', memoryId: n + 1, path: all[n]?.relativePath })).sort((x, y) => ((x.path ?? "") < (y.path ?? "") ? -1 : 1)));
      }),
    );
  });

  it('finds what the plain row-by-row reading finds, whatever the files, rows, FTS, vectors and unreadable entries (property)', () => {
    const files = Array.from({ length: 10 }, (_, n) => file(n % 3 === 0 ? '001-a' : '002-b/010-c', `m${n}.md`, `t${n}`));
    const pathOf = fc.oneof(
      fc.constantFrom(...files.map((record) => record.relativePath)),
      fc.constantFrom(...files.map((record) => `${ROOT}/${record.relativePath}`)),
      fc.constantFrom('specs/009-gone/memory/x.md', `${ROOT}/specs/009-gone/memory/y.md`, '/elsewhere/specs/001-a/memory/m0.md', './specs/001-a/memory/m3.md'),
      // Rows the server keeps for other files: never a memory row, whether the file is there or not.
      fc.constantFrom('specs/001-a/spec.md', 'README.md', `${ROOT}/.opencode/skill/x/constitutional/rule.md`, 'specs/001-a/memory/sub/m0.md', 'specs/001-a/memory/M1.MD', 'specs/memory/m2.md'),
    );
    const row = fc.record({
      id: fc.integer({ min: 1, max: 30 }),
      filePath: pathOf,
      anchor: fc.constantFrom(null, null, null, 'decisions'),
      hashTag: fc.constantFrom('t0', 't1', 't3', 't4', 'old', null),
      status: fc.constantFrom('success', 'success', 'pending', null),
    });
    const unreadable = fc.subarray(['specs/001-a/memory/m0.md', 'specs/002-b', 'specs/009-gone/memory/x.md'], { maxLength: 2 });
    const ids = fc.option(fc.array(fc.integer({ min: 1, max: 32 }), { maxLength: 12 }), { nil: undefined });
    fc.assert(
      fc.property(fc.subarray(files), fc.array(row, { maxLength: 14 }), unreadable, ids, ids, fc.option(fc.boolean(), { nil: undefined }), (present, rows, gone, fts, vectors, ftsOk) => {
        const built = state(
          present,
          rows.map((entry) => ({
            ...rowFor(entry.id, files[0] as (typeof files)[number]),
            filePath: entry.filePath,
            anchorId: entry.anchor,
            contentHash: entry.hashTag === null ? null : hash(entry.hashTag),
            embeddingStatus: entry.status,
          })),
          { unreadable: gone.map((relativePath) => ({ relativePath, reason: 'invalid-utf8' })), ftsIndexedIds: fts, vectorIds: vectors, ftsIntegrityOk: ftsOk },
        );
        expect(detectIndexDrift(built)).toEqual(referenceIndexDrift(built));
      }),
      { numRuns: 2000 },
    );
  });
});
