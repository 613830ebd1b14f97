/** Small helpers shared by the dialects: SSE frames, JSON walking, the per-response usage figures. */
import type { Usage } from './types.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** One server-sent event; `event` is omitted by dialects that send only `data:` lines. */
export function sse(data: unknown, event?: string): string {
  const body = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${body}\n\n`;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

export const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The usage of the n-th response served: distinctive, non-round and different for every response, so a
 * stored figure can be matched to the response that reported it, and a double count or a dropped response
 * shows in the totals. Cache writes only where the dialect reports them.
 */
export function scriptedUsage(n: number, cacheWrites: boolean): Usage {
  // Steps of 29 and more keep each field strictly increasing, so nudging a round figure by 3 stays unique.
  const odd = (v: number) => (v % 10 === 0 ? v + 3 : v);
  return {
    input: odd(1_231 + 173 * n),
    output: odd(83 + 29 * n),
    cacheRead: odd(4_409 + 311 * n),
    cacheWrite: cacheWrites ? odd(617 + 41 * n) : 0,
  };
}

/** Texts of a content value that is a string or a list of parts with `text` (and a wanted `type`). */
export function partTexts(content: unknown, types: readonly string[]): string[] {
  if (typeof content === 'string') return [content];
  const out: string[] = [];
  for (const p of arr(content)) {
    if (isObj(p) && typeof p.text === 'string' && (p.type === undefined || types.includes(String(p.type)))) {
      out.push(p.text);
    }
  }
  return out;
}

/** Counts maximal runs of items that `isModel` accepts: one run per earlier model response. */
export function countRuns<T>(
  items: readonly T[],
  isModel: (item: T) => boolean,
  skip?: (item: T) => boolean,
): number {
  let runs = 0;
  let inRun = false;
  for (const item of items) {
    if (skip?.(item)) continue;
    const m = isModel(item);
    if (m && !inRun) runs++;
    inRun = m;
  }
  return runs;
}

/** Splits a text into a few deltas, as a model streams it. */
export function deltas(text: string): string[] {
  if (text.length < 8) return [text];
  const a = Math.floor(text.length / 3);
  const b = Math.floor((2 * text.length) / 3);
  return [text.slice(0, a), text.slice(a, b), text.slice(b)];
}
