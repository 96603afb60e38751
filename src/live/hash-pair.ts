/**
 * Two content hashes as a finding shows them side by side: each cut to its first 12 characters,
 * which tell SHA-256 hashes apart, unless the cut forms look alike while the hashes differ (a row
 * whose stored hash gained a space, or a different case): then both in full, quoted, so that a
 * person sees the difference instead of "618015815b27 != 618015815b27". `null` is shown as none.
 */
export function hashPair(first: string | null, second: string | null): readonly [string, string] {
  const cut = (hash: string | null): string => (hash === null ? 'none' : hash.slice(0, 12));
  const shown = [cut(first), cut(second)] as const;
  if (shown[0] !== shown[1] || first === second) return shown;
  const full = (hash: string | null): string => (hash === null ? 'none' : JSON.stringify(hash));
  return [full(first), full(second)];
}
