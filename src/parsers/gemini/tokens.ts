/**
 * Token usage of one gemini message: `tokens {input, output, cached, thoughts, tool, total}`, written by
 * Gemini CLI from the response's `usageMetadata` (promptTokenCount, candidatesTokenCount,
 * cachedContentTokenCount, thoughtsTokenCount, toolUsePromptTokenCount, totalTokenCount).
 *
 * | TokenUsage    | Gemini counters                                                              |
 * |---------------|------------------------------------------------------------------------------|
 * | input         | input − cached + tool (promptTokenCount includes the cached part; the tool-  |
 * |               |   use prompt is counted apart from it)                                       |
 * | cacheRead     | cached                                                                       |
 * | cacheCreation | 0 (Gemini reports no cache writes)                                           |
 * | output        | output + thoughts (candidatesTokenCount excludes the thoughts)               |
 * | reasoning     | thoughts                                                                     |
 *
 * So input + cacheRead + output = input + tool + output + thoughts = `total`, which holds on every sample.
 * The same message id is re-appended whenever it changes, so the report is keyed by that id and combined
 * with `max`: a re-append never counts twice.
 */
import type { TokenUsage } from '../types.js';
import { isObj, num } from './util.js';

/** The usage of a `tokens` object, or null when it is absent, `null`, or has no counter at all. */
export function tokenUsage(tokens: unknown): TokenUsage | null {
  if (!isObj(tokens)) return null;
  const input = num(tokens.input);
  const output = num(tokens.output);
  const cached = num(tokens.cached);
  const thoughts = num(tokens.thoughts);
  const tool = num(tokens.tool);
  if (input === null && output === null && cached === null && thoughts === null && tool === null) return null;
  const usage: TokenUsage = {
    input: Math.max(0, (input ?? 0) - (cached ?? 0)) + (tool ?? 0),
    cacheRead: cached ?? 0,
    cacheCreation: 0,
    output: (output ?? 0) + (thoughts ?? 0),
  };
  if (thoughts !== null) usage.reasoning = thoughts;
  return usage;
}
