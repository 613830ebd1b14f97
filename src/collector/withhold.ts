/**
 * `send_thinking = false` / `send_tool_results = false` (docs/CONFIG.md). The event is kept and only its content
 * is replaced by a fixed marker, so ordinals, identity hashes, the usage carrier that follows a thinking row and
 * the call ↔ result link by `tool_use_id` stay exactly as they are when the key is flipped back; the server
 * sees that something happened, not what.
 *
 * `raw_data` repeats the record's line, so the same text is withheld there too: the record shapes that carry
 * reasoning or tool output (Claude `thinking` / `tool_result` blocks and `toolUseResult`; Codex `reasoning`,
 * `agent_reasoning*`, `*_call_output`, `exec_command_end`, `patch_apply_end`, `mcp_tool_call_end` and their
 * PascalCase `item_completed` forms) get the marker in the fields that hold the text.
 */
import { isPlainObject } from './sanitize.js';

export const THINKING_WITHHELD = '[withheld: send_thinking = false]';
export const TOOL_RESULT_WITHHELD = '[withheld: send_tool_results = false]';

export interface Withheld {
  thinking: boolean;
  toolResults: boolean;
}

const THINKING_FIELDS: Record<string, readonly string[]> = {
  thinking: ['thinking'],
  reasoning: ['summary', 'content', 'text'],
  Reasoning: ['summary', 'content', 'text'],
  agent_reasoning: ['text'],
  agent_reasoning_raw_content: ['text'],
  agent_reasoning_delta: ['delta'],
};

const OUTPUT_FIELDS = ['stdout', 'stderr', 'aggregated_output', 'formatted_output', 'output', 'result'];
const TOOL_RESULT_FIELDS: Record<string, readonly string[]> = {
  tool_result: ['content'],
  function_call_output: ['output'],
  custom_tool_call_output: ['output'],
  local_shell_call_output: ['output'],
  exec_command_end: OUTPUT_FIELDS,
  patch_apply_end: OUTPUT_FIELDS,
  mcp_tool_call_end: OUTPUT_FIELDS,
  CommandExecution: OUTPUT_FIELDS,
  McpToolCall: OUTPUT_FIELDS,
  DynamicToolCall: OUTPUT_FIELDS,
  dynamic_tool_call_response: OUTPUT_FIELDS,
};

function scrub(value: unknown, w: Withheld, top: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => scrub(v, w, false));
  if (!isPlainObject(value)) return value;
  const type = typeof value.type === 'string' ? value.type : '';
  const thinking = w.thinking ? (THINKING_FIELDS[type] ?? []) : [];
  const results = w.toolResults ? (TOOL_RESULT_FIELDS[type] ?? []) : [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && v !== undefined && thinking.includes(k)) out[k] = THINKING_WITHHELD;
    else if (v !== null && v !== undefined && results.includes(k)) out[k] = TOOL_RESULT_WITHHELD;
    // Claude mirrors the structured tool result next to the block, at the record's top level.
    else if (top && w.toolResults && k === 'toolUseResult' && v !== null) out[k] = TOOL_RESULT_WITHHELD;
    else out[k] = scrub(v, w, false);
  }
  return out;
}

/** The raw record with withheld reasoning / tool output replaced by the markers; unchanged when nothing is withheld. */
export function withheldRaw<T>(raw: T, w: Withheld): T {
  return w.thinking || w.toolResults ? (scrub(raw, w, true) as T) : raw;
}
