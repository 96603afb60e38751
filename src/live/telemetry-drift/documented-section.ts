import { isTableLine, splitTableRow } from './docs-table-cells.js';

/** One documented field: its cells as written (type lower-cased) and the file line it is on. */
export interface DocumentedField {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly line: number;
}

/** One documented event; an event documented by a `-` row only has no fields. */
export interface DocumentedEvent {
  readonly name: string;
  readonly fields: readonly DocumentedField[];
}

/** A line of the table that could not be read, and why. */
export interface MalformedDocRow {
  readonly line: number;
  readonly problem: string;
}

/** Where a table row's cells sit, from the header in effect (the default order when there is none). */
export interface TableColumns {
  readonly event: number;
  readonly field: number;
  readonly type: number;
  readonly required: number;
  /** Cells a row must have. */
  readonly count: number;
}

/** One readable data row: its line, its event, its field (`undefined` for an event's `-` row). */
export interface DocumentedRow {
  readonly line: number;
  readonly event: string;
  readonly field: string | undefined;
  readonly columns: TableColumns;
}

/** What the generated section says, read back tolerantly. */
export interface DocumentedSection {
  /** `undefined` when no `Schema version:` line is there. */
  readonly version: string | undefined;
  /** The line of the `Schema version:` line used. */
  readonly versionLine: number | undefined;
  /** Every data row read, in order. */
  readonly rows: readonly DocumentedRow[];
  /** In order of first appearance. */
  readonly events: readonly DocumentedEvent[];
  readonly malformed: readonly MalformedDocRow[];
}

const COLUMNS = ['event', 'field', 'type', 'required'] as const;
const DEFAULT_COLUMNS: TableColumns = { event: 0, field: 1, type: 2, required: 3, count: 4 };
const NO_FIELD = new Set(['', '-', '—', '–', '(none)', 'none', 'n/a']);
const YES = new Set(['yes', 'y', 'true', 'required', '✓', '✔']);
const NO = new Set(['no', 'n', 'false', 'optional']);

/**
 * Reads the section between the anchors: the `Schema version:` line (bold or backticks allowed)
 * and the table, whatever its alignment, outer pipes, backticks or column order (taken from the
 * header when there is one). Other lines are prose and ignored. Never throws: a row it cannot read
 * is reported in `malformed`. `firstLine` is the file line the section text starts on.
 */
export function parseDocsSection(text: string, firstLine = 1): DocumentedSection {
  let version: string | undefined;
  let versionLine: number | undefined;
  let columns = DEFAULT_COLUMNS;
  const rows: DocumentedRow[] = [];
  const events = new Map<string, { name: string; fields: DocumentedField[]; noFieldRow: boolean }>();
  const malformed: MalformedDocRow[] = [];

  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const lineNumber = firstLine + index;
    if (line.trim() === '') return;
    const versionMatch = /^\s*schema\s+version\s*:\s*(\S+)\s*$/i.exec(line.replace(/[*`]/g, ''));
    if (versionMatch) {
      if (version === undefined) {
        version = versionMatch[1];
        versionLine = lineNumber;
      } else malformed.push({ line: lineNumber, problem: 'a second "Schema version:" line' });
      return;
    }
    if (!isTableLine(line)) return;
    const cells = splitTableRow(line);
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) return;
    const lowered = cells.map((cell) => cell.toLowerCase());
    if (lowered.includes('event') && lowered.includes('field')) {
      const missing = COLUMNS.filter((column) => !lowered.includes(column));
      if (missing.length > 0) {
        malformed.push({ line: lineNumber, problem: `the header has no ${missing.join(' or ')} column` });
        return;
      }
      const [event, field, type, required] = COLUMNS.map((column) => lowered.indexOf(column)) as [number, number, number, number];
      columns = { event, field, type, required, count: cells.length };
      return;
    }
    if (cells.length !== columns.count) {
      malformed.push({ line: lineNumber, problem: `expected ${columns.count} cells, found ${cells.length}` });
      return;
    }
    const eventName = cells[columns.event] ?? '';
    const fieldName = cells[columns.field] ?? '';
    if (eventName === '') {
      malformed.push({ line: lineNumber, problem: 'no event name' });
      return;
    }
    const event = events.get(eventName) ?? { name: eventName, fields: [], noFieldRow: false };
    events.set(eventName, event);
    if (NO_FIELD.has(fieldName.toLowerCase())) {
      if (event.noFieldRow) malformed.push({ line: lineNumber, problem: `a second row for ${eventName} without fields` });
      else rows.push({ line: lineNumber, event: eventName, field: undefined, columns });
      event.noFieldRow = true;
      return;
    }
    const requiredCell = (cells[columns.required] ?? '').toLowerCase();
    const required = YES.has(requiredCell) ? true : NO.has(requiredCell) ? false : undefined;
    if (required === undefined) {
      malformed.push({ line: lineNumber, problem: `required must be yes or no (got: ${cells[columns.required] ?? ''})` });
      return;
    }
    if (event.fields.some((field) => field.name === fieldName)) {
      malformed.push({ line: lineNumber, problem: `a second row for ${eventName}:${fieldName}` });
      return;
    }
    event.fields.push({ name: fieldName, type: (cells[columns.type] ?? '').toLowerCase(), required, line: lineNumber });
    rows.push({ line: lineNumber, event: eventName, field: fieldName, columns });
  });

  return { version, versionLine, rows, events: [...events.values()].map(({ name, fields }) => ({ name, fields })), malformed };
}
