/**
 * Token usage of one model call (`usageMetadata`, Gemini names). One assistant record is written per model
 * call, so a record's usage is that call's usage, whole.
 *
 * - input = promptTokenCount − cachedContentTokenCount (the prompt count includes the cached part)
 * - cacheRead = cachedContentTokenCount; cacheCreation = 0 (never reported)
 * - output = candidatesTokenCount + thoughtsTokenCount, reasoning = thoughtsTokenCount — the Gemini
 *   convention, where candidates exclude thoughts. Qwen's OpenAI-compatible path (its default provider) writes
 *   `candidatesTokenCount = completion_tokens`, which already includes `reasoning_tokens`, and
 *   `totalTokenCount = total_tokens = prompt + completion`. So when totalTokenCount equals prompt + candidates
 *   (+ toolUsePrompt) while thoughts > 0, the thoughts are inside candidates: output = candidates.
 *
 * Key `qwen:<uuid>`: the same uuid is the same model call wherever it appears (fragments of one record,
 * `/branch` and resume copies keep the uuid and rewrite only `sessionId`), so copies combine with `max`
 * instead of adding up. Records without a uuid use `qwen:<session>:b<offset>`.
 */
import type { TokenUsage } from '../types.js';
import { isObj, num } from './util.js';

export function usageOf(meta: unknown): TokenUsage | null {
  if (!isObj(meta)) return null;
  const prompt = num(meta.promptTokenCount);
  const cached = num(meta.cachedContentTokenCount);
  const candidates = num(meta.candidatesTokenCount);
  const thoughts = num(meta.thoughtsTokenCount);
  if (prompt === null && cached === null && candidates === null && thoughts === null) return null;
  const p = prompt ?? 0;
  const c = cached ?? 0;
  const o = candidates ?? 0;
  const t = thoughts ?? 0;
  const total = num(meta.totalTokenCount);
  const toolPrompt = num(meta.toolUsePromptTokenCount) ?? 0;
  const thoughtsInside = t > 0 && total !== null && total > 0 && total === p + o + toolPrompt;
  const usage: TokenUsage = {
    input: Math.max(0, p - c),
    cacheRead: c,
    cacheCreation: 0,
    output: thoughtsInside ? o : o + t,
  };
  if (thoughts !== null) usage.reasoning = Math.min(t, usage.output);
  return usage;
}
