/**
 * `event_msg` payloads: UI/harness events. Most repeat what a `response_item` already says and produce no
 * message; the exceptions are the human prompt (`user_message`, or `item_completed`/`UserMessage` in
 * paginated history mode), harness errors and token counts. Turn ends close the open assistant group.
 */
import type { Line } from './line.js';
import { completedUserText, offerPrompt } from './prompts.js';
import { tokenCount } from './tokens.js';
import { field, isObj, type Obj, safeJson, str } from './util.js';

/** Events that end a turn: the model will not add to the open group after them. */
const TURN_END = new Set(['task_complete', 'turn_complete', 'turn_aborted']);

/**
 * Events whose content is already recorded by a `response_item` (assistant text, reasoning summaries, tool
 * executions and their outputs); emitting them too would double the transcript.
 */
const DUPLICATES = new Set([
  'agent_message',
  'agent_reasoning',
  'agent_reasoning_raw_content',
  'exec_command_end',
  'patch_apply_end',
  'mcp_tool_call_end',
  'web_search_end',
]);

function countArray(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

function userMessage(line: Line, p: Obj): void {
  const text = str(p.message) ?? '';
  const images = countArray(p.images) + countArray(p.local_images);
  const shown = [text, ...Array<string>(images).fill('[image]')].filter((s) => s.length > 0).join('\n');
  offerPrompt(line, 'event', text, shown);
  // A new human message always ends the previous turn, even when it is the twin of an earlier prompt.
  line.out.closesGroups = true;
}

function itemCompleted(line: Line, p: Obj): void {
  const item = p.item;
  if (str(field(item, 'type')) === 'UserMessage') {
    offerPrompt(line, 'completed', completedUserText(item), completedUserText(item));
    line.out.closesGroups = true;
    return;
  }
  // Paginated mode still writes the response items, which we read for every other item kind.
  line.out.note = 'duplicate';
}

function errorEvent(line: Line, p: Obj): void {
  const content =
    str(p.message) ?? str(field(p.error, 'message')) ?? (isObj(p.error) ? safeJson(p.error) : null);
  line.drafts.push({ messageType: 'error', authorRole: 'system', content: content ?? safeJson(p) });
}

/** `task_complete.error`: `{message}` where the message is often the API's own JSON error body. */
function turnError(line: Line, error: unknown): void {
  const raw = str(field(error, 'message')) ?? str(error) ?? safeJson(error);
  let content = raw;
  try {
    content = str(field(field(JSON.parse(raw), 'error'), 'message')) ?? raw;
  } catch {
    // not JSON: the text is the message
  }
  line.drafts.push({ messageType: 'error', authorRole: 'system', content });
}

export function eventMsg(line: Line, p: Obj): void {
  const kind = str(p.type) ?? '';
  if (kind === 'user_message') userMessage(line, p);
  else if (kind === 'token_count') tokenCount(line, p);
  else if (kind === 'error') errorEvent(line, p);
  else if (kind === 'item_completed') itemCompleted(line, p);
  else if (TURN_END.has(kind)) {
    line.out.closesGroups = true;
    line.out.note = 'turn end';
    line.state.pendingPrompt = null;
    // 0.171 ends a turn whose request failed with the error on the turn end, and writes it nowhere else.
    if (p.error !== undefined && p.error !== null) turnError(line, p.error);
  } else line.out.note = DUPLICATES.has(kind) ? 'duplicate' : 'metadata';
}
