import type { Finding } from './live-class.js';

/** Code-point order, independent of the machine's locale, so output is the same everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Findings by path, then memory id. */
export function byPathThenId(a: Finding, b: Finding): number {
  return compareText(a.path ?? '', b.path ?? '') || (a.memoryId ?? 0) - (b.memoryId ?? 0);
}

/** Findings by memory id. */
export function byId(a: Finding, b: Finding): number {
  return (a.memoryId ?? 0) - (b.memoryId ?? 0);
}
