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

/** Counts per kind, every known kind present (zero included), in the known order. */
export function countByKind(kinds: readonly string[], findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = 0;
  for (const finding of findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  return counts;
}
