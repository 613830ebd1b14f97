/**
 * The public OpenCode samples are all of the JSON-file layout of OpenCode < 1.2 (shared/corpus/SOURCES.md: no
 * public real database exists). Discovery lists each of their session files as a legacy source (read through
 * sync in opencode-legacy.test.ts) and never mistakes any of it for a database. Read in place, never copied.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { discoverOpenCode } from '../../src/sources/opencode.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

corpus.it('the legacy storage/ tree of the corpus is listed session by session, with no problem', () => {
  const dir = path.join(CORPUS_DIR, 'codemie-code/tests/integration/metrics/fixtures/opencode');
  const problems: { path: string; reason: string }[] = [];
  const files = discoverOpenCode(dir, problems);
  expect(problems).toEqual([]);
  expect(files.map((f) => [f.path, f.context.stem, f.context.format, f.context.role])).toEqual([
    [`${path.join(dir, 'storage')}#test-project/test-session-1`, 'test-session-1', 'opencode-files', 'main'],
  ]);
  expect(files[0]?.context.projectPath).toBe('/test/project');
});

corpus.it('directories that are not an OpenCode data directory yield nothing and no problem', () => {
  const dir = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/opencode');
  const problems: { path: string; reason: string }[] = [];
  expect(discoverOpenCode(dir, problems)).toEqual([]);
  expect(problems).toEqual([]);
});
