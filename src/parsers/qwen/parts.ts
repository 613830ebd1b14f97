/**
 * Gemini `Content.parts` → message drafts. Qwen Code stores the exact Content it sent to or got from the
 * model, so one part is one message: `thought` text → thinking, other text → response, `functionCall` →
 * tool_call, `functionResponse` → tool_result. Media parts become placeholders, never silently dropped.
 */
import type { MessageType } from '../types.js';
import { isObj, nonEmpty, type Obj, safeJson, str, toolInputText } from './util.js';

/** A message before the record gives it identity, session and thread. `part` is its index in `parts`. */
export interface Draft {
  part: number;
  messageType: MessageType;
  content: string | null;
  toolName?: string | null;
  toolUseId?: string | null;
  toolInput?: string | null;
  toolResult?: string | null;
  isError?: boolean;
}

export function partsOf(message: unknown): unknown[] {
  const parts = isObj(message) ? message.parts : undefined;
  return Array.isArray(parts) ? parts : [];
}

/** Placeholder for a part that is not text: inline media, file references, code execution. */
function mediaPlaceholder(p: Obj): string | null {
  const inline = p.inlineData;
  if (isObj(inline)) return `[${str(inline.mimeType) ?? 'inline data'}]`;
  const file = p.fileData;
  if (isObj(file)) return `[file ${str(file.fileUri) ?? str(file.mimeType) ?? ''}]`.replace(' ]', ']');
  if (isObj(p.executableCode)) return str(p.executableCode.code);
  if (isObj(p.codeExecutionResult)) return str(p.codeExecutionResult.output);
  return null;
}

/** Result text of a `functionResponse`: `response.output` when it is text, else the response as JSON. */
export function functionResponseDraft(part: number, fr: Obj, status: string | null): Draft {
  const response = fr.response;
  let text: string | null = null;
  let failed = status === 'error' || status === 'cancelled';
  if (isObj(response)) {
    const output = response.output;
    const error = response.error;
    if (typeof output === 'string') text = output;
    else if (typeof error === 'string') {
      text = error;
      failed = true;
    } else text = safeJson(response);
  } else if (response !== undefined && response !== null) {
    text = typeof response === 'string' ? response : safeJson(response);
  }
  return {
    part,
    messageType: 'tool_result',
    content: null,
    toolName: nonEmpty(fr.name),
    toolUseId: nonEmpty(fr.id),
    toolResult: text,
    isError: failed,
  };
}

/** Model output: every part is its own message. */
export function modelDrafts(parts: unknown[]): Draft[] {
  const out: Draft[] = [];
  parts.forEach((p, i) => {
    if (!isObj(p)) return;
    if (isObj(p.functionCall)) {
      const fc = p.functionCall;
      out.push({
        part: i,
        messageType: 'tool_call',
        content: null,
        toolName: nonEmpty(fc.name),
        toolUseId: nonEmpty(fc.id),
        toolInput: toolInputText(fc.args),
      });
      return;
    }
    if (isObj(p.functionResponse)) {
      out.push(functionResponseDraft(i, p.functionResponse, null));
      return;
    }
    const text = str(p.text);
    if (text !== null) {
      // An empty text part (Qwen pads a reply that is only a tool call with `{text: ''}`) says nothing.
      if (text.length === 0) return;
      out.push({ part: i, messageType: p.thought === true ? 'thinking' : 'response', content: text });
      return;
    }
    const media = mediaPlaceholder(p);
    if (media !== null) out.push({ part: i, messageType: 'response', content: media });
  });
  return out;
}

/** The text of non-tool parts of a user Content, joined (media as placeholders), with its first part index. */
export function userText(parts: unknown[]): { part: number; text: string } | null {
  const texts: string[] = [];
  let first = -1;
  parts.forEach((p, i) => {
    if (!isObj(p) || isObj(p.functionResponse) || isObj(p.functionCall)) return;
    const t = str(p.text) ?? mediaPlaceholder(p);
    if (t === null || t.length === 0) return;
    if (first < 0) first = i;
    texts.push(t);
  });
  return first < 0 ? null : { part: first, text: texts.join('\n') };
}

/** `functionResponse` parts of a Content (tool results sent back to the model). */
export function responseDrafts(parts: unknown[], status: string | null): Draft[] {
  const out: Draft[] = [];
  parts.forEach((p, i) => {
    if (isObj(p) && isObj(p.functionResponse)) out.push(functionResponseDraft(i, p.functionResponse, status));
  });
  return out;
}
