import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8's full garbage collection, callable at run time (what `node --expose-gc` gives as `gc()`),
 * for the few moments a long run knows it has just dropped tens of megabytes: V8 itself collects
 * the old generation again only once the heap has grown to a multiple of what survived the last
 * collection, so a heal of a large workspace would otherwise carry that garbage to its end.
 *
 * The flag exposes `gc` only in contexts created while it is set, so one context is made for it
 * and the flag is cleared again. Where that is not possible, collecting does nothing.
 */
export function fullCollection(): () => void {
  collect ??= makeCollector();
  return collect;
}

let collect: (() => void) | undefined;

function makeCollector(): () => void {
  const exposed: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return () => void exposed();
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    if (typeof gc === 'function') return () => void gc();
  } catch {
    // Not V8, or flags cannot be set: V8's own schedule stands.
  }
  return () => undefined;
}
