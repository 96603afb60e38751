/**
 * One line of JSON whose keys keep the given order. `JSON.stringify` on an object would move
 * integer-like keys to the front, and the contract's payload order is part of the interface.
 * JSON.stringify of each key and value escapes control characters and lone surrogates, so the line
 * is valid JSON whatever the strings hold.
 */
export function orderedJson(entries: ReadonlyArray<readonly [string, unknown]>): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (seen.has(key) || value === undefined) continue;
    seen.add(key);
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`);
  }
  return `{${parts.join(',')}}`;
}
