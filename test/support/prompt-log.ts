/**
 * Claude Code logs of a known size, made from one real prompt record of the corpus: line i is that record
 * with its own uuid, timestamp and text, so each line is exactly one stored message (a `prompt`). Tests
 * that count lines and messages, or need a sync long enough to interrupt, build their golden numbers from
 * the line count alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR } from './corpus.js';

export const PROMPT_SOURCE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-experiments-ideas/03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl',
);

function template(): Record<string, unknown> {
  const line = fs
    .readFileSync(PROMPT_SOURCE, 'utf8')
    .split('\n')
    .find((l) => l.includes('"type":"user"') && l.includes('"content":"'));
  if (!line) throw new Error(`no prompt record in ${PROMPT_SOURCE}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** `count` prompt lines (each ending in `\n`) for session `sessionId`. */
export function promptLines(count: number, sessionId = '5e550000-0000-4000-8000-000000000001'): string {
  const t = template();
  const start = Date.parse('2026-02-16T18:00:00.000Z');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      JSON.stringify({
        ...t,
        sessionId,
        parentUuid: null,
        // Unique per session too: a record with the same uuid and timestamp is a resumed copy, stored once.
        uuid: `${sessionId.replace(/-/g, '').slice(-8)}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
        timestamp: new Date(start + i * 1000).toISOString(),
        message: { role: 'user', content: `prompt number ${i}` },
      }),
    );
  }
  return `${out.join('\n')}\n`;
}
