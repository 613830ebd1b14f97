/**
 * Token usage of one OpenCode assistant message: `data.tokens {total?, input, output, reasoning, cache{read,
 * write}}`, written by OpenCode's `getUsage` from the AI SDK usage of the API response (one assistant message
 * per model call in ≥ 1.2; its `step-finish` part repeats the same numbers and is not counted again).
 *
 * | TokenUsage    | OpenCode counters                                                                   |
 * |---------------|-------------------------------------------------------------------------------------|
 * | input         | input (OpenCode already subtracts cache.read and cache.write from the prompt count)  |
 * | cacheRead     | cache.read                                                                          |
 * | cacheCreation | cache.write                                                                         |
 * | output        | output + reasoning, unless `total` shows that `output` already holds the reasoning   |
 * | reasoning     | reasoning                                                                           |
 *
 * Why: OpenCode 1.18.33 (the build in agent-logs/) computes `input = inputTokens − cacheRead − cacheWrite` and
 * `output = outputTokens − reasoningTokens` (its `visibleOutputTokens`), so the five counters are disjoint and
 * `total = input + output + reasoning + cache.read + cache.write`. Against the scripted API of agent-logs/
 * (openai-chat `prompt_tokens`, `completion_tokens`, `cached_tokens`) every real row satisfies
 * `input = prompt_tokens − cached_tokens`, `cache.read = cached_tokens` and `output = completion_tokens`
 * (reasoning 0 there). Earlier builds stored the raw `outputTokens`, which for OpenAI-style providers already
 * includes the reasoning (anomalyco/opencode#17566), so `total = input + output + cache` with reasoning on top
 * of nothing. `total` tells the two apart row by row; without it (error rows, hand-made data) the current
 * disjoint meaning is taken.
 */
import type { TokenUsage } from '../types.js';
import { isObj, num } from './util.js';

/** The usage of a `tokens` object, or null when it is absent or every counter is zero (no API response). */
export function tokenUsage(tokens: unknown): TokenUsage | null {
  if (!isObj(tokens)) return null;
  const cache = isObj(tokens.cache) ? tokens.cache : {};
  const input = Math.max(0, num(tokens.input) ?? 0);
  const output = Math.max(0, num(tokens.output) ?? 0);
  const reasoning = Math.max(0, num(tokens.reasoning) ?? 0);
  const cacheRead = Math.max(0, num(cache.read) ?? 0);
  const cacheCreation = Math.max(0, num(cache.write) ?? 0);
  if (input + output + reasoning + cacheRead + cacheCreation === 0) return null;
  const total = num(tokens.total);
  const outputHoldsReasoning =
    reasoning > 0 && total !== null && total === input + output + cacheRead + cacheCreation;
  return {
    input,
    cacheRead,
    cacheCreation,
    output: outputHoldsReasoning ? output : output + reasoning,
    reasoning,
  };
}
