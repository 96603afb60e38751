import type { Database } from 'better-sqlite3';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, type SeededRandom } from '../workspace/seeded-random.js';
import { contentHashOfText } from '../workspace/content-hash.js';
import type { IndexRow } from '../workspace/index-row.js';
import { readIndexRows } from '../workspace/index-reads.js';
import type { Finding, InjectionRequest, LiveContext } from './live-class.js';
import { locateRowPath } from './memory-path.js';
import { compareText } from './compare.js';

/** A row whose memory file is inside the workspace and exists: a fair target for a fault. */
export interface InjectionTarget {
  readonly row: IndexRow;
  readonly relativePath: string;
  readonly absolutePath: string;
}

/**
 * Shared by the classes' fault injectors. Targets are drawn from the rows (sorted, then shuffled
 * with the seeded random source), and each is used by at most one fault of one run, so that faults
 * never overlap and `check` reports exactly what was injected.
 */
export class InjectionSession {
  private readonly used: Set<number>;
  private readonly targets: InjectionTarget[];

  constructor(
    readonly context: LiveContext,
    readonly db: Database,
    readonly request: InjectionRequest,
  ) {
    this.used = request.claimed ?? new Set<number>();
    const root = context.paths.root;
    this.targets = readIndexRows(db)
      .flatMap((row): InjectionTarget[] => {
        const location = locateRowPath(row.filePath, root);
        if (location.kind !== 'inside') return [];
        const absolutePath = join(root, location.relativePath);
        return statSync(absolutePath, { throwIfNoEntry: false })?.isFile() ? [{ row, relativePath: location.relativePath, absolutePath }] : [];
      })
      .sort((a, b) => compareText(a.relativePath, b.relativePath));
  }

  /** The kinds this request asks for, in the class's order. */
  kinds(faultKinds: readonly string[]): readonly string[] {
    return this.request.kind === undefined ? faultKinds : faultKinds.filter((kind) => kind === this.request.kind);
  }

  /** A random source for one kind: the same seed and kind always draw the same targets. */
  random(kind: string): SeededRandom {
    let salt = 0;
    for (const char of kind) salt = (Math.imul(salt, 31) + char.charCodeAt(0)) >>> 0;
    return seededRandom((this.request.seed ^ salt) >>> 0);
  }

  /** `count` targets not used yet by this session (fewer when the workspace runs out). */
  take(random: SeededRandom, count: number, accept: (target: InjectionTarget) => boolean = () => true): InjectionTarget[] {
    const candidates = this.targets.filter((target) => !this.used.has(target.row.id) && accept(target));
    const chosen: InjectionTarget[] = [];
    while (chosen.length < count && candidates.length > 0) {
      const [target] = candidates.splice(random.int(candidates.length), 1);
      if (target === undefined) break;
      this.used.add(target.row.id);
      chosen.push(target);
    }
    return chosen;
  }

  /** Marks a row as used by a fault that did not go through `take`. */
  claim(id: number): void {
    this.used.add(id);
  }

  /** All usable targets, for injectors that need to look around (other folders, sessions). */
  all(): readonly InjectionTarget[] {
    return this.targets;
  }

  /**
   * A timestamp later than every row's updated_at, so a row the injector touches counts among the
   * most recently updated (the session sample) even when the clock is fixed.
   */
  recentTimestamp(): string {
    // The table's latest updated_at is read once (it is not indexed: a scan per fault made injecting
    // into 100,000 memories take a minute); after that only this session's own stamps can pass it.
    if (this.latestStampMs === undefined) {
      const latest = (this.db.prepare('SELECT max(updated_at) AS latest FROM memory_index').get() as { latest: string | null }).latest;
      const parsed = latest !== null ? Date.parse(latest) : Number.NaN;
      this.latestStampMs = Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
    }
    const now = this.context.now();
    const stamp = this.latestStampMs < now ? now : this.latestStampMs + 1;
    this.latestStampMs = stamp;
    return new Date(stamp).toISOString();
  }

  private latestStampMs: number | undefined;
}

/**
 * Runs each kind's injection in turn (each adds its findings to `injected`) and gives what each kind
 * made, counted from the findings it added: the report's `made`.
 */
export function injectKinds<Kind extends string>(kinds: readonly Kind[], injected: Finding[], injectKind: (kind: Kind) => void): Record<string, number> {
  const made: Record<string, number> = {};
  for (const kind of kinds) {
    const before = injected.length;
    injectKind(kind);
    made[kind] = injected.length - before;
  }
  return made;
}

/** Appends a line to a memory file, as an editor would, and returns the file's new hash and mtime. */
export function editMemoryFile(absolutePath: string, line: string): { contentHash: string; mtimeMs: number } {
  appendFileSync(absolutePath, `\n${line}\n`);
  return fileState(absolutePath);
}

/** Sets (or adds) `session_id` in a memory file's front matter; returns the new hash and mtime. */
export function setFileSession(absolutePath: string, sessionId: string): { contentHash: string; mtimeMs: number } {
  const text = readFileSync(absolutePath, 'utf8');
  const updated = /^---\r?\n[\s\S]*?^session_id:.*$/m.test(text)
    ? text.replace(/^session_id:.*$/m, `session_id: "${sessionId}"`)
    : text.startsWith('---\n')
      ? `---\nsession_id: "${sessionId}"\n${text.slice(4)}`
      : `---\nsession_id: "${sessionId}"\n---\n${text}`;
  writeFileSync(absolutePath, updated);
  return fileState(absolutePath);
}

function fileState(absolutePath: string): { contentHash: string; mtimeMs: number } {
  return { contentHash: contentHashOfText(readFileSync(absolutePath, 'utf8')), mtimeMs: Math.floor(statSync(absolutePath).mtimeMs) };
}
