/**
 * Qwen Code chat parser (pure: no I/O, no clock). Files are `projects/<sanitized cwd>/chats/<sessionId>.jsonl`,
 * append-only JSONL of `ChatRecord`s: a Claude-like envelope `{uuid, parentUuid, sessionId, timestamp, type,
 * subtype?, cwd, version, gitBranch?, agentId?, isSidechain?}` around a Gemini `Content` (`message.parts`).
 * See agents-formats.md §8.
 *
 * Mapping (record → message type / author; "—" = no message, the line stays local context with a `note`):
 *
 * | record                                              | message                                              |
 * |-----------------------------------------------------|------------------------------------------------------|
 * | user (no subtype, mid_turn_user_message, …)         | prompt / human (caller in a sub-agent thread); text  |
 * |                                                     |   = systemPayload.displayText, else the text parts;  |
 * |                                                     |   closes groups                                      |
 * | user notification, cron, background_task_completed, | context / system (injected by the runtime)           |
 * |   goal_runtime                                      |                                                      |
 * | user functionResponse parts                         | tool_result / tool                                   |
 * | assistant part `thought: true`                      | thinking / assistant (agent in a sub-agent thread)   |
 * | assistant part text                                 | response / assistant (+ model)                       |
 * | assistant part functionCall                         | tool_call / assistant: toolUseId = functionCall.id,  |
 * |                                                     |   toolInput = args                                   |
 * | assistant usageMetadata                             | UsageReport `qwen:<uuid>` (tokens.ts)                |
 * | tool_result functionResponse parts                  | tool_result / tool, linked by functionResponse.id;   |
 * |                                                     |   isError on status error/cancelled or response.error|
 * | system custom_title                                 | context / system + SessionInfo.title                 |
 * | system parent_session, session_model                | context / system + SessionInfo parent / model        |
 * | system other subtypes (chat_compression, rewind,    | context / system (`<subtype>: <payload text>`)       |
 * |   slash_command, at_command, …)                     |                                                      |
 * | system ui_telemetry, *_snapshot, managed_session_*  | — (`telemetry` / `metadata`)                         |
 * | cwd / gitBranch / version / model on any record     | SessionInfo when they change                         |
 *
 * Session key: the file name (`<sessionId>.jsonl`). A record that names another session gets a warning and is
 * kept in the file's session (the file is the unit Qwen writes and resumes).
 * Threads: `agent-<agentId>` for sub-agent records, `sidechain` for `isSidechain` without an id, else `main`.
 *
 * Identity: `qwen:<uuid>:<part index>`. Consecutive records that repeat a uuid are fragments of one message
 * (Qwen's own reader concatenates their parts), so their parts continue one numbering. A non-consecutive
 * repeat (a resume or `/branch` copy) numbers from 0 again and so meets the stored copy's identity, which the
 * store recognises as the same record. Records without a uuid: `qwen:<session>:b<offset>[.<k>]:<i>`.
 *
 * Finality: no message carries a group. Qwen appends every record once, whole (`JSON.stringify` of a complete
 * ChatRecord after the model call or tool finished) and never rewrites a line, so a line is final when it is
 * read; a later fragment of the same uuid adds messages with new identities and never changes stored ones.
 * Branches left by `/rewind` stay stored as written (the log keeps them too).
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './record.js';
import { initialState, type QwenState, usableState } from './state.js';

export type { QwenState } from './state.js';

function parse(line: LineInput, state: QwenState, ctx: FileContext): RecordOutput {
  try {
    return parseRecord(line, usableState(state, ctx));
  } catch (err) {
    // A parser bug must cost one record, not the file: report it and let ingest keep the raw line.
    const out = emptyOutput('invalid', typeof state?.sessionKey === 'string' ? state.sessionKey : null);
    out.warning = `qwen parser failed: ${err instanceof Error ? err.message : String(err)}`;
    return out;
  }
}

export const qwenParser: Parser<QwenState> = { initialState, parse };
