/**
 * Token usage from `event_msg/token_count`.
 *
 * `info.total_token_usage` is cumulative per thread and is often written twice in a row, so we report the
 * delta against the previous total (identical totals → nothing) instead of summing `last_token_usage`.
 * A total below the previous one means the accounting restarted (a forked thread after its replay), so the
 * new total is the delta. Mapping of one delta (input includes cached input in Codex, not in our buckets):
 *
 * | TokenUsage    | Codex counter                                   |
 * |---------------|-------------------------------------------------|
 * | input         | Δinput_tokens − Δcached_input_tokens            |
 * | cacheRead     | Δcached_input_tokens                            |
 * | output        | Δoutput_tokens (reasoning tokens are included)  |
 * | cacheCreation | Δcache_write_input_tokens (0 when absent)       |
 *
 * Inside a replayed section the totals are the parent thread's, already counted from the parent's own file,
 * so they are not reported; once they drop (the fork's own accounting started) they count again.
 */
import type { TokenUsage } from '../types.js';
import type { Line } from './line.js';
import type { TokenTotals } from './state.js';
import { isObj, num, type Obj } from './util.js';

/** Totals from a usage object; null for redacted strings or objects without any counter. */
export function readTotals(v: unknown): TokenTotals | null {
  if (!isObj(v)) return null;
  const input = num(v.input_tokens);
  const cached = num(v.cached_input_tokens);
  const output = num(v.output_tokens);
  if (input === null && cached === null && output === null) return null;
  return {
    input: input ?? 0,
    cached: cached ?? 0,
    output: output ?? 0,
    cacheWrite: num(v.cache_write_input_tokens) ?? 0,
  };
}

function decreased(t: TokenTotals, prev: TokenTotals): boolean {
  return (
    t.input < prev.input || t.cached < prev.cached || t.output < prev.output || t.cacheWrite < prev.cacheWrite
  );
}

function toUsage(t: TokenTotals, prev: TokenTotals | null): TokenUsage {
  const base = prev === null || decreased(t, prev) ? null : prev;
  const d = (a: number, b: number | undefined): number => a - (b ?? 0);
  const input = d(t.input, base?.input);
  const cached = d(t.cached, base?.cached);
  return {
    input: Math.max(0, input - cached),
    cacheRead: cached,
    output: d(t.output, base?.output),
    cacheCreation: d(t.cacheWrite, base?.cacheWrite),
  };
}

/** In a replayed section: true when this total still belongs to the foreign thread (not reported). */
function stillReplayed(line: Line, total: TokenTotals): boolean {
  const { state } = line;
  if (state.section === null || state.replayTokensOwn) return false;
  const prev = state.replayTotal;
  state.replayTotal = total;
  if (prev === null || !decreased(total, prev)) return true;
  state.replayTokensOwn = true;
  state.lastTotal = null;
  return false;
}

export function tokenCount(line: Line, p: Obj): void {
  const { state, out } = line;
  out.note = 'token count';
  // `info: null` lines only carry rate limits and are written before the response, so they close nothing.
  if (!isObj(p.info)) return;
  out.closesGroups = true;
  // A counted response means the prompt's twin can no longer follow.
  state.pendingPrompt = null;
  const total = readTotals(p.info.total_token_usage);
  if (total === null) return;
  if (stillReplayed(line, total)) {
    out.note = 'replayed history';
    return;
  }
  const tokens = toUsage(total, state.lastTotal);
  state.lastTotal = total;
  if (tokens.input + tokens.cacheRead + tokens.output + tokens.cacheCreation <= 0) {
    out.note = 'duplicate';
    return;
  }
  out.usage.push({
    responseKey: `codex:${state.ownThread}:t${line.tag}`,
    sessionKey: state.ownThread,
    model: state.model,
    tokens,
    combine: 'max',
    anchorIdentity: state.anchorResponse ?? state.anchorLast,
    emittedAt: line.emittedAt,
  });
}
