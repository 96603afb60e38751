/** UTC to the second, as the contract prints it: `2026-02-22T00:00:00Z`. `epochMs` is milliseconds since 1970. */
export function formatTimestamp(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
