/**
 * pi (`@mariozechner/pi-coding-agent`) session parser (pure: no I/O, no clock). One file per session: a
 * `session` header, then entries `{type, id?, parentId?, timestamp, …}` (ids from v2 on). See
 * agents-formats.md §5 and pi's `session-manager.ts`.
 *
 * Mapping (entry → message type / author; "—" = no message, the line stays local context with a `note`):
 *
 * | entry                                            | message                                              |
 * |--------------------------------------------------|------------------------------------------------------|
 * | session (header)                                 | — ; SessionInfo: key = `id`, cwd, timestamp, v1 model |
 * | message user (text / image blocks)               | prompt / human (images as `[image]`); closesGroups   |
 * | message assistant, each `text` block             | response / assistant (+ model, stopReason)           |
 * | message assistant, each `thinking` block         | thinking / assistant (empty/redacted → none)         |
 * | message assistant, each `toolCall` block         | tool_call / assistant: toolName, toolUseId = id,     |
 * |                                                  |   toolInput = JSON of `arguments`                    |
 * | message assistant `errorMessage`                 | error / system (aborted or failed request)           |
 * | message assistant `usage`                        | UsageReport (usage.ts); all zeros → none             |
 * | message toolResult                               | tool_result / tool: toolUseId = toolCallId, isError  |
 * | message bashExecution (`!cmd` typed by the user) | tool_call / human `bash` {command} + tool_result /   |
 * |                                                  |   tool (output; isError = exit ≠ 0 or cancelled)     |
 * | message custom / hookMessage; custom_message     | context / system (extension text in the context)     |
 * | message branchSummary / compactionSummary        | summary / system                                     |
 * | compaction, branch_summary                       | summary / system (`summary`)                         |
 * | model_change                                     | — ; SessionInfo model (`metadata`)                   |
 * | session_info {name}                              | — ; SessionInfo title (`metadata`)                   |
 * | thinking_level_change, label                     | — (`metadata`)                                       |
 * | custom (extension state, not in the context)     | — (`extension data`)                                 |
 * | other entry types / roles                        | — (`unhandled entry` / `unhandled message role`)     |
 * | not a JSON object                                | — ; warning                                          |
 *
 * bashExecution is the person running a shell command through pi (its output joins the model's context
 * unless `!!`): a tool call by the human, answered by the tool, with a call id derived from the entry.
 *
 * Groups: none. pi appends an entry only when it is complete (`appendMessage` on `message_end`; the first
 * flush writes the header and every buffered entry at once, each complete), and never writes an entry
 * again, so every message is final at once and carries no groupKey.
 *
 * Identity: `pi:<sha256(timestamp + canonical entry)>` plus `:<block index>` / `:error` / `:call` /
 * `:result` (identity.ts): never the entry `id`, which migration regenerates, and not the session id, so
 * a fork's copied history is recognised as the copy it is. Branches (`/tree`) are siblings in the same
 * file: every entry of every branch is stored once, in file order; which branch is live is not modelled.
 */
import type { FileContext, LineInput, Parser, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseRecord } from './record.js';
import { initialState, type PiState } from './state.js';

export type { PiState } from './state.js';

function parse(line: LineInput, state: PiState, _ctx: FileContext): RecordOutput {
  try {
    return parseRecord(line, state);
  } catch (err) {
    // A parser bug must cost one record, not the file: report it and let ingest keep the raw line.
    const out = emptyOutput('invalid', typeof state?.sessionKey === 'string' ? state.sessionKey : null);
    out.warning = `pi parser failed: ${err instanceof Error ? err.message : String(err)}`;
    return out;
  }
}

export const piParser: Parser<PiState> = { initialState, parse };
