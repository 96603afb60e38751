/**
 * The index database cannot be used right now. `retryable` says whether waiting may help: a busy or
 * locked database clears; not a database, corruption, a missing file, a missing table or denied
 * permission does not. The message is one line, fit for a step's `message=`.
 */
export class DatabaseUnusableError extends Error {
  override readonly name = 'DatabaseUnusableError';
  readonly retryable: boolean;
  /** The SQLite or system error code behind it (`SQLITE_BUSY`, `EACCES`), when there was one. */
  readonly code: string | undefined;

  constructor(message: string, options: { retryable: boolean; code?: string; cause?: unknown }) {
    super(oneLine(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.code = options.code;
  }
}

/** What a database error means for a step: may a retry cure it, and a one-line message saying what. */
export interface SqliteErrorClass {
  readonly retryable: boolean;
  readonly message: string;
}

// Result codes (primary and extended) that a retry can cure: another connection holds a lock.
const RETRYABLE_PRIMARY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_PROTOCOL']);

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  SQLITE_BUSY: 'database is busy',
  SQLITE_LOCKED: 'database is locked',
  SQLITE_PROTOCOL: 'database lock protocol failed',
  SQLITE_NOTADB: 'file is not a database',
  SQLITE_CORRUPT: 'database is corrupt',
  SQLITE_CANTOPEN: 'cannot open database',
  SQLITE_PERM: 'permission denied',
  SQLITE_AUTH: 'permission denied',
  SQLITE_READONLY: 'database is read-only',
  SQLITE_FULL: 'disk is full',
  SQLITE_IOERR: 'database I/O error',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'database not found',
  EROFS: 'database is on a read-only file system',
};

/**
 * Classifies an error thrown while opening or using the index database. SQLITE_BUSY, SQLITE_LOCKED
 * (and their extended codes) and SQLITE_PROTOCOL are retryable; everything else (not a database,
 * corrupt, cannot open, permission, read-only, a missing table or column, unknown) is not.
 * A {@link DatabaseUnusableError} keeps its own classification.
 */
export function classifySqliteError(error: unknown): SqliteErrorClass {
  if (error instanceof DatabaseUnusableError) return { retryable: error.retryable, message: error.message };
  const code = errorCode(error);
  const detail = oneLine(error instanceof Error ? error.message : String(error));
  const missing = /no such (table|column): ?(\S+)/.exec(detail);
  if (missing !== null) {
    return { retryable: false, message: `the index database has no ${missing[1]} ${missing[2]} (${detail})` };
  }
  // better-sqlite3 throws a plain TypeError, without a code, when the folder does not exist.
  if (code === undefined && /directory does not exist/.test(detail)) {
    return { retryable: false, message: `database not found: ${detail}` };
  }
  if (code === undefined) return { retryable: false, message: detail };
  if (code === 'SQLITE_READONLY_DIRECTORY') {
    return {
      retryable: false,
      message:
        "the database is in WAL mode and this user cannot write its folder, so SQLite cannot make the -shm file it needs to read it (SQLITE_READONLY_DIRECTORY): " +
        'run as a user who may write the folder (the memory server\'s), or check a copy of the workspace',
    };
  }
  if (code === 'SQLITE_READONLY_ROLLBACK') {
    return {
      retryable: false,
      message:
        'a writer was interrupted mid-transaction and left a hot journal (the -journal file beside the database) that must be rolled back ' +
        'before anything can read the database, which a read-only connection cannot do (SQLITE_READONLY_ROLLBACK): ' +
        '`opsheal heal` rolls it back before it reads, and so does the memory server when it next opens the database',
    };
  }
  const primary = primaryCode(code);
  const description = DESCRIPTIONS[primary] ?? DESCRIPTIONS[code];
  // SQLite's own words are often the description itself ("file is not a database"): said once.
  const message =
    description === undefined
      ? `${code}: ${detail}`
      : detail.toLowerCase() === description
        ? `${description} (${code})`
        : `${description} (${code}): ${detail}`;
  return { retryable: RETRYABLE_PRIMARY.has(primary), message };
}

/** The error as a {@link DatabaseUnusableError}, classified, the original kept as its cause. */
export function toDatabaseUnusableError(error: unknown, context?: string): DatabaseUnusableError {
  if (error instanceof DatabaseUnusableError) return error;
  const { retryable, message } = classifySqliteError(error);
  const code = errorCode(error);
  return new DatabaseUnusableError(context === undefined ? message : `${context}: ${message}`, {
    retryable,
    ...(code === undefined ? {} : { code }),
    cause: error,
  });
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `SQLITE_BUSY_SNAPSHOT` → `SQLITE_BUSY`; other codes unchanged. */
function primaryCode(code: string): string {
  if (!code.startsWith('SQLITE_')) return code;
  const underscore = code.indexOf('_', 'SQLITE_'.length);
  return underscore === -1 ? code : code.slice(0, underscore);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
