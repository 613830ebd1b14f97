/**
 * Token usage of one assistant entry (`message.usage`), one API response each: pi writes an assistant message
 * once, when the response is complete, with its own counts (not cumulative).
 *
 * | TokenUsage    | pi `usage` field (missing → 0)                                   |
 * |---------------|------------------------------------------------------------------|
 * | input         | `input` (pi's input already excludes cache reads and writes)     |
 * | cacheRead     | `cacheRead` (also `cache.read`)                                  |
 * | cacheCreation | `cacheWrite` (also `cacheCreation`, `cache.write`)               |
 * | output        | `output` (reasoning included; pi reports no separate reasoning)  |
 *
 * pi's own `totalTokens` is `input + output + cacheRead + cacheWrite` on every assistant entry of the real
 * corpus files that carry it, so the four buckets are disjoint and nothing is counted twice. A report of all
 * zeros (an aborted or failed turn: pi writes the message with empty usage) is not a response and is skipped.
 */
import type { TokenUsage, UsageReport } from '../types.js';
import type { Line } from './line.js';
import { field, isObj, num } from './util.js';

function first(...values: unknown[]): number {
  for (const v of values) {
    const n = num(v);
    if (n !== null) return Math.max(0, n);
  }
  return 0;
}

export function readUsage(usage: unknown): TokenUsage | null {
  if (!isObj(usage)) return null;
  const cache = usage.cache;
  return {
    input: first(usage.input),
    output: first(usage.output),
    cacheRead: first(usage.cacheRead, field(cache, 'read')),
    cacheCreation: first(usage.cacheWrite, usage.cacheCreation, field(cache, 'write')),
  };
}

export function usageReport(
  line: Line,
  usage: unknown,
  model: string | null,
  anchorIdentity: string | null,
): UsageReport | null {
  const tokens = readUsage(usage);
  if (tokens === null) return null;
  if (tokens.input + tokens.output + tokens.cacheRead + tokens.cacheCreation <= 0) return null;
  return {
    responseKey: line.key,
    sessionKey: line.state.sessionKey,
    model,
    tokens,
    combine: 'max',
    anchorIdentity,
    emittedAt: line.emittedAt,
  };
}
