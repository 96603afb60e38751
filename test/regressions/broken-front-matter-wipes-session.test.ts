import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frontMatterSessionId, parseMemoryMetadata } from '../../src/workspace/front-matter.js';
import { runBin } from '../support/run-bin.js';
import { indexRows, useWorkspaceTemplate } from '../live/live-workspace.js';

// Found by leaving a quote unclosed in a memory's title: the front matter was no longer valid YAML,
// so the file was read as having none, its session as "none", and session-ambiguity took the
// correctly routed row's session away (a ledger update recorded it as a mended fault), though the
// file's `session_id:` line stood intact.
const template = useWorkspaceTemplate({ memories: 20, seed: 73 });

describe('a front matter that is not valid YAML', () => {
  it("still gives the session its session_id line names, one value or none when its lines disagree", () => {
    const head = (lines: string): string => `---\n${lines}\n---\n`;
    for (const sessionLine of ['session_id: ses_1', 'session_id: "ses_1"', "session_id: 'ses_1'  # the tool's", 'session_id: ses_1\nsession_id: ses_1']) {
      const text = `${head(`title: "unclosed\n${sessionLine}`)}# Body\n`;
      expect(frontMatterSessionId(head(`title: "unclosed\n${sessionLine}`)), sessionLine).toBe('ses_1');
      expect(parseMemoryMetadata(text, 'x.md').sessionId, sessionLine).toBe('ses_1');
    }
    expect(frontMatterSessionId(head('title: "unclosed\nsession_id: ses_1\nsession_id: ses_2'))).toBeNull();
    expect(frontMatterSessionId(head('title: "unclosed'))).toBeNull();
  });

  it("leaves a correctly routed row's session alone", () => {
    const workspace = template.copy();
    const row = indexRows(workspace.paths.db).find((candidate) => candidate['session_id'] !== null) as Record<string, unknown>;
    const path = join(workspace.root, String(row['file_path']));
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(/^---\n/, '---\nsummary: "a quote left open\n'));
    expect(runBin('opsheal', ['heal', 'index-drift', '--workspace', workspace.root]).status).toBe(0);
    const check = runBin('opsheal', ['check', 'session-ambiguity', '--workspace', workspace.root]);
    expect(check.stdout).toContain('session-ambiguity: healthy');
    runBin('opsheal', ['heal', 'session-ambiguity', '--workspace', workspace.root]);
    expect(indexRows(workspace.paths.db).find((candidate) => candidate['id'] === row['id'])?.['session_id']).toBe(row['session_id']);
  });
});
