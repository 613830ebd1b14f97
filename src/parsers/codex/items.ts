/**
 * `response_item` payloads: what the model saw and produced. The bare legacy era writes the same objects
 * without an envelope, so both eras go through `responseItem`.
 */
import type { Line } from './line.js';
import { learnCwd } from './meta.js';
import { contextDraft, cwdFromContext, humanText, isInjected, offerPrompt } from './prompts.js';
import { toolCall, toolResult } from './tools.js';
import { field, isImageItem, itemTexts, type Obj, str } from './util.js';

const CALL_KINDS = new Set([
  'function_call',
  'custom_tool_call',
  'local_shell_call',
  'web_search_call',
  'tool_search_call',
]);

/** Items that are bookkeeping for undo or compaction, not conversation. */
const QUIET_KINDS = new Set(['ghost_snapshot', 'compaction', 'compaction_summary', 'context_compaction']);

function contentParts(content: unknown): unknown[] {
  if (Array.isArray(content)) return content;
  return typeof content === 'string' ? [{ type: 'input_text', text: content }] : [];
}

/** User text: injected blocks become context, the rest is one prompt candidate (see prompts.ts). */
function userMessage(line: Line, p: Obj): void {
  const human: string[] = [];
  let images = 0;
  for (const part of contentParts(p.content)) {
    if (isImageItem(part)) images += 1;
    const text = str(field(part, 'text'));
    if (text === null) continue;
    if (isInjected(text)) {
      learnCwd(line, cwdFromContext(text));
      line.drafts.push(contextDraft(text));
    } else human.push(text);
  }
  if (human.length === 0 && images === 0) return;
  const text = human.join('\n');
  const shown = [humanText(text), ...Array<string>(images).fill('[image]')].filter((s) => s.length > 0);
  offerPrompt(line, 'item', text, shown.join('\n'));
}

function assistantMessage(line: Line, p: Obj): void {
  const texts = contentParts(p.content).map((part) =>
    isImageItem(part) ? '[image]' : str(field(part, 'text')),
  );
  const content = texts.filter((t): t is string => t !== null).join('\n');
  if (content.length === 0) {
    line.out.note = 'empty message';
    return;
  }
  line.drafts.push({ messageType: 'response', authorRole: 'assistant', content, model: line.state.model });
}

function message(line: Line, p: Obj): void {
  const role = str(p.role);
  if (role === 'user') userMessage(line, p);
  else if (role === 'assistant') assistantMessage(line, p);
  else {
    // developer / system: part of the system prompt Codex sends (with `instructions`), not conversation, and
    // never published (issue 10): the raw line stays local as a record, with this note.
    line.out.note = 'system prompt (kept local)';
  }
  if (line.drafts.length === 0 && line.out.note === undefined) line.out.note = 'empty message';
}

/** Reasoning summaries (fallback: raw reasoning text). `encrypted_content` is opaque and never shown. */
function reasoning(line: Line, p: Obj): void {
  let texts = itemTexts(p.summary);
  if (texts.length === 0) texts = itemTexts(p.content);
  const content = texts.join('\n\n');
  if (content.length === 0) {
    line.out.note = 'encrypted reasoning';
    return;
  }
  line.drafts.push({ messageType: 'thinking', authorRole: 'assistant', content, model: line.state.model });
}

/** Multi-agent `agent_message` items: text from another agent thread, shown as context. */
function agentMessage(line: Line, p: Obj): void {
  const content = itemTexts(p.content).join('\n');
  if (content.length > 0) line.drafts.push(contextDraft(content));
  else line.out.note = 'empty message';
}

export function responseItem(line: Line, p: Obj): void {
  const kind = str(p.type) ?? '';
  if (kind === 'message') message(line, p);
  else if (kind === 'reasoning') reasoning(line, p);
  else if (CALL_KINDS.has(kind)) toolCall(line, kind, p, line.state.model);
  else if (kind.endsWith('_output')) toolResult(line, kind, p);
  else if (kind === 'agent_message') agentMessage(line, p);
  // 0.171: the tool definitions offered to the model, part of the request, not conversation; never sent.
  else if (kind === 'additional_tools') line.out.note = 'tool definitions (kept local)';
  else line.out.note = QUIET_KINDS.has(kind) ? 'metadata' : 'unhandled item';
}
