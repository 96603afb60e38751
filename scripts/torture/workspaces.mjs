// Scenario 5, hostile workspaces: files and databases no healthy workspace holds. Each case gives a
// clear error or escalation with the exit code README documents, never hangs, never follows a link
// out of the workspace, and loses nothing: memory files byte-identical, ledger rows unchanged, an
// unusable database not written to.
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  DB_PATH,
  copyWorkspace,
  createRandom,
  firstLine,
  hashTree,
  inspectDatabase,
  ledgerLosses,
  payloadsOf,
  pool,
  tidy,
  runBin,
  stackTraceIn,
  treeDifferences,
  unparsableJsonLines,
  verdict,
} from './lib.mjs';

const RUNNING_AS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
/**
 * The first line that holds a control character a terminal acts on: C0 ones (tab and newline
 * aside) anywhere, DEL and C1 ones in text lines (JSON lines carry them as JSON allows, escaped or not).
 */
function rawControlIn(text) {
  // eslint-disable-next-line no-control-regex
  return text.split('\n').find((line) => /[\u0000-\u0008\u000b-\u001f]/.test(line) || (!line.startsWith('{') && /[\u007f-\u009f]/.test(line)));
}

const memoryText = (title, extra = '') => `---\ntitle: "${title}"\nsession_id: ses_hostile_${createHash('sha256').update(title).digest('hex').slice(0, 8)}\n---\n# ${title}\n\n${extra}Some notes.\n`;
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The first memory folder of the sample, in name order at any depth (relative to the workspace), where hostile files go. */
function memoryFolder(root) {
  const walk = (relativeFolder) => {
    const entries = readdirSync(join(root, relativeFolder), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    if (relativeFolder !== 'specs' && entries.includes('memory')) return `${relativeFolder}/memory`;
    for (const name of entries) {
      if (name === 'memory') continue;
      const found = walk(`${relativeFolder}/${name}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const found = walk('specs');
  if (found === undefined) throw new Error('the sample has no memory folder');
  return found;
}

function rowsWhere(root, sql, ...params) {
  // Read-write, though it only reads: the last connection to close a WAL database then removes the -wal and -shm files.
  const db = new Database(join(root, DB_PATH), { fileMustExist: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

function execSql(root, sql) {
  const db = new Database(join(root, DB_PATH));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** The expectations shared by the cases: exit codes, and what each run must (not) say. */
const expectExit = (command, ...codes) => (runs) => (codes.includes(runs[command].status) ? undefined : `${command} exited ${runs[command].status ?? runs[command].signal}, README says ${codes.join(' or ')}: ${firstLine(runs[command].stderr) || lastLine(runs[command].stdout)}`);
const escalates = (failureClass, pattern) => (runs) => {
  const payload = payloadsOf(runs.heal.stdout).find((entry) => entry.failure_class === failureClass);
  if (payload?.event !== 'ESCALATION') return `heal did not escalate ${failureClass} (${payload?.event ?? 'no payload'})`;
  if (pattern !== undefined && !pattern.test(JSON.stringify(payload))) return `${failureClass}'s escalation does not mention ${pattern}: ${JSON.stringify(payload).slice(0, 300)}`;
  return undefined;
};
const healthyAfter = (runs) => (runs.recheck.status === 0 ? undefined : `check all after the heal exited ${runs.recheck.status}: ${lastLine(runs.recheck.stdout)}`);
const stderrSays = (command, pattern) => (runs) => (pattern.test(runs[command].stderr) ? undefined : `${command}'s stderr does not say ${pattern}: ${firstLine(runs[command].stderr)}`);

function lastLine(text) {
  return (text.trim().split('\n').at(-1) ?? '').slice(0, 200);
}

/**
 * The cases. `setup` breaks a fresh copy of the sample (and returns anything the checks need);
 * `expect` are checks over the runs (`check`, `heal`, `recheck`: check all after the heal);
 * `unusableDatabase` says the database must not be written to at all.
 */
function cases(scratch, random) {
  return [
    {
      name: 'binary file named .md',
      setup: (root) => writeFileSync(join(root, memoryFolder(root), 'binary.md'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0xff, 0xfe])),
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /binary\.md/)],
    },
    {
      name: 'invalid UTF-8 named .md',
      setup: (root) => writeFileSync(join(root, memoryFolder(root), 'latin1.md'), Buffer.concat([Buffer.from('---\ntitle: caf'), Buffer.from([0xe9]), Buffer.from('\n---\n# caf\xe9\n', 'latin1')])),
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /latin1\.md/)],
    },
    {
      name: 'byte-order marks',
      setup: (root) => {
        const folder = join(root, memoryFolder(root));
        // A new file with a BOM is indexed with the hash of its text without the BOM ...
        const text = memoryText('Saved with a BOM');
        writeFileSync(join(folder, 'with-bom.md'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
        // ... and a BOM added to an indexed file changes nothing: its hash is the same.
        const existing = readdirSync(folder).filter((name) => name.endsWith('.md') && name !== 'with-bom.md').sort()[0];
        const bytes = readFileSync(join(folder, existing));
        writeFileSync(join(folder, existing), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]));
        return { hash: sha256(text), path: `${memoryFolder(root)}/with-bom.md` };
      },
      expect: [expectExit('check', 1), expectExit('heal', 0), healthyAfter, (runs, root, state) => {
        const rows = rowsWhere(root, 'SELECT content_hash, title FROM memory_index WHERE file_path LIKE ?', `%${state.path}`);
        if (rows.length !== 1) return `the BOM file has ${rows.length} rows`;
        if (rows[0].content_hash !== state.hash) return 'the BOM file was indexed with a hash that includes the BOM';
        return rows[0].title === 'Saved with a BOM' ? undefined : `the BOM file's front matter was not read (title ${JSON.stringify(rows[0].title)})`;
      }],
    },
    {
      name: 'a 50 MB memory file',
      setup: (root) => {
        const path = join(root, memoryFolder(root), 'huge.md');
        const descriptor = openSync(path, 'w');
        const hash = createHash('sha256');
        const write = (text) => {
          const bytes = Buffer.from(text);
          writeSync(descriptor, bytes);
          hash.update(bytes);
        };
        write(memoryText('A very large memory'));
        const line = `${'The quick brown fox jumps over the lazy dog; caf\u00e9 \u2014 \u65e5\u672c. '.repeat(16)}\n`;
        const block = line.repeat(1024);
        for (let written = 0; written < 50 * 1024 * 1024; written += Buffer.byteLength(block)) write(block);
        closeSync(descriptor);
        return { hash: hash.digest('hex') };
      },
      expect: [expectExit('check', 1), expectExit('heal', 0), healthyAfter, (runs, root, state) => {
        const rows = rowsWhere(root, 'SELECT content_hash FROM memory_index WHERE file_path LIKE ?', '%/huge.md');
        return rows.length === 1 && rows[0].content_hash === state.hash ? undefined : `the 50 MB file was not indexed with its hash (${rows.length} rows)`;
      }],
    },
    {
      name: 'symlink loops',
      setup: (root) => {
        const folder = join(root, memoryFolder(root));
        symlinkSync('loop-b.md', join(folder, 'loop-a.md'));
        symlinkSync('loop-a.md', join(folder, 'loop-b.md'));
        symlinkSync('..', join(root, 'specs', 'back-to-specs'));
        symlinkSync('.', join(root, memoryFolder(root), '..', 'itself'));
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /loop-a\.md/)],
    },
    {
      name: 'symlinks out of the workspace',
      dryRun: true,
      setup: (root, { outside }) => {
        symlinkSync(outside.file, join(root, memoryFolder(root), 'outside.md'));
        symlinkSync(outside.folder, join(root, 'specs', '999-outside'));
        return { outside };
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /outside/), (runs, root, { outside }) => {
        const rows = rowsWhere(root, 'SELECT id, file_path FROM memory_index WHERE file_path LIKE ? OR content_hash IN (?, ?)', '%outside%', outside.hashes[0], outside.hashes[1]);
        return rows.length === 0 ? undefined : `a file outside the workspace was indexed: ${rows.map((row) => row.file_path).join(', ')}`;
      }],
    },
    RUNNING_AS_ROOT
      ? {
        // Root reads a chmod 000 file anyway: what can be tested is that it is then simply indexed.
        name: 'unreadable files (as root: chmod 000 is read anyway; a FIFO)',
        setup: (root) => {
          const folder = join(root, memoryFolder(root));
          writeFileSync(join(folder, 'no-permission.md'), memoryText('Mode 000'));
          chmodSync(join(folder, 'no-permission.md'), 0o000);
          execFileSync('mkfifo', [join(folder, 'pipe.md')]);
        },
        expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /pipe\.md/), (runs, root) => {
          const rows = rowsWhere(root, 'SELECT id FROM memory_index WHERE file_path LIKE ?', '%/no-permission.md');
          return rows.length === 1 ? undefined : 'the mode 000 file (readable by root) was not indexed';
        }],
      }
      : {
        name: 'unreadable files (chmod 000, a FIFO)',
        setup: (root) => {
          const folder = join(root, memoryFolder(root));
          writeFileSync(join(folder, 'no-permission.md'), memoryText('Mode 000'));
          chmodSync(join(folder, 'no-permission.md'), 0o000);
          execFileSync('mkfifo', [join(folder, 'pipe.md')]);
        },
        expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /no-permission\.md/), escalates('index-drift', /pipe\.md/)],
      },
    {
      name: 'a file name with control characters',
      dryRun: true,
      setup: (root) => {
        const name = 'evil\n2026-02-22T00:00:00Z | OK | FORGED\u001b[2J\u009b31m.md';
        writeFileSync(join(root, memoryFolder(root), name), memoryText('Odd name'));
        return { name };
      },
      expect: [expectExit('check', 1), expectExit('heal', 0), healthyAfter, (runs) => {
        for (const [command, run] of Object.entries(runs)) {
          if (/^\S* ?\| OK \| FORGED/m.test(run.stdout) || /^2026-02-22T00:00:00Z \| OK \| FORGED/m.test(run.stdout)) return `${command} printed a forged line from a file name`;
          if (rawControlIn(run.stdout) || rawControlIn(run.stderr)) return `${command} printed a raw control character from a file name: ${JSON.stringify(rawControlIn(run.stdout) || rawControlIn(run.stderr))}`;
        }
        return undefined;
      }],
    },
    {
      name: 'a file name that is not UTF-8',
      setup: (root) => {
        const folder = Buffer.from(join(root, memoryFolder(root)));
        const name = Buffer.concat([folder, Buffer.from('/caf'), Buffer.from([0xe9]), Buffer.from('.md')]);
        writeFileSync(name, memoryText('Latin-1 name'));
      },
      // Indexed under some name, or escalated as unreadable: never silently skipped.
      expect: [expectExit('check', 1), (runs) => {
        const said = /caf/.test(runs.check.stdout) || /caf/.test(runs.heal.stdout);
        return said ? undefined : 'a file whose name is not UTF-8 was neither indexed nor reported';
      }],
    },
    {
      name: 'odd but valid memory files',
      setup: (root) => {
        const folder = join(root, memoryFolder(root));
        writeFileSync(join(folder, 'empty.md'), '');
        writeFileSync(join(folder, 'crlf.md'), memoryText('Windows line ends').replace(/\n/g, '\r\n'));
        writeFileSync(join(folder, 'bad-yaml.md'), '---\ntitle: [unclosed\ntrigger_phrases: {a: 1\n---\n# Bad YAML\n');
        writeFileSync(join(folder, 'wrong-types.md'), '---\ntitle: 42\ntrigger_phrases: 5\nimportance_tier: [1]\nsession_id: {x: 1}\n---\n# Wrong types\n');
        writeFileSync(join(folder, 'unclosed.md'), '---\ntitle: never closed\n# Heading\n');
        writeFileSync(join(folder, 'aliases.md'), `---\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\ntitle: laughs\n---\n# Billion laughs\n`);
        writeFileSync(join(folder, 'long-line.md'), `# ${'x'.repeat(2_000_000)}\n`);
      },
      expect: [expectExit('check', 1), expectExit('heal', 0), healthyAfter, (runs, root) => {
        const rows = rowsWhere(root, "SELECT file_path FROM memory_index WHERE file_path LIKE '%/empty.md' OR file_path LIKE '%/crlf.md' OR file_path LIKE '%/bad-yaml.md' OR file_path LIKE '%/wrong-types.md' OR file_path LIKE '%/unclosed.md' OR file_path LIKE '%/aliases.md' OR file_path LIKE '%/long-line.md'");
        return rows.length === 7 ? undefined : `${rows.length} of the 7 odd files were indexed`;
      }],
    },
    {
      name: 'a truncated database',
      dryRun: true,
      setup: (root) => {
        const path = join(root, DB_PATH);
        truncateSync(path, Math.floor(statSync(path).size / 3));
      },
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1), escalates('index-drift', /non-retryable-error/)],
    },
    {
      name: 'a garbage database file',
      setup: (root) => {
        const bytes = Buffer.alloc(64 * 1024);
        for (let index = 0; index < bytes.length; index++) bytes[index] = random.int(0, 255);
        writeFileSync(join(root, DB_PATH), bytes);
      },
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1), escalates('index-drift', /not a database/)],
    },
    {
      name: 'an empty database file',
      setup: (root) => writeFileSync(join(root, DB_PATH), ''),
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1), escalates('index-drift', /memory_index/), (runs, root) => (statSync(join(root, DB_PATH)).size === 0 ? undefined : 'the empty database file was written to')],
    },
    {
      name: 'a database with a corrupt page',
      dryRun: true,
      setup: (root) => {
        // Scribble over a page in the middle: the header still says SQLite.
        const path = join(root, DB_PATH);
        const descriptor = openSync(path, 'r+');
        const garbage = Buffer.alloc(4096, 0xa5);
        writeSync(descriptor, garbage, 0, garbage.length, Math.floor(statSync(path).size / 2 / 4096) * 4096);
        closeSync(descriptor);
      },
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1)],
    },
    {
      name: 'no mutation_ledger table (and a fault to repair)',
      dryRun: true,
      setup: (root) => {
        execSql(root, 'DROP TABLE mutation_ledger');
        writeFileSync(join(root, memoryFolder(root), 'needs-a-row.md'), memoryText('Needs a row'));
      },
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1), escalates('ledger-mismatch', /mutation_ledger/), escalates('index-drift')],
    },
    {
      name: 'no memory_index table',
      setup: (root) => execSql(root, 'DROP TABLE memory_index'),
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1), escalates('index-drift', /memory_index/)],
    },
    {
      name: 'no memory_fts table (its triggers left)',
      setup: (root) => {
        execSql(root, 'DROP TABLE memory_fts');
        writeFileSync(join(root, memoryFolder(root), 'needs-a-row.md'), memoryText('Needs a row'));
      },
      unusableDatabase: true,
      expect: [expectExit('check', 1, 2), expectExit('heal', 1), escalates('index-drift')],
    },
    {
      name: 'a ledger without its triggers',
      setup: (root) => execSql(root, 'DROP TRIGGER prevent_ledger_update; DROP TRIGGER prevent_ledger_delete'),
      expect: [expectExit('check', 1), expectExit('heal', 0), healthyAfter, (runs, root) => {
        const triggers = rowsWhere(root, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ('prevent_ledger_update', 'prevent_ledger_delete')");
        return triggers.length === 2 ? undefined : `${triggers.length} of the 2 ledger triggers after the heal`;
      }],
    },
    {
      name: 'no specs folder (index intact)',
      setup: (root) => rmSync(join(root, 'specs'), { recursive: true }),
      expect: [expectExit('heal', 1, 2), (runs, root, state) => {
        const [{ n }] = rowsWhere(root, 'SELECT count(*) AS n FROM memory_index');
        return n === state.rows ? undefined : `LOST: the index lost ${state.rows - n} of its ${state.rows} rows because the specs folder was missing`;
      }],
    },
    {
      // A folder that is there but empty (a mount point with nothing mounted, the wrong one
      // configured): every row looks orphaned, and deleting them all would be a guess.
      name: 'an empty specs folder (index intact)',
      setup: (root) => {
        rmSync(join(root, 'specs'), { recursive: true });
        mkdirSync(join(root, 'specs'));
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), (runs, root, state) => {
        const [{ n }] = rowsWhere(root, 'SELECT count(*) AS n FROM memory_index');
        return n === state.rows ? undefined : `LOST: the index lost ${state.rows - n} of its ${state.rows} rows because the specs folder was empty`;
      }],
    },
    {
      name: 'specs is a file',
      setup: (root) => {
        rmSync(join(root, 'specs'), { recursive: true });
        writeFileSync(join(root, 'specs'), 'not a folder\n');
      },
      expect: [expectExit('heal', 1, 2), (runs, root, state) => {
        const [{ n }] = rowsWhere(root, 'SELECT count(*) AS n FROM memory_index');
        return n === state.rows ? undefined : `LOST: the index lost ${state.rows - n} of its ${state.rows} rows because specs/ was a file`;
      }],
    },
    {
      name: 'a config with wrong types (JSON)',
      setup: (root) => writeFileSync(join(root, 'opsheal.config.json'), JSON.stringify({ lockTimeoutSeconds: 'ten', policy: { maxAttempts: '3' }, thresholds: { misrouteRate: -1 } })),
      unusableDatabase: true,
      expect: [expectExit('check', 2), expectExit('heal', 2), stderrSays('heal', /^ERROR: config .*opsheal\.config\.json/m)],
    },
    {
      name: 'a config with wrong types (YAML) and one that is not YAML',
      setup: (root) => {
        writeFileSync(join(root, 'opsheal.config.yaml'), 'policy:\n  maxAttempts: many\nsteps: [1, 2]\n');
        writeFileSync(join(root, 'broken.yaml'), 'policy: [unclosed\n  - : :\n');
      },
      unusableDatabase: true,
      extraRuns: { broken: ['heal', 'all', '--config', 'broken.yaml'] },
      expect: [expectExit('check', 2), expectExit('heal', 2), stderrSays('heal', /^ERROR: config /m), expectExit('broken', 2), stderrSays('broken', /^ERROR: config /m)],
    },
    {
      name: 'a config that is a JSON array, and one that is binary',
      setup: (root) => {
        writeFileSync(join(root, 'opsheal.config.json'), '[1, 2, 3]\n');
        writeFileSync(join(root, 'binary.json'), Buffer.from([0, 1, 2, 0xff, 0xfe]));
      },
      unusableDatabase: true,
      extraRuns: { binary: ['heal', 'all', '--config', 'binary.json'] },
      expect: [expectExit('check', 2), expectExit('heal', 2), expectExit('binary', 2), stderrSays('binary', /^ERROR: config /m)],
    },
    {
      name: '.opsheal is a file (no lock, no backups)',
      setup: (root) => {
        writeFileSync(join(root, '.opsheal'), 'not a folder\n');
        writeFileSync(join(root, memoryFolder(root), 'needs-a-row.md'), memoryText('Needs a row'));
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /\.opsheal/), (runs, root) => {
        const rows = rowsWhere(root, 'SELECT id FROM memory_index WHERE file_path LIKE ?', '%/needs-a-row.md');
        return rows.length === 0 ? undefined : 'a repair ran without the workspace lock';
      }],
    },
    {
      name: 'the backups folder is a file',
      setup: (root) => {
        mkdirSync(join(root, '.opsheal'));
        writeFileSync(join(root, '.opsheal', 'backups'), 'not a folder\n');
        writeFileSync(join(root, memoryFolder(root), 'needs-a-row.md'), memoryText('Needs a row'));
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('index-drift', /backups/), (runs, root) => {
        const rows = rowsWhere(root, 'SELECT id FROM memory_index WHERE file_path LIKE ?', '%/needs-a-row.md');
        return rows.length === 0 ? undefined : 'a repair ran without its backup';
      }],
    },
    {
      name: 'telemetry docs that are a folder',
      setup: (root) => {
        rmSync(join(root, 'telemetry', 'README.md'));
        mkdirSync(join(root, 'telemetry', 'README.md'));
      },
      expect: [expectExit('heal', 1), escalates('telemetry-drift')],
    },
    {
      name: 'telemetry files that are garbage',
      setup: (root) => {
        writeFileSync(join(root, 'telemetry', 'schema.json'), '{"version": 1, "events": [');
        writeFileSync(join(root, 'telemetry', 'events.jsonl'), Buffer.concat([Buffer.from('{"event":"memory.saved"\n'), Buffer.from([0, 0xff, 0xfe, 10])]));
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('telemetry-drift', /non-retryable-error/)],
    },
    {
      name: 'telemetry docs without anchors',
      setup: (root) => {
        const path = join(root, 'telemetry', 'README.md');
        writeFileSync(path, readFileSync(path, 'utf8').replace(/<!-- \/?ANCHOR:telemetry-events -->/g, ''));
      },
      expect: [expectExit('check', 1), expectExit('heal', 1), escalates('telemetry-drift', /anchors/)],
    },
  ];
}

export async function workspacesScenario(settings) {
  const { seed, scratch, log, jobs, profile } = settings;
  const random = createRandom(seed);
  const template = join(scratch, 'template');
  const made = await runBin('opsheal', ['workspace', 'generate', template, '--memories', String(profile.workspaceMemories), '--seed', String(random.int(1, 1000))]);
  if (made.status !== 0) throw new Error(`workspace generate failed: ${made.stderr}`);
  if (RUNNING_AS_ROOT) log('workspaces: running as root, so chmod 000 does not stop reads: that case checks a mode 000 file is indexed, and a FIFO named .md stands in for an unreadable file');
  const all = cases(scratch, random);
  return pool(all.map((testCase, index) => async () => {
    const result = await hostileCase(join(scratch, `case-${index}`), template, testCase, profile.dryRuns);
    tidy(join(scratch, `case-${index}`), result, settings.keep);
    if (result.failures.length > 0) log(`workspaces: ${testCase.name}: ${result.failures.join('; ')}`);
    return result;
  }), jobs);
}

async function hostileCase(folder, template, testCase, dryRuns) {
  const outcome = verdict();
  const root = join(folder, 'workspace');
  mkdirSync(folder, { recursive: true });
  copyWorkspace(template, root);
  // Something outside the workspace for links to point at: it must never be read into the index or touched.
  const outsideFolder = join(folder, 'outside-folder');
  mkdirSync(join(outsideFolder, 'memory'), { recursive: true });
  const outsideFile = join(folder, 'outside-secret.md');
  writeFileSync(outsideFile, memoryText('A secret outside the workspace'));
  writeFileSync(join(outsideFolder, 'memory', 'elsewhere.md'), memoryText('Elsewhere'));
  const outside = { file: outsideFile, folder: outsideFolder, hashes: [sha256(readFileSync(outsideFile)), sha256(readFileSync(join(outsideFolder, 'memory', 'elsewhere.md')))] };
  const outsideBefore = hashTree(folder, (path) => path === 'workspace' || path.startsWith('workspace/'));
  const before = inspectDatabase(join(root, DB_PATH));
  const state = { rows: before.state === 'unreadable' ? 0 : rowsWhere(root, 'SELECT id FROM memory_index').length, ...(testCase.setup(root, { outside }) ?? {}) };

  const specsBefore = hashTree(join(root, 'specs'));
  const telemetryBefore = hashTree(join(root, 'telemetry'));
  const dbPath = join(root, DB_PATH);
  const dbBytesBefore = existsSync(dbPath) ? sha256(readFileSync(dbPath)) : undefined;
  const ledgerBefore = testCase.unusableDatabase ? new Map() : inspectDatabase(dbPath).ledger;
  const sideFilesBefore = ['-wal', '-journal'].filter((suffix) => existsSync(`${dbPath}${suffix}`));

  const runs = {};
  const options = { cwd: root, timeoutMs: 120_000 };
  runs.check = await runBin('opsheal', ['check', 'all', '--workspace', root], options);
  if (dryRuns === 'all' || testCase.dryRun) runs.dryRun = await runBin('opsheal', ['heal', 'all', '--workspace', root, '--dry-run'], options);
  runs.heal = await runBin('opsheal', ['heal', 'all', '--workspace', root], options);
  for (const [name, args] of Object.entries(testCase.extraRuns ?? {})) runs[name] = await runBin('opsheal', [...args, '--workspace', root], options);
  if (testCase.expect.includes(healthyAfter)) runs.recheck = await runBin('opsheal', ['check', 'all', '--workspace', root], options);

  for (const [command, run] of Object.entries(runs)) {
    if (run.timedOut) outcome.fail(`${command} still ran after 120 s`);
    else if (![0, 1, 2].includes(run.status)) outcome.fail(`${command} exited ${run.status ?? run.signal}`);
    if (stackTraceIn(run.stderr)) outcome.fail(`${command} printed a stack trace: ${firstLine(run.stderr)}`);
    if (unparsableJsonLines(run.stdout).length > 0) outcome.fail(`${command} printed a line that is not JSON`);
    if (run.status !== 0 && run.stdout.trim() === '' && !/^ERROR: /m.test(run.stderr)) outcome.fail(`${command} exited ${run.status} without saying why`);
  }
  if (runs.dryRun !== undefined && runs.dryRun.status !== 0 && runs.dryRun.status !== 2 && !/^ERROR: /m.test(runs.dryRun.stderr)) outcome.fail(`heal --dry-run exited ${runs.dryRun.status}`);
  for (const expectation of testCase.expect) {
    let problem;
    try {
      problem = expectation(runs, root, state);
    } catch (error) {
      problem = `could not check: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (problem?.startsWith('LOST: ')) outcome.lose(problem.slice('LOST: '.length));
    else if (problem) outcome.fail(problem);
  }

  // Nothing lost: memory files and the outside world byte-identical, the ledger as it was, an unusable database unwritten.
  const specs = treeDifferences(specsBefore, hashTree(join(root, 'specs')));
  if (specs.count > 0) outcome.lose(`${specs.count} files under specs/ differ: ${specs.first.join(', ')}`);
  const outsideNow = treeDifferences(outsideBefore, hashTree(folder, (path) => path === 'workspace' || path.startsWith('workspace/')));
  if (outsideNow.count > 0) outcome.lose(`outside the workspace: ${outsideNow.first.join(', ')}`);
  const telemetry = treeDifferences(telemetryBefore, hashTree(join(root, 'telemetry')));
  const telemetryLost = telemetry.first.filter((entry) => !entry.startsWith('README.md '));
  if (telemetryLost.length > 0) outcome.lose(`telemetry: ${telemetryLost.join(', ')}`);
  if (testCase.unusableDatabase) {
    const now = existsSync(dbPath) ? sha256(readFileSync(dbPath)) : undefined;
    if (now !== dbBytesBefore) outcome.lose('a database opsheal could not use was written to');
    for (const suffix of ['-wal', '-journal']) if (existsSync(`${dbPath}${suffix}`) && !sideFilesBefore.includes(suffix)) outcome.fail(`left ${DB_PATH}${suffix} beside an unusable database`);
  } else {
    const losses = ledgerLosses(ledgerBefore, inspectDatabase(dbPath).ledger);
    if (losses.count > 0) outcome.lose(`${losses.count} ledger rows lost or changed: ${losses.first.join(', ')}`);
  }
  return { failures: outcome.failures, dataLost: outcome.dataLost };
}
