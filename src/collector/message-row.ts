/** A `messages` row as the publisher reads it, and its conversion to the mapping's input. */
import type { LocalMessage } from './types.js';

/** A `messages` row joined with its thread key and raw record, as the publisher reads it. */
export interface MessageRow {
  id: number;
  session_id: string;
  seq: number;
  identity: string;
  thread_key: string;
  emitted_at: string;
  observed_at: string;
  message_type: LocalMessage['messageType'];
  author_role: LocalMessage['authorRole'];
  content: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  tool_input: string | null;
  tool_result: string | null;
  is_error: number;
  model: string | null;
  stop_reason: string | null;
  tokens_input: number | null;
  tokens_output: number | null;
  tokens_cache_read: number | null;
  tokens_cache_creation: number | null;
  publishable: number;
  raw: Buffer | null;
  raw_is_utf8: number;
}

export function toLocalMessage(r: MessageRow): LocalMessage {
  return {
    id: r.id,
    sessionId: r.session_id,
    seq: r.seq,
    identity: r.identity,
    threadKey: r.thread_key,
    emittedAt: r.emitted_at,
    observedAt: r.observed_at,
    messageType: r.message_type,
    authorRole: r.author_role,
    content: r.content,
    toolName: r.tool_name,
    toolUseId: r.tool_use_id,
    toolInput: r.tool_input,
    toolResult: r.tool_result,
    isError: r.is_error === 1,
    model: r.model,
    stopReason: r.stop_reason,
    tokens:
      r.tokens_output === null
        ? null
        : {
            input: r.tokens_input ?? 0,
            output: r.tokens_output,
            cacheRead: r.tokens_cache_read ?? 0,
            cacheCreation: r.tokens_cache_creation ?? 0,
          },
    raw: r.raw,
    rawIsUtf8: r.raw_is_utf8 === 1,
  };
}
