import { formatTableRow } from './docs-table-cells.js';
import type { TelemetrySchema } from './telemetry-schema.js';

/** The table's header, and the cell an event without fields puts in its field, type and required columns. */
export const TABLE_HEADER = ['event', 'field', 'type', 'required'] as const;
export const NO_FIELD_CELL = '-';

/**
 * The generated section, exactly as it goes between the markers: it starts and ends with `eol`, so
 * each marker keeps a line of its own. A pure function of the schema and the line ending, which is
 * what makes regeneration idempotent.
 */
export function renderDocsSection(schema: TelemetrySchema, eol: '\n' | '\r\n' = '\n'): string {
  const lines = ['', `Schema version: ${schema.version}`, '', formatTableRow(TABLE_HEADER), formatTableRow(TABLE_HEADER.map(() => '---'))];
  for (const event of sortedByName(schema.events)) {
    if (event.fields.length === 0) {
      lines.push(formatTableRow([event.name, NO_FIELD_CELL, NO_FIELD_CELL, NO_FIELD_CELL]));
      continue;
    }
    for (const field of event.fields) {
      lines.push(formatTableRow([event.name, field.name, field.type, field.required ? 'yes' : 'no']));
    }
  }
  lines.push('');
  return lines.join(eol);
}

/** Sorted by name in code-unit order, the same on every machine whatever its locale. */
export function sortedByName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
