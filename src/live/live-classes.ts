import type { LiveClass } from './live-class.js';

/**
 * The live module of each class, loaded only when a command needs it (the drill path never does).
 * A fifth class is one more entry here and one more module beside these.
 */
const LIVE_CLASS_LOADERS: Readonly<Record<string, () => Promise<LiveClass>>> = {
  'index-drift': async () => (await import('./index-drift/index-drift-class.js')).indexDriftClass,
  'session-ambiguity': async () => (await import('./session-ambiguity/session-ambiguity-class.js')).sessionAmbiguityClass,
  'ledger-mismatch': async () => (await import('./ledger-mismatch/ledger-mismatch-class.js')).ledgerMismatchClass,
  'telemetry-drift': async () => (await import('./telemetry-drift/telemetry-drift-class.js')).telemetryDriftClass,
};

/** The class's live module, or `undefined` when it has no built-in actions yet. */
export async function loadLiveClass(failureClass: string): Promise<LiveClass | undefined> {
  const loader = Object.hasOwn(LIVE_CLASS_LOADERS, failureClass) ? LIVE_CLASS_LOADERS[failureClass] : undefined;
  return loader ? loader() : undefined;
}

/** The classes whose built-in actions read the index database (telemetry-drift reads only files). */
const DATABASE_CLASSES = new Set(['index-drift', 'ledger-mismatch', 'session-ambiguity']);

/** Whether the class's built-in actions need the index database. */
export function usesIndexDatabase(failureClass: string): boolean {
  return DATABASE_CLASSES.has(failureClass);
}

/** The classes whose built-in checks judge the memory files (the others read only the database or the telemetry files). */
const MEMORY_FILE_CLASSES = new Set(['index-drift', 'session-ambiguity']);

/** Whether the class's built-in check scans the memory files. */
export function readsMemoryFiles(failureClass: string): boolean {
  return MEMORY_FILE_CLASSES.has(failureClass);
}

/** The classes whose built-in check waits for SQLite's quick_check of the database (run on a helper thread). */
const SOUNDNESS_CLASSES = new Set(['index-drift']);

/** Whether the class's built-in check waits for SQLite's quick_check before it reports. */
export function waitsForDatabaseCheck(failureClass: string): boolean {
  return SOUNDNESS_CLASSES.has(failureClass);
}
