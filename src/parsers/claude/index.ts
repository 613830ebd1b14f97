/**
 * Claude Code transcript parser: one JSONL record in, what it means out (types.ts). Pure: no I/O, no clock,
 * and it never throws; anything unexpected becomes a record with no messages plus a note or warning.
 *
 * Mapping (agent threads = agent files and 1.0.x inline sidechains; roles in brackets apply there):
 *
 * | record / block                                          | message                  | author               |
 * |---------------------------------------------------------|--------------------------|----------------------|
 * | user, typed text (string or text blocks + images)       | prompt (one per record)  | human (caller)       |
 * | user, injected text: isMeta, isCompactSummary,          | context (one per block)  | system               |
 * |   origin.kind task-notification, command/bash/local-    |                          |                      |
 * |   command/ide wrappers, <system-reminder>,              |                          |                      |
 * |   <task-notification>, <teammate-message>, interrupts,  |                          |                      |
 * |   "This session is being continued…", 1.0.x caveat,     |                          |                      |
 * |   2.0.x agent "Warmup"                                  |                          |                      |
 * | user, image block                                       | placeholder in prompt    | human (caller)       |
 * | user, tool_result block                                 | tool_result              | tool                 |
 * | assistant, text / string content                        | response                 | assistant (agent)    |
 * | assistant, thinking                                     | thinking (text only)     | assistant (agent)    |
 * | assistant, redacted_thinking                            | thinking "[redacted …]"  | assistant (agent)    |
 * | assistant, tool_use / server_tool_use                   | tool_call                | assistant (agent)    |
 * | assistant, ExitPlanMode tool_use with input.plan        | + plan (`…:<i>:plan`)    | assistant (agent)    |
 * | assistant, *_tool_result (server tools)                 | tool_result              | tool                 |
 * | assistant, model <synthetic> or isApiErrorMessage, text | error                    | system               |
 * | system/api_error, system/error                          | error                    | system               |
 * | system/compact_boundary, local_command, no subtype      | context                  | system               |
 * | system/away_summary                                     | summary                  | system               |
 * | system/other subtypes (turn_duration, stop_hook_summary,| none (note)              |                      |
 * |   session_start, api_refusal, informational, …)         |                          |                      |
 * | progress, attachment, summary, file-history-snapshot,   | none (note: progress,    |                      |
 * |   queue-operation, permission-mode, last-prompt,        |   attachment, metadata,  |                      |
 * |   *-title, cost-state, tools-used, other metadata,      |   unknown record kind)   |                      |
 * |   unknown kinds                                         |                          |                      |
 * | api-request, api-request-blob (the system prompt),      | none (note: API request  |                      |
 * |   api-request-shape (2.1.3xx)                           |   (kept local))          |                      |
 * | unknown content block types                             | none for that block      |                      |
 *
 * Identity: `claude:<uuid>:<blockIndex>`; a record without uuid uses `claude:nouuid:<session>:<timestamp>:
 * <sha256 of the record, 16 hex>:<blockIndex>`. Every message of an assistant record is grouped by its
 * response (`claude:<message.id | requestId | uuid>`), which is also the key of its usage report; a human
 * prompt closes open groups (a tool result never does: parallel tool calls are written around their results). Sub-agent links come from `toolUseResult.agentId` next to a
 * tool_result block and from `progress/agent_progress` lines.
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './records.js';
import { makeScope } from './scope.js';
import { type ClaudeState, resolveSession, usableState } from './session.js';
import { errorText, isObj } from './util.js';

export type { ClaudeState } from './session.js';

function parseLine(line: LineInput, state: ClaudeState, ctx: FileContext): RecordOutput {
  const rec = line.json;
  if (!isObj(rec)) {
    const kind = Array.isArray(rec) ? '(array)' : `(${rec === null ? 'null' : typeof rec})`;
    const out = emptyOutput(kind, state.lastSessionKey);
    out.warning = 'record is not a JSON object';
    return out;
  }
  return parseRecord(makeScope(rec, resolveSession(rec, state, ctx)), state);
}

export const claudeParser: Parser<ClaudeState> = {
  initialState(): ClaudeState {
    return { lastSessionKey: null, customTitle: false };
  },
  parse(line: LineInput, state: ClaudeState, ctx: FileContext): RecordOutput {
    try {
      return parseLine(line, usableState(state), ctx);
    } catch (e) {
      // A bug or a shape nobody anticipated: keep the line (ingest stores it raw) and tell the user.
      const out = emptyOutput('(unparsed)', null);
      out.warning = `claude parser failed: ${errorText(e)}`;
      return out;
    }
  },
};
