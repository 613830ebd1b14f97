/**
 * The real Gemini CLI sessions of the corpus through the parser. Only one JSONL-era file is public; the two
 * real JSON-era sessions (≤ 0.38) hold the same MessageRecords inside `messages[]`, so their records are fed
 * as the lines a ≥ 0.39 CLI writes when it resumes such a session (header, then each message).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { CORPUS_DIR } from '../../support/corpus.js';
import { needs } from '../../support/shared.js';
import { ctxFor, msgs, parseFile, run } from './helpers.js';

const corpus = needs('corpus');

const JSONL = `${CORPUS_DIR}/agent-sessions/Resources/Fixtures/stage0/agents/gemini/jsonl_v040.jsonl`;
const JSON_ERA = [
  'codemie-code/tests/integration/metrics/fixtures/gemini/session-2025-12-01T21-45-5b959dae.json',
  'codemie-code/tests/integration/metrics/fixtures/gemini/session-2026-01-16T11-01-file-ops-37b7abef.json',
].map((f) => `${CORPUS_DIR}/${f}`);

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** The JSON-era document as the JSONL lines its resumed copy starts with. */
function asLines(file: string): unknown[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const { messages, ...meta } = doc;
  return [meta, ...(messages as unknown[])];
}

corpus.describe('Gemini corpus sessions', () => {
  corpus.it('input + cacheRead + output equals Gemini’s own total on every record with tokens', () => {
    let checked = 0;
    for (const records of [parseFileRecords(JSONL), ...JSON_ERA.map(asLines)]) {
      const r = run(records, ctxFor({ projectPath: null }));
      const totals = new Map<string, number>();
      for (const rec of records as Json[]) {
        const t = rec.tokens as Json | undefined;
        if (t && typeof t === 'object') totals.set(String(rec.id), num(t.total));
      }
      for (const u of r.outs.flatMap((o) => o.usage)) {
        const id = u.responseKey.split(':').at(-1)!;
        expect(u.tokens.input + u.tokens.cacheRead + u.tokens.output, u.responseKey).toBe(totals.get(id));
        checked++;
      }
    }
    // 2 JSONL records, 11 and 9 in the JSON-era sessions (thoughts and cache present, `tool` always 0).
    expect(checked).toBe(22);
  });

  corpus.it('every record is accounted for, without warnings, and each tool result is stored once', () => {
    for (const records of [parseFileRecords(JSONL), ...JSON_ERA.map(asLines)]) {
      const r = run(records);
      for (const out of r.outs) {
        expect(out.warning).toBeUndefined();
        expect(out.messages.length > 0 || (out.note ?? '') !== '' || out.usage.length > 0).toBe(true);
      }
      const calls = (records as Json[]).flatMap((rec) => (Array.isArray(rec.toolCalls) ? rec.toolCalls : []));
      const withResult = calls.filter((c) => (c as Json).result != null).length;
      const m = msgs(r);
      expect(m.filter((x) => x.messageType === 'tool_call')).toHaveLength(calls.length);
      expect(m.filter((x) => x.messageType === 'tool_result')).toHaveLength(withResult);
      expect(new Set(m.map((x) => x.identity)).size).toBe(m.length);
    }
  });

  corpus.it('the JSONL sample: one prompt, a tool call with its result, one response', () => {
    const r = parseFile(JSONL);
    expect(msgs(r).map((m) => [m.messageType, m.toolName ?? null])).toEqual([
      ['prompt', null],
      ['tool_call', 'run_shell_command'],
      ['tool_result', 'run_shell_command'],
      ['response', null],
    ]);
  });
});

function parseFileRecords(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((t) => t.trim() !== '')
    .map((t) => JSON.parse(t) as unknown);
}
