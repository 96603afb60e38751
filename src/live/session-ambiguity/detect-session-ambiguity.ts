import type { IndexRow } from '../../workspace/index-row.js';
import type { MemoryFileRecord } from '../../workspace/memory-file.js';
import { byId, compareText } from '../compare.js';
import type { Finding } from '../live-class.js';
import { fileByPathOf } from '../files-by-path.js';
import { locateRowPath } from '../memory-path.js';

/** The fault kinds session-ambiguity reports, in print order. */
export const SESSION_AMBIGUITY_KINDS = ['misrouted-folder', 'misrouted-session', 'ambiguous-session'] as const;

export interface SessionState {
  readonly workspaceRoot: string;
  readonly files: readonly MemoryFileRecord[];
  /** The sample: the most recently updated rows. */
  readonly sampledRows: readonly IndexRow[];
}

/** A misrouted row with the routing its file says it should have. */
export interface MisrouteFinding extends Finding {
  readonly expectedFolder?: string;
  readonly expectedSession?: string | null;
}

export interface SessionAmbiguityResult {
  readonly findings: readonly MisrouteFinding[];
  readonly sampled: number;
  /** Sampled rows that are misrouted or belong to an ambiguous session. */
  readonly affected: number;
  /** `affected / sampled`, 0 for an empty sample. */
  readonly misrouteRate: number;
}

/**
 * A sampled row is misrouted when its spec_folder or session_id differs from its file's; a session
 * is ambiguous when its id appears in files of more than one spec folder (over all files, since one
 * stray file is enough to make routing a guess). Ambiguous sessions are reported, never resolved:
 * only a person can say which folder a session belongs to. Pure.
 */
export function detectSessionAmbiguity(state: SessionState): SessionAmbiguityResult {
  const foldersBySession = new Map<string, Set<string>>();
  for (const file of state.files) {
    const session = file.sessionId;
    if (session === null) continue;
    let folders = foldersBySession.get(session);
    if (folders === undefined) foldersBySession.set(session, (folders = new Set()));
    folders.add(file.specFolder);
  }
  const ambiguous = new Map<string, string[]>();
  for (const [session, folders] of foldersBySession) {
    if (folders.size > 1) ambiguous.set(session, [...folders].sort(compareText));
  }

  const fileAt = fileByPathOf(state.files);
  const misrouted: MisrouteFinding[] = [];
  let affected = 0;
  for (const row of state.sampledRows) {
    const location = locateRowPath(row.filePath, state.workspaceRoot);
    const file = location.kind === 'inside' ? fileAt(location.relativePath) : undefined;
    let rowAffected = false;
    if (file !== undefined && location.kind === 'inside') {
      const expected = { expectedFolder: file.specFolder, expectedSession: file.sessionId };
      if (row.specFolder !== file.specFolder) {
        // The repair sets both; the detail says so when the session is wrong too.
        const session = row.sessionId !== file.sessionId ? `; session: row says ${row.sessionId ?? 'none'}, file says ${file.sessionId ?? 'none'}` : '';
        misrouted.push({ kind: 'misrouted-folder', memoryId: row.id, path: location.relativePath, detail: `row says ${row.specFolder}, file is in ${file.specFolder}${session}`, ...expected });
        rowAffected = true;
      } else if (row.sessionId !== file.sessionId) {
        misrouted.push({ kind: 'misrouted-session', memoryId: row.id, path: location.relativePath, detail: `row says ${row.sessionId ?? 'none'}, file says ${file.sessionId ?? 'none'}`, ...expected });
        rowAffected = true;
      }
    }
    const session = file?.sessionId ?? row.sessionId;
    if (session !== null && ambiguous.has(session)) rowAffected = true;
    if (rowAffected) affected++;
  }
  const ambiguousFindings: MisrouteFinding[] = [...ambiguous.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([session, folders]) => ({ kind: 'ambiguous-session', subject: session, detail: `folders: ${folders.join(', ')}` }));
  const sampled = state.sampledRows.length;
  return {
    findings: [
      ...misrouted.filter((finding) => finding.kind === 'misrouted-folder').sort(byId),
      ...misrouted.filter((finding) => finding.kind === 'misrouted-session').sort(byId),
      ...ambiguousFindings,
    ],
    sampled,
    affected,
    misrouteRate: sampled === 0 ? 0 : affected / sampled,
  };
}
