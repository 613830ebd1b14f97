/**
 * Token usage of the corpus computed straight from the raw JSONL, for the `usage` tests: the same
 * independent expressions as test/ingest/corpus.test.ts (Claude: one response per message.id, the max of
 * each counter; Codex: deltas of total_token_usage), kept per response so tests can group them by day or
 * model. Nothing here reads aiobscura's database or code.
 */
import fs from 'node:fs';
import { CORPUS_DIR, corpusAssistant, walkFiles } from './corpus.js';

type Json = Record<string, unknown>;

export interface GoldenResponse {
  assistant: 'claude' | 'codex';
  model: string | null;
  /** Earliest record timestamp of the response (ms), null when none of its records has one. */
  at: number | null;
  /**
   * Every record timestamp of the response. Hand-written fixtures reuse message ids across unrelated files,
   * so a response's stored time may be any of these (the first file read wins).
   */
  times: number[];
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

function records(file: string): Json[] {
  const out: Json[] = [];
  for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
    try {
      const v = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Json);
    } catch {
      // not a record
    }
  }
  return out;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function time(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** The files sync discovers (a workflow journal.jsonl is not a transcript), split by assistant. */
export function corpusFiles(): { claude: string[]; codex: string[] } {
  const files = walkFiles(CORPUS_DIR).filter((f) => f.endsWith('.jsonl') && !f.endsWith('/journal.jsonl'));
  return {
    claude: files.filter((f) => corpusAssistant(f) === 'claude'),
    codex: files.filter((f) => corpusAssistant(f) === 'codex'),
  };
}

function claudeResponses(files: string[]): GoldenResponse[] {
  const groups = new Map<string, GoldenResponse>();
  for (const file of files) {
    for (const r of records(file)) {
      const msg = r.message as Json | undefined;
      if (
        r.type !== 'assistant' ||
        !msg ||
        typeof msg !== 'object' ||
        !msg.usage ||
        typeof msg.usage !== 'object'
      )
        continue;
      const key = String(msg.id ?? r.requestId ?? r.uuid);
      const u = msg.usage as Json;
      const g = groups.get(key) ?? {
        assistant: 'claude',
        model: typeof msg.model === 'string' ? msg.model : null,
        at: null,
        times: [],
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheCreation: 0,
      };
      const t = time(r.timestamp);
      if (t !== null) g.times.push(t);
      if (t !== null && (g.at === null || t < g.at)) g.at = t;
      g.input = Math.max(g.input, num(u.input_tokens));
      g.output = Math.max(g.output, num(u.output_tokens));
      g.cacheRead = Math.max(g.cacheRead, num(u.cache_read_input_tokens));
      g.cacheCreation = Math.max(g.cacheCreation, num(u.cache_creation_input_tokens));
      groups.set(key, g);
    }
  }
  return [...groups.values()];
}

function codexResponses(files: string[]): GoldenResponse[] {
  const fields = [
    'input_tokens',
    'cached_input_tokens',
    'output_tokens',
    'cache_write_input_tokens',
  ] as const;
  const out: GoldenResponse[] = [];
  for (const file of files) {
    let prev: number[] = [0, 0, 0, 0];
    for (const r of records(file)) {
      const p = r.payload as Json | undefined;
      if (r.type === 'session_meta') prev = [0, 0, 0, 0];
      const total = (p?.info as Json | undefined)?.total_token_usage as Json | undefined;
      if (r.type !== 'event_msg' || p?.type !== 'token_count' || !total || typeof total !== 'object')
        continue;
      const now = fields.map((f) => num(total[f]));
      const reset = now.some((v, i) => v < prev[i]!);
      const d = now.map((v, i) => (reset ? v : v - prev[i]!));
      prev = now;
      if (d.every((v) => v === 0)) continue;
      const at = time(r.timestamp);
      out.push({
        assistant: 'codex',
        model: null,
        at,
        times: at === null ? [] : [at],
        input: d[0]! - d[1]!,
        cacheRead: d[1]!,
        output: d[2]!,
        cacheCreation: d[3]!,
      });
    }
  }
  return out;
}

export function goldenResponses(): GoldenResponse[] {
  const { claude, codex } = corpusFiles();
  return [...claudeResponses(claude), ...codexResponses(codex)];
}

export interface GoldenTotals {
  responses: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

export function sumGolden(rs: readonly GoldenResponse[]): GoldenTotals {
  return rs.reduce(
    (t, r) => ({
      responses: t.responses + 1,
      input: t.input + r.input,
      output: t.output + r.output,
      cacheRead: t.cacheRead + r.cacheRead,
      cacheCreation: t.cacheCreation + r.cacheCreation,
    }),
    { responses: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
  );
}

/** The calendar day of an instant in an IANA zone, by Intl (not by the Date getters `usage` relies on). */
export function dayIn(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(ms);
}
