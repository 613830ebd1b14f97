/**
 * OpenCode (≥ 1.2, SQLite) session parser (pure: no I/O, no clock). OpenCode keeps every session in one
 * SQLite database whose rows are updated in place; reader/opencode-source.ts renders one session as JSONL
 * (agents-formats.md §3), and this parser reads that rendering line by line:
 *
 *   {"record":"session","session":{id, project_id, parent_id, slug, directory, title, version, time_created}}
 *   {"record":"message","message":{id, time_created, time_updated, data},
 *    "parts":[{id, time_created, time_updated, data}, …]}            one line per message, parts in order
 *
 * Mapping (record → message type / author; "—" = no message, the line stays local context with a `note`):
 *
 * | record                                                | message                                           |
 * |-------------------------------------------------------|---------------------------------------------------|
 * | session row                                           | — ; SessionInfo (cwd = directory, title, slug,    |
 * |                                                       |   version, parent = parent_id)                    |
 * | user message, `text` part                             | prompt / human (caller in a sub-agent session);   |
 * |                                                       |   the line closes the open groups                 |
 * | user or assistant `text` part with `synthetic: true`  | context / system                                  |
 * | user `file` part                                      | context / system (`attached file: name (mime)`)   |
 * | assistant `text` part                                 | response / assistant (agent in a sub-agent        |
 * |                                                       |   session), + model, finish as stop reason        |
 * | assistant `text` part of a `summary: true` message    | summary / system (compaction)                     |
 * | assistant `reasoning` part                            | thinking / assistant                              |
 * | assistant `tool` part                                 | tool_call / assistant: toolName = tool, toolUseId |
 * |                                                       |   = callID, toolInput = JSON of state.input       |
 * | … once state.status is `completed` or `error`         | + tool_result / tool: toolResult = state.output   |
 * |                                                       |   (or state.error); isError = error status or a   |
 * |                                                       |   non-zero `metadata.exit`                        |
 * | assistant `data.error`                                | error / system (`name: data.message`)             |
 * | assistant `data.tokens` (complete message)            | UsageReport `opencode:<message id>` (tokens.ts)   |
 * | step-start, step-finish, snapshot, patch, agent,      | — (`no message for parts: …`)                     |
 * |   retry, compaction, subtask parts                    |                                                   |
 * | other roles, unknown lines                            | — (note)                                          |
 *
 * Identity: `opencode:<part id>` (`:result` for a tool's result, `opencode:<message id>:error` for an error).
 * Part ids are global in OpenCode, so the same session read from a copied database stores nothing twice.
 *
 * Mutability: an assistant message streams into its rows. Until it has `time.completed` or `finish`, its
 * messages carry `groupKey = opencode:<message id>` (unpublishable) and every assistant message is
 * `upsert`, so a later rendering replaces the stored version. Its complete version closes the groups (and so
 * makes those rows final); a complete message's parts carry no group. A user message's parts are written
 * whole with the prompt and are not upserts: the row itself is updated when the turn ends (`summary`), which
 * changes the line but not the prompt.
 *
 * Sub-agents: a sub-agent is its own OpenCode session with `parent_id`; the session fact links it, no thread
 * link is emitted (the parent's `task` tool result names the child session in its metadata only).
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './record.js';
import { initialState, type OpenCodeState } from './state.js';

export type { OpenCodeState } from './state.js';

function parse(line: LineInput, state: OpenCodeState, ctx: FileContext): RecordOutput {
  try {
    return parseRecord(line, state, ctx);
  } catch (err) {
    // A parser bug must cost one record, not the session: report it and let ingest keep the raw line.
    const key = typeof state?.sessionKey === 'string' ? state.sessionKey : (state?.fallbackKey ?? null);
    const out = emptyOutput('invalid', key);
    out.warning = `opencode parser failed: ${err instanceof Error ? err.message : String(err)}`;
    return out;
  }
}

export const openCodeParser: Parser<OpenCodeState> = { initialState, parse };
