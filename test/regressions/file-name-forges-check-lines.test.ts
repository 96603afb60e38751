import { describe, expect, it } from 'vitest';
import { reportText } from '../../src/cli/check-command.js';
import { formatDetails } from '../../src/render/text-lines.js';
import type { CheckReport } from '../../src/live/live-class.js';

// Found by `npm run torture` (hostile workspaces, "a file name with control characters"): a memory
// file named `evil\n2026-02-22T00:00:00Z | OK | FORGED\x1b[2J.md` made `check` print the newline and
// the escape sequence raw: a forged log line, and a cleared terminal; `heal --dry-run` quoted the
// path as JSON, which leaves DEL and the C1 controls (U+009B is a one-character CSI) raw.
describe('file name forges check lines', () => {
  it('shows control characters in paths, subjects and notes as \\xNN, one line per item', () => {
    const path = 'specs/001-x/memory/evil\n2026-02-22T00:00:00Z | OK | FORGED\u001b[2J.md';
    const report: CheckReport = {
      failureClass: 'index-drift',
      counts: { missing: 1, 'unreadable-file': 1 },
      findings: [
        { kind: 'missing', path },
        { kind: 'unreadable-file', path: 'specs/001-x/memory/\u009b31m.md', detail: 'binary\r' },
      ],
      metrics: { files: 2 },
      notes: ['a note\nwith a newline'],
    };
    const lines = reportText(report, 5);
    for (const line of lines) {
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(lines).toContain('  missing               specs/001-x/memory/evil\\x0a2026-02-22T00:00:00Z | OK | FORGED\\x1b[2J.md');
    expect(lines).toContain('  note: a note\\x0awith a newline');
  });

  it('quotes step details (a dry run\'s paths) with DEL and C1 controls escaped as well', () => {
    const path = 'specs/001-x/memory/evil\n\u001b[2J\u009b31m\u007f.md';
    const text = formatDetails({ action: 'insert-row', path });
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).toBe(' action=insert-row path="specs/001-x/memory/evil\\n\\u001b[2J\\u009b31m\\u007f.md"');
    expect(JSON.parse(text.slice(' action=insert-row path='.length))).toBe(path);
  });
});
