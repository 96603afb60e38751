/**
 * Whether a trigger's body does nothing but keep `memory_fts` in step: every statement between its
 * BEGIN and END inserts into, deletes from or updates memory_fts. Only such a trigger may be set
 * aside while a repair rebuilds FTS (the rebuild redoes all it would have done); one that also
 * writes elsewhere (a history or audit table of the server's) must keep firing, or its other work
 * would silently not happen for the repair's changes. Anything that cannot be read plainly counts
 * as doing other work. Pure.
 */
export function isFtsOnlyTrigger(sql: string): boolean {
  const body = triggerBody(sql);
  if (body === undefined) return false;
  const statements = body.filter((statement) => statement.trim() !== '');
  return statements.length > 0 && statements.every((statement) => WRITES_FTS.some((pattern) => pattern.test(statement)));
}

const NAME = String.raw`(?:"memory_fts"|\[memory_fts\]|\`memory_fts\`|memory_fts)(?![\w$])`;
const WRITES_FTS = [
  new RegExp(String.raw`^\s*(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+(?:main\s*\.\s*)?${NAME}`, 'i'),
  new RegExp(String.raw`^\s*DELETE\s+FROM\s+(?:main\s*\.\s*)?${NAME}`, 'i'),
  new RegExp(String.raw`^\s*UPDATE\s+(?:OR\s+\w+\s+)?(?:main\s*\.\s*)?${NAME}`, 'i'),
];

/**
 * The statements between a trigger's BEGIN and its final END, comments taken out, split on the
 * semicolons that are not inside a quoted string or name; `undefined` when there is no such body.
 */
function triggerBody(sql: string): string[] | undefined {
  const statements: string[] = [];
  let current = '';
  let inBody = false;
  let index = 0;
  while (index < sql.length) {
    const char = sql[index] as string;
    const closing = char === "'" ? "'" : char === '"' ? '"' : char === '`' ? '`' : char === '[' ? ']' : undefined;
    if (closing !== undefined) {
      const end = sql.indexOf(closing, index + 1);
      if (end === -1) return undefined;
      current += sql.slice(index, end + 1);
      index = end + 1;
      continue;
    }
    if (sql.startsWith('--', index) || sql.startsWith('/*', index)) {
      const line = sql.startsWith('--', index);
      const end = line ? sql.indexOf('\n', index) : sql.indexOf('*/', index + 2);
      if (end === -1 && !line) return undefined;
      current += ' ';
      index = end === -1 ? sql.length : end + (line ? 1 : 2);
      continue;
    }
    if (!inBody && /^BEGIN(?![\w$])/i.test(sql.slice(index, index + 6)) && !/[\w$]/.test(sql[index - 1] ?? ' ')) {
      inBody = true;
      current = '';
      index += 5;
      continue;
    }
    if (inBody && char === ';') {
      statements.push(current);
      current = '';
    } else {
      current += char;
    }
    index++;
  }
  // What follows the last semicolon is the END.
  if (!inBody || !/^\s*END\s*$/i.test(current)) return undefined;
  return statements;
}
