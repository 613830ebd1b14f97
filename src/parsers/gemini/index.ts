/**
 * Gemini CLI (≥ 0.39, JSONL era) session parser (pure: no I/O, no clock). One file per session, written by
 * `appendFileSync` but event-sourced: line 1 is a header, a message is re-appended under its `id` every time it
 * changes, `{"$set": …}` patches metadata (`$set.messages` rewrites the whole list) and `{"$rewindTo": id}`
 * cuts the list. See agents-formats.md §2.
 *
 * Mapping (record → message type / author; "—" = no message, the line stays local context with a `note`):
 *
 * | record                                                  | message                                        |
 * |---------------------------------------------------------|------------------------------------------------|
 * | header `{sessionId, projectHash, startTime, kind, …}`   | — ; SessionInfo (cwd = `.project_root` or       |
 * |                                                         |   `directories[0]`, parent for `kind:subagent`) |
 * | user, typed text (`displayContent` preferred)           | prompt / human; closes the open groups         |
 * | user, injected part (`<session_context>`, …)            | context / system (one per part)                |
 * | user, `<state_snapshot>` part (compression)             | summary / system                               |
 * | user made only of `functionResponse` parts              | — (`duplicate`: stored from toolCalls[].result)|
 * | gemini `content` text                                   | response / assistant (+ model, group)          |
 * | gemini `thoughts[i]` (subject + description)            | thinking / assistant (+ group)                 |
 * | gemini `toolCalls[j]`                                   | tool_call / assistant: toolName, toolUseId =   |
 * |                                                         |   call id, toolInput = JSON of args (+ group)  |
 * | gemini `toolCalls[j].result` (or resultDisplay once     | tool_result / tool: toolResult, isError =      |
 * |   finished without a result)                            |   status error or cancelled (+ group)          |
 * | gemini `tokens`                                         | UsageReport `gemini:<sid>:<id>` (tokens.ts)    |
 * | info, warning                                           | context / system                               |
 * | error                                                   | error / system                                 |
 * | `$set` {summary, lastUpdated, directories, …}           | — ; SessionInfo title / timestamp (`metadata`) |
 * | `$set.messages`                                         | each entry applied like a re-append; a new id  |
 * |                                                         |   there is the CLI's own turn: user text →     |
 * |                                                         |   context, gemini text without tokens → context|
 * | `$rewindTo`                                             | — (note with the number rewound); closes groups|
 *
 * Identity: `gemini:<sid>:<id>:<part>` with part `text`, `context:<i>`, `thought:<i>`, `call:<callId>`,
 * `result:<callId>`: stable across re-appends, so a newer version replaces the stored part (`upsert`, last
 * write wins) and nothing is stored twice. A part identical to the version already emitted is not emitted
 * again (line.ts), so an unchanged copy changes nothing, even after it was published.
 *
 * Groups: every part of one gemini message shares `gemini:<sid>:<id>` and stays unpublishable until another
 * message id of the session writes a part, a new prompt, a `$rewindTo`, or idle time closes it; re-appends
 * (tokens arrive after the text, tool calls and results are merged in later) land while it is still open.
 *
 * Tool output is written twice by recent builds: in `toolCalls[].result` of the gemini message and as a
 * `user` record of `functionResponse` parts. The gemini copy is the one stored (it has the call's status
 * and name, and `$set.messages` masking rewrites it); the user record is kept as a `duplicate` context row.
 *
 * `$rewindTo` decision: rewound messages are NOT deleted or retracted. They happened, may already be
 * published, and the server has no delete; the record stays a context row whose note names how many
 * messages were rewound, and what follows are new messages with new ids.
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './record.js';
import { type GeminiState, initialState } from './state.js';

export type { GeminiState } from './state.js';

function parse(line: LineInput, state: GeminiState, ctx: FileContext): RecordOutput {
  try {
    return parseRecord(line, state, ctx);
  } catch (err) {
    // A parser bug must cost one record, not the file: report it and let ingest keep the raw line.
    const out = emptyOutput('invalid', typeof state?.sessionKey === 'string' ? state.sessionKey : null);
    out.warning = `gemini parser failed: ${err instanceof Error ? err.message : String(err)}`;
    return out;
  }
}

export const geminiParser: Parser<GeminiState> = { initialState, parse };
