import type { CheckReport, LiveClass, LiveContext } from './live-class.js';
import { loadLiveClass, readsMemoryFiles, waitsForDatabaseCheck } from './live-classes.js';

/**
 * One class's check, in the order asked for: its report, absent when the class has no built-in
 * check, or the error that stopped it (when `keepGoing`).
 */
export interface OrderedCheck {
  readonly failureClass: string;
  readonly report?: CheckReport;
  readonly error?: unknown;
}

/**
 * The checks of several classes, yielded in the order given, but not run in it when one of them
 * judges the memory files: the file scan is started first; the classes that never look at memory
 * files (ledger-mismatch, telemetry-drift) are checked while it runs, and the others read ahead what
 * they need of the database (`prepareCheck`; index-drift also queues SQLite's quick_check behind the
 * file reading), so that on a large workspace the database is read while the helper threads read
 * the files, instead of after; then the classes that judge the files are checked, and only then is
 * any report handed out. A report is a moment of the workspace either way (a check reads, it never
 * writes). A check run ahead that throws is run again in its place, so that its error, like any
 * class's, is met where the order says (after the classes before it).
 */
export async function* checksAhead(failureClasses: readonly string[], context: LiveContext, keepGoing = false): AsyncGenerator<OrderedCheck> {
  const ahead = new Map<string, CheckReport>();
  const runAhead = async (failureClass: string, work: (liveClass: LiveClass) => Promise<void>): Promise<void> => {
    const liveClass = await loadLiveClass(failureClass);
    try {
      if (liveClass !== undefined) await work(liveClass);
    } catch {
      // Met again, and reported, in its place below.
    }
  };
  if (failureClasses.length > 1 && failureClasses.some(readsMemoryFiles)) {
    context.memoryFiles.start?.();
    for (const failureClass of failureClasses) {
      await runAhead(failureClass, async (liveClass) => {
        if (!readsMemoryFiles(failureClass)) ahead.set(failureClass, await liveClass.check(context));
        else await liveClass.prepareCheck?.(context);
      });
    }
    // Then the classes that judge the files; the one whose check waits for SQLite's quick_check (on
    // a helper, behind the file reading) last, so that the others are judged while it runs.
    const judged = failureClasses.filter(readsMemoryFiles).sort((a, b) => Number(waitsForDatabaseCheck(a)) - Number(waitsForDatabaseCheck(b)));
    for (const failureClass of judged) {
      await runAhead(failureClass, async (liveClass) => {
        ahead.set(failureClass, await liveClass.check(context));
      });
    }
  }
  for (const failureClass of failureClasses) {
    const liveClass = await loadLiveClass(failureClass);
    if (liveClass === undefined) {
      yield { failureClass };
      continue;
    }
    let checked: OrderedCheck;
    try {
      checked = { failureClass, report: ahead.get(failureClass) ?? (await liveClass.check(context)) };
    } catch (error) {
      // One class's trouble (a table missing) says nothing about the others: with `keepGoing`
      // they are still checked, and the error is handed out in this class's place.
      if (!keepGoing) throw error;
      checked = { failureClass, error };
    }
    yield checked;
  }
}
