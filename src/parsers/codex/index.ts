/**
 * Codex CLI rollout parser (pure: no I/O, no clock). Reads both eras line by line: the bare legacy format
 * (header `{id, timestamp, instructions, git}`, `{"record_type":"state"}`, bare response items without
 * timestamps) and the envelope `{timestamp, [ordinal], type, payload}`. See log-formats.md §3.
 *
 * Mapping (record → message type / author; "—" = no message, the line stays local context with a `note`):
 *
 * | record                                                   | message                                      |
 * |----------------------------------------------------------|----------------------------------------------|
 * | event_msg/user_message `message`                         | prompt / human (twin rule, prompts.ts)       |
 * | event_msg/item_completed, item.type `UserMessage`        | prompt / human (paginated mode; twin rule)   |
 * | response_item/message user, human text                   | prompt / human unless twin of an event prompt|
 * | response_item/message user, injected (`<environment_…`)  | context / system (one per injected part)     |
 * | response_item/message developer (or other roles)         | — (`system prompt (kept local)`: never sent) |
 * | response_item/message assistant                          | response / assistant (+ model, group)        |
 * | response_item/reasoning summary (fallback content text)  | thinking / assistant (+ group); empty → —    |
 * | response_item/function_call, custom_tool_call,           | tool_call / assistant: toolName, toolUseId = |
 * |   local_shell_call, web_search_call, tool_search_call    |   call_id, toolInput = parsed args (+ group) |
 * | response_item/*_output                                   | tool_result / tool: toolResult, isError      |
 * | response_item/agent_message (inter-agent)                | context / system                             |
 * | event_msg/error; task_complete with `error` (0.171)      | error / system                               |
 * | compacted with non-empty `message`                       | summary / system; empty → —                  |
 * | event_msg/token_count with totals                        | — ; UsageReport of the delta (tokens.ts)     |
 * | event_msg/agent_message, agent_reasoning, *_end, other   | — (`duplicate`: response items carry them)   |
 * |   item_completed items                                   |                                              |
 * | session_meta, legacy header, turn_context                | — ; SessionInfo (`metadata`)                 |
 * | task/turn events, world_state, ghost_snapshot, state, …  | — (`metadata`)                               |
 *
 * Groups: response, thinking and tool_call carry `codex:<thread>:turn<k>`. A token_count with non-null `info`,
 * task_complete / turn_complete / turn_aborted and every prompt close the open group; k then increments, so a
 * closed group never receives more messages.
 *
 * Identity: `codex:<thread>:o<ordinal>` while envelope ordinals grow, else `codex:<thread>:b<offset>`, plus
 * `:<i>` when one line yields several messages. Every message has a content key (sha256 of type + payload +
 * part index); in a replayed section (after a foreign `session_meta`) it is also the `replayOf` key.
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './record.js';
import { type CodexState, initialState } from './state.js';

export type { CodexState } from './state.js';

function parse(line: LineInput, state: CodexState, _ctx: FileContext): RecordOutput {
  try {
    return parseRecord(line, state);
  } catch (err) {
    // A parser bug must cost one record, not the file: report it and let ingest keep the raw line.
    const out = emptyOutput('invalid', typeof state?.ownThread === 'string' ? state.ownThread : null);
    out.warning = `codex parser failed: ${err instanceof Error ? err.message : String(err)}`;
    return out;
  }
}

export const codexParser: Parser<CodexState> = { initialState, parse };
