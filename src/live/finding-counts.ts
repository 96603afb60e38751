import type { Finding } from './live-class.js';

/** Counts per kind, every known kind present (zero included), in the known order. */
export function countByKind(kinds: readonly string[], findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = 0;
  for (const finding of findings) counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
  return counts;
}

/** Only the kinds that were found, for the `key=value` counts of an OK or WARN line. */
export function nonZeroCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
}
