/**
 * GitHub Copilot CLI session parser (pure: no I/O, no clock). Files are `session-state/<uuid>/events.jsonl`
 * (≥ 1.0.11) or flat `session-state/<id>.jsonl` (≤ 1.0.10): append-only JSONL of events `{type, data, id,
 * timestamp, parentId, ephemeral?, agentId?}`; a resume appends to the same file. See agents-formats.md §4.
 *
 * Mapping (event → message type / author; "—" = no message, the line stays local context with a `note`):
 *
 * | event                                              | message                                              |
 * |----------------------------------------------------|------------------------------------------------------|
 * | session.start, session.resume                      | — ; SessionInfo cwd = context.cwd, gitBranch =       |
 * |                                                    |   context.branch, model = selectedModel, version =   |
 * |                                                    |   copilotVersion, timestamp = startTime (`metadata`) |
 * | session.model_change                               | — ; SessionInfo model = newModel (`metadata`)        |
 * | user.message                                       | prompt / human (caller in a sub-agent): `content`,   |
 * |                                                    |   not `transformedContent`; closes groups            |
 * | assistant.message content                          | response / assistant (agent in a sub-agent) + model  |
 * | assistant.message reasoningText                    | thinking / assistant, unless an assistant.reasoning  |
 * |                                                    |   since the previous message had the same text       |
 * | assistant.message toolRequests[]                   | tool_call / assistant: toolUseId = toolCallId,       |
 * |                                                    |   toolName = name, toolInput = arguments (JSON text) |
 * | assistant.message outputTokens                     | UsageReport (tokens.ts rule 1)                       |
 * | assistant.reasoning                                | thinking / assistant, unless the last message's      |
 * |                                                    |   reasoningText was the same (`duplicate`)           |
 * | tool.execution_start                               | tool_call under the same identity as its request     |
 * |                                                    |   (`copilot:<session>:call:<toolCallId>`): stored    |
 * |                                                    |   once, and a call whose request was not persisted   |
 * |                                                    |   still has its call                                 |
 * | tool.execution_complete                            | tool_result / tool: toolUseId = toolCallId,          |
 * |                                                    |   toolResult = result.content, isError = !success    |
 * | subagent.started / completed                       | context / system (`sub-agent started: <name>`)       |
 * | subagent.failed, session.error                     | error / system                                       |
 * | session.shutdown                                   | context / system + UsageReports (tokens.ts rules 0-3)|
 * | session.usage_record                               | — (`usage record`); its call's usage (tokens.ts 0)   |
 * | system.message (the system prompt)                 | — (`system prompt (kept local)`: never sent)         |
 * | session.info, session.warning,                     | context / system with the event's text               |
 * |   system.notification, session.truncation, abort   |                                                      |
 * | session.compaction_complete                        | summary / system when it has summary text, else      |
 * |                                                    |   context                                            |
 * | assistant.turn_*, hook.*, session.usage_checkpoint,| — (`metadata`); other kinds — (`event kind not       |
 * |   session.auto_mode_resolved, compaction_start, …  |   mapped`); `ephemeral: true` — (`ephemeral`)        |
 *
 * Session key: fixed by the file's first record — `session.start` `data.sessionId` when it is that record,
 * else the session id the path names (the `<uuid>` directory, or the flat file's stem). Identity:
 * `copilot:<session>:<event uuid>:<i>`; an id that is not a UUID (redacted fixtures repeat
 * `[trimmed for fixture]`) is not unique, so such events use the byte offset: `copilot:<session>:b<offset>`.
 *
 * Sub-agents: events with an envelope `agentId` (or, in older builds, `data.parentToolCallId`) are a
 * sub-agent's, and go to their own wire session `<session>:agent-<id>` (thread `agent-<id>`, parent
 * `<session>`), as Claude Code's sub-agent files do: one parent runs many sub-agents whose events interleave in
 * one file, and the store links a `<parent>:agent-<id>` session to its spawning tool call. The link is made
 * when it is certain: `data.parentToolCallId` is the spawning call's id, and a `subagent.started` that carries
 * the sub-agent's `agentId` names its `toolCallId`.
 *
 * Finality: no message carries a group. Every event is written once, whole, and never rewritten (a resume
 * appends), so a line is final when it is read.
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './record.js';
import { type CopilotState, initialState, usableState } from './state.js';

export type { CopilotState } from './state.js';

function parse(line: LineInput, state: CopilotState, ctx: FileContext): RecordOutput {
  try {
    return parseRecord(line, usableState(state, ctx));
  } catch (err) {
    // A parser bug must cost one record, not the file: report it and let ingest keep the raw line.
    const out = emptyOutput('invalid', typeof state?.sessionKey === 'string' ? state.sessionKey : null);
    out.warning = `copilot parser failed: ${err instanceof Error ? err.message : String(err)}`;
    return out;
  }
}

export const copilotParser: Parser<CopilotState> = { initialState, parse };
