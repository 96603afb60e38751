// A stand-in for the memory server, run as its own process by the writer scenario: it keeps saving
// new memories, each a file plus its memory_index row plus a `create` ledger entry carrying the
// file's hash, in one short write transaction, until the stop file appears. Now and then it holds
// its transaction longer than a healer's busy timeout, so the healer meets SQLITE_BUSY. It retries
// its own busy errors, and records every memory it saved (one JSON line each) in the log file.
//
// node memory-writer.mjs <workspace> <db> <log file> <stop file> <seed>
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [root, dbPath, logFile, stopFile, seedText] = process.argv.slice(2);
let state = Number(seedText) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Spec folders that already hold memories (relative to specs/), so new files land among them. */
function memoryFolders(specs) {
  const found = [];
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(folder, entry.name);
      if (entry.name === 'memory') found.push(relative(specs, folder));
      else walk(path);
    }
  };
  walk(specs);
  return found.filter((folder) => folder !== '');
}

const specs = join(root, 'specs');
const folders = memoryFolders(specs);
const db = new Database(dbPath, { timeout: 5_000 });
db.pragma('busy_timeout = 5000');
const sample = db.prepare('SELECT file_path FROM memory_index LIMIT 1').get();
const absolutePaths = sample !== undefined && String(sample.file_path).startsWith('/');
const insertRow = db.prepare(`INSERT INTO memory_index
  (spec_folder, file_path, anchor_id, title, trigger_phrases, importance_tier, context_type, session_id, content_hash, file_mtime_ms, embedding_status, created_at, updated_at)
  VALUES (?, ?, NULL, ?, '[]', 'normal', 'general', ?, ?, ?, 'pending', ?, ?)`);
const insertEntry = db.prepare(`INSERT INTO mutation_ledger
  (timestamp, mutation_type, reason, prior_hash, new_hash, linked_memory_ids, decision_meta, actor, session_id)
  VALUES (?, 'create', 'memory_save: new memory', NULL, ?, ?, ?, 'memory-server', ?)`);

let saved = 0;
let busy = 0;
let sinceLongHold = 0;
while (!existsSync(stopFile)) {
  const number = saved + 1;
  const folder = folders[Math.floor(random() * folders.length)];
  const session = `ses_writer${process.pid}x${number}`;
  const title = `Writer memory ${number} of process ${process.pid}`;
  const text = `---\ntitle: "${title}"\nsession_id: ${session}\n---\n# ${title}\n\nSaved while a healer ran. ${'Lorem ipsum dolor sit amet. '.repeat(1 + Math.floor(random() * 20))}\n`;
  const relativePath = `specs/${folder}/memory/2026-12-01__writer-${process.pid}-${number}.md`;
  const absolutePath = join(root, relativePath);
  const hash = createHash('sha256').update(text).digest('hex');
  // Every 15 saves or so, hold the write transaction past a healer's 2 s busy timeout (never twice in a row).
  const holdMs = sinceLongHold > 15 && random() < 0.08 ? 2_300 : 0;
  let record;
  for (let attempt = 1; record === undefined; attempt++) {
    try {
      db.exec('BEGIN IMMEDIATE');
      // The file and its row become visible together: written inside the transaction, committed after.
      writeFileSync(absolutePath, text);
      const now = new Date().toISOString();
      const id = Number(insertRow.run(folder, absolutePaths ? absolutePath : relativePath, title, session, hash, Math.floor(statSync(absolutePath).mtimeMs), now, now).lastInsertRowid);
      const meta = JSON.stringify({ tool: 'memory_save', spec_folder: folder, file_path: relativePath });
      const entry = Number(insertEntry.run(now, hash, `[${id}]`, meta, session).lastInsertRowid);
      if (holdMs > 0) pause(holdMs);
      db.exec('COMMIT');
      record = { id, entry, path: relativePath, hash, held: holdMs };
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      const code = String(error?.code ?? '');
      if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw error;
      busy++;
      if (attempt > 50) throw error;
      pause(5);
    }
  }
  sinceLongHold = record.held > 0 ? 0 : sinceLongHold + 1;
  saved++;
  appendFileSync(logFile, `${JSON.stringify(record)}\n`);
  if (saved === 3) writeFileSync(`${logFile}.ready`, '');
  pause(5 + Math.floor(random() * 25));
}
db.close();
appendFileSync(logFile, `${JSON.stringify({ done: true, saved, busy })}\n`);
