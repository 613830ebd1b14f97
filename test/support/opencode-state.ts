/** What a sync stored, for the OpenCode tests that compare it with one clean sync and with the rows. */
import { expect } from 'vitest';
import type { TestSync } from './sync.js';

/** The identities of the stored messages (usage carriers left out), sorted. */
export function storedIdentities(s: TestSync): string[] {
  return (
    s.db
      .prepare("SELECT identity FROM messages WHERE identity NOT LIKE 'usage:%' ORDER BY identity")
      .pluck()
      .all() as string[]
  ).sort();
}

/** Everything a stored message says, keyed by identity (seq depends on reading order, so it is left out). */
export function finalState(s: TestSync) {
  return {
    messages: s.db
      .prepare(
        `SELECT identity, session_id, message_type, author_role, emitted_at, content, tool_name, tool_use_id,
           tool_input, tool_result, is_error, model, stop_reason, publishable, tokens_input, tokens_output,
           tokens_cache_read, tokens_cache_creation FROM messages ORDER BY identity`,
      )
      .all(),
    responses: s.db
      .prepare(
        'SELECT key, session_id, model, input, output, cache_read, cache_creation, reasoning FROM responses ORDER BY key',
      )
      .all(),
    sessions: s.db
      .prepare(
        'SELECT id, assistant, cwd, parent_session_id, title, assistant_version, slug FROM sessions ORDER BY id',
      )
      .all(),
  };
}

/** Every stored tool result has a tool use id and exactly one tool call with it in its session; returns how many. */
export function expectToolsLinked(s: TestSync): number {
  const results = s.db
    .prepare("SELECT session_id, tool_use_id FROM messages WHERE message_type = 'tool_result'")
    .all() as { session_id: string; tool_use_id: string | null }[];
  for (const r of results) {
    expect(r.tool_use_id).not.toBeNull();
    const call = s.db
      .prepare(
        "SELECT count(*) FROM messages WHERE message_type = 'tool_call' AND session_id = ? AND tool_use_id = ?",
      )
      .pluck()
      .get(r.session_id, r.tool_use_id);
    expect(call).toBe(1);
  }
  return results.length;
}
