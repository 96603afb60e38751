import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/workspace/content-hash.js';
import { parseMemoryMetadata } from '../../src/workspace/front-matter.js';
import { MemoryFileChangedError, readMemoryFile, readMemoryMetadata, reasonForError } from '../../src/workspace/memory-file-reader.js';
import { listMemoryFiles, scanMemoryFiles, specFolderOf } from '../../src/workspace/memory-files.js';
import { defaultPaths, useTemporaryFolders } from './temporary-folder.js';

const temporaryFolder = useTemporaryFolders();

function write(root: string, relativePath: string, content: string | Buffer): void {
  const path = join(root, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

const memory = (title: string, session = 'ses_1'): string => `---\ntitle: "${title}"\nsession_id: ${session}\n---\n\n# ${title}\n\nBody.\n`;

describe('readMemoryFile and readMemoryMetadata', () => {
  // Front matter of every shape the readers treat differently: none, unclosed, a BOM, CRLF, a title
  // or only a heading, session ids quoted, empty, numeric or repeated, lines YAML refuses.
  const line = fc.constantFrom(
    'title: "A title"', 'title:', 'session_id: ses_1', "session_id: 'ses 2'", 'session_id: ""', 'session_id: 42', 'session_id:',
    'trigger_phrases: [a, b]', 'trigger_phrases:', '  - x', 'importance_tier: critical', 'context_type: decision', '# comment', '',
    'summary: |', '  literal', 'bad: [unclosed', 'a: {b: 1}', 'session_id: ses_3 # note', '\tbad: tab',
  );
  const text = fc
    .record({
      bom: fc.boolean(),
      crlf: fc.boolean(),
      opened: fc.boolean(),
      closed: fc.boolean(),
      lines: fc.array(line, { maxLength: 6 }),
      body: fc.constantFrom('', '# Heading\n', 'Body only.\n', '```\n# not a heading\n```\n# Real\n'),
    })
    .map(({ bom, crlf, opened, closed, lines, body }) => {
      const front = opened ? ['---', ...lines, ...(closed ? ['---'] : [])].join('\n') + '\n' : '';
      const whole = `${bom ? '\uFEFF' : ''}${front}${body}`;
      return crlf ? whole.replace(/\n/g, '\r\n') : whole;
    });

  it('keep the session, and read again the metadata, that parseMemoryMetadata gives the text', () => {
    const root = temporaryFolder();
    const absolutePath = join(root, 'specs/001-a/memory/m.md');
    mkdirSync(dirname(absolutePath), { recursive: true });
    fc.assert(
      fc.property(text, (content) => {
        writeFileSync(absolutePath, content);
        const expected = parseMemoryMetadata(content, 'm.md');
        const reading = readMemoryFile({ absolutePath, relativePath: 'specs/001-a/memory/m.md', specFolder: '001-a' });
        expect(reading.kind === 'file' ? reading.record.sessionId : 'unreadable').toBe(expected.sessionId);
        expect(readMemoryMetadata(absolutePath, 'm.md', contentHash(Buffer.from(content)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('refuse to give the metadata of a file that changed or went since the scan, as a retryable error', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-a/memory/m.md', memory('Before'));
    const absolutePath = join(root, 'specs/001-a/memory/m.md');
    const scanned = contentHash(Buffer.from(memory('Before')));
    expect(readMemoryMetadata(absolutePath, 'specs/001-a/memory/m.md', scanned).title).toBe('Before');
    write(root, 'specs/001-a/memory/m.md', memory('After'));
    const changed = (() => {
      try {
        readMemoryMetadata(absolutePath, 'specs/001-a/memory/m.md', scanned);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(changed).toBeInstanceOf(MemoryFileChangedError);
    expect(changed).toMatchObject({ retryable: true, relativePath: 'specs/001-a/memory/m.md' });
    expect(() => readMemoryMetadata(join(root, 'specs/001-a/memory/gone.md'), 'gone.md', scanned)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});

describe('specFolderOf', () => {
  it.each([
    ['003-memory/065-retry/memory/2026-01-02__notes.md', '003-memory/065-retry'],
    ['001-auth/memory/a.md', '001-auth'],
    ['001-auth/memory/memory/a.md', '001-auth/memory'],
  ])('gives the path before /memory/ for %s', (path, folder) => {
    expect(specFolderOf(path)).toBe(folder);
  });

  it.each(['memory/a.md', '001-auth/a.md', '001-auth/memory/a.txt', '001-auth/memory/sub/a.md', '001-auth/memory/.md', '../x/memory/a.md'])(
    'gives undefined for %s, which is not a memory file',
    (path) => {
      expect(specFolderOf(path)).toBeUndefined();
    },
  );
});

describe('scanMemoryFiles', () => {
  it('finds memory files in nested spec folders, sorted, with spec folder, hash, size, mtime and session', () => {
    const root = temporaryFolder();
    write(root, 'specs/003-memory/065-retry/memory/2026-01-02__notes.md', memory('Retry notes'));
    write(root, 'specs/003-memory/memory/b.md', memory('Parent memory'));
    write(root, 'specs/001-auth/memory/a.md', '# Heading only\n');
    const { files, unreadable } = scanMemoryFiles(defaultPaths(root));
    expect(unreadable).toEqual([]);
    expect(files.map((file) => [file.relativePath, file.specFolder])).toEqual([
      ['specs/001-auth/memory/a.md', '001-auth'],
      ['specs/003-memory/065-retry/memory/2026-01-02__notes.md', '003-memory/065-retry'],
      ['specs/003-memory/memory/b.md', '003-memory'],
    ]);
    const retry = files[1];
    const bytes = Buffer.from(memory('Retry notes'));
    expect(retry).toEqual({
      relativePath: 'specs/003-memory/065-retry/memory/2026-01-02__notes.md',
      specFolder: '003-memory/065-retry',
      contentHash: contentHash(bytes),
      sizeBytes: bytes.length,
      mtimeMs: expect.any(Number),
      sessionId: 'ses_1',
    });
    expect(Number.isInteger(retry?.mtimeMs)).toBe(true);
    expect(files[0]?.sessionId).toBeNull();
  });

  it('ignores markdown that is not directly inside a memory folder', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-auth/spec.md', '# Spec\n');
    write(root, 'specs/001-auth/memory/notes.txt', 'not markdown');
    write(root, 'specs/001-auth/memory/archive/old.md', '# Old\n');
    write(root, 'specs/memory/top.md', '# No spec folder\n');
    write(root, 'docs/memory/elsewhere.md', '# Outside specs\n');
    write(root, 'specs/001-auth/memory/kept.md', '# Kept\n');
    expect(scanMemoryFiles(defaultPaths(root)).files.map((file) => file.relativePath)).toEqual(['specs/001-auth/memory/kept.md']);
  });

  it('reports a missing specs folder as unreadable, without throwing: its memories are unknown, not gone', () => {
    expect(scanMemoryFiles(defaultPaths(temporaryFolder()))).toEqual({ files: [], unreadable: [{ relativePath: 'specs', reason: 'vanished' }] });
  });

  it('survives a symlink loop and reports it', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-auth/memory/a.md', '# A\n');
    symlinkSync(join(root, 'specs'), join(root, 'specs/001-auth/loop'));
    symlinkSync('self.md', join(root, 'specs/001-auth/memory/self.md'));
    const { files, unreadable } = scanMemoryFiles(defaultPaths(root));
    expect(files.map((file) => file.relativePath)).toEqual(['specs/001-auth/memory/a.md']);
    expect(unreadable).toEqual([
      { relativePath: 'specs/001-auth/loop', reason: 'symlink-loop' },
      { relativePath: 'specs/001-auth/memory/self.md', reason: 'symlink-loop' },
    ]);
  });

  it('never follows a symlink out of the workspace, and reports the ones standing for memories', () => {
    const outside = temporaryFolder('opsheal-outside-');
    write(outside, 'memory/secret.md', '# Secret\n');
    write(outside, 'note.md', '# Outside note\n');
    const root = temporaryFolder();
    write(root, 'specs/001-auth/memory/a.md', '# A\n');
    symlinkSync(join(outside, 'memory'), join(root, 'specs/002-linked'));
    symlinkSync(join(outside, 'note.md'), join(root, 'specs/001-auth/memory/linked.md'));
    symlinkSync(join(outside, 'note.md'), join(root, 'specs/001-auth/not-a-memory.md'));
    const { files, unreadable } = scanMemoryFiles(defaultPaths(root));
    expect(files.map((file) => file.relativePath)).toEqual(['specs/001-auth/memory/a.md']);
    expect(unreadable).toEqual([
      { relativePath: 'specs/001-auth/memory/linked.md', reason: 'symlink-outside-workspace' },
      { relativePath: 'specs/002-linked', reason: 'symlink-outside-workspace' },
    ]);
  });

  it('follows symlinks inside the workspace, keeping a real folder under its real path', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-auth/memory/a.md', '# A\n');
    write(root, 'shared/memory/b.md', '# B\n');
    symlinkSync(join(root, 'shared'), join(root, 'specs/002-shared'));
    symlinkSync(join(root, 'specs/001-auth'), join(root, 'specs/000-alias'));
    symlinkSync(join(root, 'specs/001-auth/memory/a.md'), join(root, 'specs/001-auth/memory/c.md'));
    const { files, unreadable } = scanMemoryFiles(defaultPaths(root));
    expect(files.map((file) => [file.relativePath, file.specFolder])).toEqual([
      ['specs/001-auth/memory/a.md', '001-auth'],
      ['specs/001-auth/memory/c.md', '001-auth'],
      ['specs/002-shared/memory/b.md', '002-shared'],
    ]);
    expect(unreadable).toEqual([{ relativePath: 'specs/000-alias', reason: 'symlink-duplicate' }]);
  });

  it('reports binary, invalid UTF-8, broken links and non-files as unreadable instead of throwing', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-auth/memory/good.md', '# Good\n');
    write(root, 'specs/001-auth/memory/binary.md', Buffer.from([0x23, 0x20, 0x00, 0x01]));
    write(root, 'specs/001-auth/memory/latin1.md', Buffer.from([0x23, 0x20, 0x43, 0x61, 0x66, 0xe9, 0x0a]));
    symlinkSync(join(root, 'gone.md'), join(root, 'specs/001-auth/memory/dangling.md'));
    execFileSync('mkfifo', [join(root, 'specs/001-auth/memory/pipe.md')]);
    const { files, unreadable } = scanMemoryFiles(defaultPaths(root));
    expect(files.map((file) => file.relativePath)).toEqual(['specs/001-auth/memory/good.md']);
    expect(unreadable).toEqual([
      { relativePath: 'specs/001-auth/memory/binary.md', reason: 'binary' },
      { relativePath: 'specs/001-auth/memory/dangling.md', reason: 'broken-symlink' },
      { relativePath: 'specs/001-auth/memory/latin1.md', reason: 'invalid-utf8' },
      { relativePath: 'specs/001-auth/memory/pipe.md', reason: 'not-a-file' },
    ]);
  });

  // Root reads through any permission, so this can only be seen as another user.
  it.skipIf(process.getuid?.() === 0)('reports a file it may not read as permission-denied', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-auth/memory/locked.md', '# Locked\n');
    chmodSync(join(root, 'specs/001-auth/memory/locked.md'), 0o000);
    expect(scanMemoryFiles(defaultPaths(root)).unreadable).toEqual([{ relativePath: 'specs/001-auth/memory/locked.md', reason: 'permission-denied' }]);
  });

  it('reports a file that vanished between listing and reading as vanished', () => {
    const root = temporaryFolder();
    write(root, 'specs/001-auth/memory/a.md', '# A\n');
    const [listing] = [...listMemoryFiles(defaultPaths(root))];
    if (listing?.kind !== 'location') throw new Error('expected a location');
    const reading = readMemoryFile({ ...listing.location, absolutePath: join(root, 'specs/001-auth/memory/gone.md'), relativePath: 'specs/001-auth/memory/gone.md' });
    expect(reading).toEqual({ kind: 'unreadable', unreadable: { relativePath: 'specs/001-auth/memory/gone.md', reason: 'vanished' } });
  });

  it('hashes a file over 8 MB in chunks and takes its session and metadata from the top', () => {
    const root = temporaryFolder();
    const head = '\uFEFF---\ntitle: "Big file"\ntrigger_phrases: [big]\nsession_id: ses_big\n---\n# Heading\n';
    const bytes = Buffer.concat([Buffer.from(head, 'utf8'), Buffer.alloc(9 * 1024 * 1024, 'ab\n')]);
    write(root, 'specs/001-auth/memory/big.md', bytes);
    const [file] = scanMemoryFiles(defaultPaths(root)).files;
    expect(file).toMatchObject({ contentHash: contentHash(bytes), sizeBytes: bytes.length, sessionId: 'ses_big' });
    expect(readMemoryMetadata(join(root, 'specs/001-auth/memory/big.md'), 'big.md', contentHash(bytes))).toMatchObject({ title: 'Big file', triggerPhrases: ['big'], sessionId: 'ses_big' });
  });

  it('finds a multi-byte character split across chunks of a large file valid, and a bad byte deep inside invalid', () => {
    const root = temporaryFolder();
    const valid = Buffer.alloc(9 * 1024 * 1024 + 10, 'é');
    write(root, 'specs/001-auth/memory/accents.md', valid);
    const invalid = Buffer.alloc(9 * 1024 * 1024, 'a');
    invalid[8 * 1024 * 1024 + 5] = 0xff;
    write(root, 'specs/001-auth/memory/bad.md', invalid);
    const { files, unreadable } = scanMemoryFiles(defaultPaths(root));
    expect(files.map((file) => file.relativePath)).toEqual(['specs/001-auth/memory/accents.md']);
    expect(unreadable).toEqual([{ relativePath: 'specs/001-auth/memory/bad.md', reason: 'invalid-utf8' }]);
  });
});

describe('reasonForError', () => {
  it.each([
    ['ENOENT', 'vanished'],
    ['EACCES', 'permission-denied'],
    ['EPERM', 'permission-denied'],
    ['ELOOP', 'symlink-loop'],
    ['EISDIR', 'not-a-file'],
    ['EIO', 'unreadable'],
  ])('maps %s to %s', (code, reason) => {
    expect(reasonForError(Object.assign(new Error(code), { code }))).toBe(reason);
  });
});
