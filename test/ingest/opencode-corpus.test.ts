/**
 * The public OpenCode samples are all of the JSON-file layout of OpenCode < 1.2 (shared/corpus/SOURCES.md: no
 * public real database exists). That layout is not read yet: discovery must say so instead of finding nothing
 * silently, and must not mistake any of it for a database. Read in place, never copied.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { discoverOpenCode } from '../../src/sources/opencode.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

corpus.it('the legacy storage/ tree of the corpus is reported as not read yet', () => {
  const dir = path.join(CORPUS_DIR, 'codemie-code/tests/integration/metrics/fixtures/opencode');
  const problems: { path: string; reason: string }[] = [];
  expect(discoverOpenCode(dir, problems)).toEqual([]);
  expect(problems).toEqual([
    { path: path.join(dir, 'storage', 'session'), reason: expect.stringMatching(/not read yet/) },
  ]);
});

corpus.it('directories that are not an OpenCode data directory yield nothing and no problem', () => {
  const dir = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/opencode');
  const problems: { path: string; reason: string }[] = [];
  expect(discoverOpenCode(dir, problems)).toEqual([]);
  expect(problems).toEqual([]);
});
