import type { Statement } from 'better-sqlite3';
import type { SeededRandom } from '../../workspace/seeded-random.js';
import { appendLedgerEntries, SERVER_ACTOR } from '../../workspace/ledger-append.js';
import { compareText } from '../compare.js';
import { InjectionSession, injectKinds, setFileSession, type InjectionTarget } from '../fault-injection.js';
import { openIndex } from '../index-database-session.js';
import type { Finding, InjectionReport, InjectionRequest, LiveContext } from '../live-class.js';
import { NotInjectableError } from '../not-injectable-error.js';

/** The faults `inject session-ambiguity` makes, in this order. */
export const SESSION_AMBIGUITY_FAULTS = ['misrouted-folder', 'wrong-session-id', 'ambiguous-session'] as const;

/**
 * Makes real routing faults among the most recently updated rows (the sample): a row filed under
 * another spec folder, a row carrying another session's id, and a session that appears in two
 * folders. For the last, a file of another folder takes the session id (file, row and ledger
 * updated together, as the memory server would), and the session's rows are touched so that they
 * fall in the sample.
 */
export async function injectSessionAmbiguity(context: LiveContext, request: InjectionRequest): Promise<InjectionReport> {
  const { db } = openIndex(context, 'write', ['memory_index', 'mutation_ledger']);
  const injected: Finding[] = [];
  try {
    const session = new InjectionSession(context, db, request);
    const folders = specFoldersOf(session);
    // Before the first fault: a kind that cannot be made must not stop the run halfway.
    requireInjectable(session, folders);
    const touch = db.prepare('UPDATE memory_index SET updated_at = ? WHERE id = ?');
    const made = injectKinds(session.kinds(SESSION_AMBIGUITY_FAULTS), injected, (kind) => {
      const random = session.random(kind);
      switch (kind) {
        case 'misrouted-folder':
          for (const target of session.take(random, request.count)) {
            const others = folders.filter((folder) => folder !== target.row.specFolder);
            db.prepare('UPDATE memory_index SET spec_folder = ?, updated_at = ? WHERE id = ?').run(random.pick(others), session.recentTimestamp(), target.row.id);
            injected.push({ kind: 'misrouted-folder', memoryId: target.row.id, path: target.relativePath });
          }
          break;
        case 'wrong-session-id':
          for (const target of session.take(random, request.count)) {
            db.prepare('UPDATE memory_index SET session_id = ?, updated_at = ? WHERE id = ?').run(`session-misrouted-${request.seed}-${target.row.id}`, session.recentTimestamp(), target.row.id);
            injected.push({ kind: 'misrouted-session', memoryId: target.row.id, path: target.relativePath });
          }
          break;
        case 'ambiguous-session': {
          const madeAmbiguous = new Set<string>();
          for (let n = 0; n < request.count; n++) {
            const finding = makeAmbiguous(session, random, touch, madeAmbiguous);
            if (finding === undefined) break;
            injected.push(finding);
          }
          break;
        }
      }
    });
    return { failureClass: 'session-ambiguity', injected, made };
  } finally {
    db.close();
  }
}

/** The faults asked for can all be made here (see LiveClass.checkInjectable); reads only. */
export async function checkSessionAmbiguityInjectable(context: LiveContext, request: InjectionRequest): Promise<void> {
  const { db } = openIndex(context, 'read', ['memory_index', 'mutation_ledger']);
  try {
    // Reads the same targets the injector will (it claims none until it takes them).
    const session = new InjectionSession(context, db, request);
    requireInjectable(session, specFoldersOf(session));
  } finally {
    db.close();
  }
}

/** The spec folders of the memories faults can be made on, sorted. */
function specFoldersOf(session: InjectionSession): string[] {
  return [...new Set(session.all().map((target) => target.row.specFolder))].sort(compareText);
}

/** Throws when a fault asked for cannot be made: a row can be filed under another spec folder only when there is one. */
function requireInjectable(session: InjectionSession, folders: readonly string[]): void {
  if (session.kinds(SESSION_AMBIGUITY_FAULTS).includes('misrouted-folder') && folders.length === 1) {
    throw new NotInjectableError('cannot inject misrouted-folder: the workspace has only one spec folder');
  }
}

/**
 * Picks the session with the most rows (ties by id), and a memory of another folder to carry it.
 * The session's own rows are claimed so no other fault lands on them.
 */
function makeAmbiguous(session: InjectionSession, random: SeededRandom, touch: Statement, madeAmbiguous: Set<string>): Finding | undefined {
  const bySession = new Map<string, InjectionTarget[]>();
  for (const target of session.all()) {
    const id = target.row.sessionId;
    if (id === null) continue;
    bySession.set(id, [...(bySession.get(id) ?? []), target]);
  }
  const ranked = [...bySession.entries()]
    .filter(([id, targets]) => !madeAmbiguous.has(id) && new Set(targets.map((target) => target.row.specFolder)).size === 1)
    .sort(([a, x], [b, y]) => y.length - x.length || compareText(a, b));
  for (const [sessionId, members] of ranked) {
    const folder = members[0]?.row.specFolder;
    const carrier = session.take(random, 1, (target) => target.row.specFolder !== folder && target.row.sessionId !== sessionId)[0];
    if (carrier === undefined || folder === undefined) continue;
    members.forEach((member) => session.claim(member.row.id));
    madeAmbiguous.add(sessionId);
    const stamp = session.recentTimestamp();
    const file = setFileSession(carrier.absolutePath, sessionId);
    const { db } = session;
    db.prepare('UPDATE memory_index SET session_id = ?, content_hash = ?, file_mtime_ms = ?, updated_at = ? WHERE id = ?')
      .run(sessionId, file.contentHash, file.mtimeMs, stamp, carrier.row.id);
    appendLedgerEntries(db, [{
      mutationType: 'update', reason: 'memory re-filed under another session (opsheal inject)', priorHash: carrier.row.contentHash,
      newHash: file.contentHash, linkedMemoryIds: [carrier.row.id], decisionMeta: { injected: 'ambiguous-session' }, sessionId,
    }], stamp, SERVER_ACTOR);
    for (const member of members) touch.run(stamp, member.row.id);
    const folders = [folder, carrier.row.specFolder].sort(compareText);
    return { kind: 'ambiguous-session', subject: sessionId, detail: `folders: ${folders.join(', ')}` };
  }
  return undefined;
}
