/**
 * One markdown table row's cells, split on unescaped pipes, trimmed, `\|` unescaped and a pair of
 * surrounding backticks dropped (`memory.saved` and `` `memory.saved` `` read the same). Leading
 * and trailing pipes are optional, as in GitHub's tables.
 */
export function splitTableRow(line: string): string[] {
  let body = line.trim();
  if (body.startsWith('|')) body = body.slice(1);
  if (body.endsWith('|') && !body.endsWith('\\|')) body = body.slice(0, -1);
  const cells: string[] = [];
  let current = '';
  for (let index = 0; index < body.length; index++) {
    const char = body[index] as string;
    if (char === '\\' && body[index + 1] === '|') {
      current += '|';
      index++;
    } else if (char === '|') {
      cells.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  cells.push(current);
  return cells.map(cleanCell);
}

/** Whether the line holds a table row: an unescaped pipe somewhere in it. */
export function isTableLine(line: string): boolean {
  return /(^|[^\\])\|/.test(line);
}

/** `| a | b |`, with pipes inside a cell escaped. */
export function formatTableRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}

function cleanCell(cell: string): string {
  const trimmed = cell.trim();
  const unquoted = /^`[^`]*`$/.test(trimmed) ? trimmed.slice(1, -1).trim() : trimmed;
  return unquoted;
}
