/**
 * The keys of a one-line JSON object in the order they appear in the text. `JSON.parse` cannot
 * tell: it moves integer-like keys to the front and keeps the last of duplicate keys.
 */
export function topLevelKeys(json: string): string[] {
  if (json[0] !== '{') throw new Error('not an object');
  const keys: string[] = [];
  let i = 1;
  if (json[i] === '}') return keys;
  for (;;) {
    const keyEnd = endOfString(json, i);
    keys.push(JSON.parse(json.slice(i, keyEnd)) as string);
    if (json[keyEnd] !== ':') throw new Error(`expected ':' at ${keyEnd}`);
    i = endOfValue(json, keyEnd + 1);
    if (json[i] === ',') {
      i += 1;
      continue;
    }
    if (json[i] === '}' && i === json.length - 1) return keys;
    throw new Error(`unexpected ${JSON.stringify(json[i])} at ${i}`);
  }
}

function endOfString(text: string, start: number): number {
  if (text[start] !== '"') throw new Error(`expected a string at ${start}`);
  let i = start + 1;
  while (text[i] !== '"') {
    if (i >= text.length) throw new Error('unterminated string');
    i += text[i] === '\\' ? 2 : 1;
  }
  return i + 1;
}

function endOfValue(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return endOfString(text, start);
  if (first === '{' || first === '[') {
    let depth = 0;
    let i = start;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i = endOfString(text, i);
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      if (c === '}' || c === ']') depth -= 1;
      i += 1;
      if (depth === 0) return i;
    }
    throw new Error('unterminated container');
  }
  let i = start;
  while (i < text.length && text[i] !== ',' && text[i] !== '}') i += 1;
  return i;
}
