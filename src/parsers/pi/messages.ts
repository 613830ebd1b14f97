/**
 * `message` entries: `entry.message` is one pi AgentMessage, told apart by `role`.
 */
import type { ParsedMessage } from '../types.js';
import { contentText, IMAGE } from './content.js';
import { addMessage, type Line } from './line.js';
import { usageReport } from './usage.js';
import { field, isObj, nonEmpty, type Obj, safeJson, str } from './util.js';

/** Tool input as JSON text: the arguments object, else `{"input": original}` (DESIGN.md §3.2). */
export function toolInputText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return isObj(value) ? safeJson(value) : safeJson({ input: value });
}

function user(line: Line, m: Obj): void {
  const text = contentText(m.content);
  // A new human prompt ends whatever the model was doing, as in every other agent.
  line.out.closesGroups = true;
  if (text === null || text.length === 0) {
    line.out.note = 'empty message';
    return;
  }
  addMessage(line, { messageType: 'prompt', authorRole: 'human', content: text });
}

function assistantBlock(line: Line, block: unknown, i: number, base: Partial<ParsedMessage>): void {
  const type = str(field(block, 'type'));
  const part = String(i);
  if (type === 'text') {
    const text = str(field(block, 'text'));
    if (text !== null && text.length > 0)
      addMessage(line, { ...base, messageType: 'response', authorRole: 'assistant', content: text }, part);
  } else if (type === 'thinking') {
    // Redacted thinking has an empty text and an opaque signature, which never becomes content.
    const text = str(field(block, 'thinking'));
    if (text !== null && text.length > 0)
      addMessage(line, { ...base, messageType: 'thinking', authorRole: 'assistant', content: text }, part);
  } else if (type === 'toolCall') {
    addMessage(
      line,
      {
        ...base,
        messageType: 'tool_call',
        authorRole: 'assistant',
        content: null,
        toolName: nonEmpty(field(block, 'name')),
        toolUseId: nonEmpty(field(block, 'id')),
        toolInput: toolInputText(field(block, 'arguments')),
      },
      part,
    );
  } else if (type === 'image') {
    addMessage(line, { ...base, messageType: 'response', authorRole: 'assistant', content: IMAGE }, part);
  }
}

function assistant(line: Line, m: Obj): void {
  const { state, out } = line;
  const model = nonEmpty(m.model) ?? state.model;
  if (model !== null && model !== state.model) {
    state.model = model;
    out.sessions.push({ sessionKey: state.sessionKey, assistant: 'pi', model });
  }
  const base = { model, stopReason: nonEmpty(m.stopReason) };
  if (typeof m.content === 'string') assistantBlock(line, { type: 'text', text: m.content }, 0, base);
  else if (Array.isArray(m.content)) {
    for (const [i, b] of m.content.entries()) assistantBlock(line, b, i, base);
  }
  // A failed or aborted request: pi keeps the partial message and says why in `errorMessage`.
  const error = nonEmpty(m.errorMessage);
  if (error !== null)
    addMessage(line, { ...base, messageType: 'error', authorRole: 'system', content: error }, 'error');
  const anchor = out.messages.find((x) => x.messageType === 'response') ?? out.messages[0];
  const report = usageReport(line, m.usage, model, anchor?.identity ?? null);
  if (report !== null) out.usage.push(report);
  if (out.messages.length === 0) out.note = 'empty message';
}

function toolResult(line: Line, m: Obj): void {
  addMessage(line, {
    messageType: 'tool_result',
    authorRole: 'tool',
    content: null,
    toolName: nonEmpty(m.toolName),
    toolUseId: nonEmpty(m.toolCallId),
    toolResult: contentText(m.content) ?? '',
    isError: m.isError === true,
  });
}

/** `!cmd` / `!!cmd` typed by the person at pi's prompt: pi ran it; the exit code tells success. */
function bashExecution(line: Line, m: Obj): void {
  const command = str(m.command) ?? '';
  const toolUseId = `${line.key}:bash`;
  addMessage(
    line,
    {
      messageType: 'tool_call',
      authorRole: 'human',
      content: null,
      toolName: 'bash',
      toolUseId,
      toolInput: safeJson({ command }),
    },
    'call',
  );
  const exit = typeof m.exitCode === 'number' ? m.exitCode : null;
  const output = str(m.output) ?? '';
  const notes = [
    m.cancelled === true ? '[cancelled]' : null,
    m.truncated === true ? '[output truncated]' : null,
  ];
  const shown = [output, ...notes].filter((s): s is string => s !== null && s.length > 0).join('\n');
  addMessage(
    line,
    {
      messageType: 'tool_result',
      authorRole: 'tool',
      content: null,
      toolName: 'bash',
      toolUseId,
      toolResult: shown,
      isError: m.cancelled === true || (exit !== null && exit !== 0),
    },
    'result',
  );
}

/** Extension messages that join the model's context (`custom`, v1/v2 `hookMessage`). */
function custom(line: Line, m: Obj): void {
  const text = contentText(m.content);
  if (text === null || text.length === 0) {
    line.out.note = 'empty message';
    return;
  }
  addMessage(line, { messageType: 'context', authorRole: 'system', content: text });
}

/** Summaries pi builds for the model's context; normally not persisted as messages, read if they are. */
function summaryMessage(line: Line, m: Obj): void {
  const text = nonEmpty(m.summary);
  if (text === null) {
    line.out.note = 'empty summary';
    return;
  }
  addMessage(line, { messageType: 'summary', authorRole: 'system', content: text });
}

export function messageEntry(line: Line, m: unknown): void {
  if (!isObj(m)) {
    line.out.warning = 'message entry without a message object';
    return;
  }
  const role = str(m.role) ?? '';
  line.out.kind = `message/${role || '?'}`;
  if (role === 'user') user(line, m);
  else if (role === 'assistant') assistant(line, m);
  else if (role === 'toolResult') toolResult(line, m);
  else if (role === 'bashExecution') bashExecution(line, m);
  else if (role === 'custom' || role === 'hookMessage') custom(line, m);
  else if (role === 'branchSummary' || role === 'compactionSummary') summaryMessage(line, m);
  else line.out.note = 'unhandled message role';
}
