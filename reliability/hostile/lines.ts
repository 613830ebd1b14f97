/** Real lines to damage: every non-blank line of chosen corpus files (read in place, never copied). */
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, corpusAssistant, walkFiles } from '../../test/support/corpus.js';
import type { SourceLine } from './mutate.js';

/** A small, varied set for `npm test`: a real Claude session with split assistant groups, and a Codex rollout. */
export const SHORT_SET = [
  'claude-code-log/test/test_data/real_projects/-experiments-ideas/03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl',
  'agent-sessions/Resources/Fixtures/stage0/agents/codex/small.jsonl',
].map((rel) => path.join(CORPUS_DIR, rel));

export function assistantOf(file: string): 'claude' | 'codex' {
  return corpusAssistant(file) === 'codex' ? 'codex' : 'claude';
}

export function linesOf(file: string): SourceLine[] {
  const assistant = assistantOf(file);
  const data = fs.readFileSync(file);
  const out: SourceLine[] = [];
  let start = 0;
  for (let nl = data.indexOf(0x0a); start < data.length; nl = data.indexOf(0x0a, start)) {
    const end = nl === -1 ? data.length : nl;
    const bytes = data.subarray(start, end);
    if (bytes.toString('utf8').trim() !== '') out.push({ file, assistant, bytes: Buffer.from(bytes) });
    start = end + 1;
  }
  return out;
}

/** Every `.jsonl` file of the corpus (the long run). */
export function allCorpusFiles(): string[] {
  const ours = (f: string) => ['claude', 'codex'].includes(corpusAssistant(f));
  return walkFiles(CORPUS_DIR).filter((f) => f.endsWith('.jsonl') && ours(f));
}
