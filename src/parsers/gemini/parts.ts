/**
 * Gemini `PartListUnion` values (a string, one Part, or an array of strings and Parts: `{text}`,
 * `{inlineData}`, `{fileData}`, `{functionCall}`, `{functionResponse}`, `{text, thought: true}`) made into text.
 */
import { isObj, type Obj, safeJson, str } from './util.js';

/** The parts of a `PartListUnion`, strings as `{text}`. */
export function partsOf(content: unknown): Obj[] {
  const list = Array.isArray(content) ? content : content === undefined || content === null ? [] : [content];
  const out: Obj[] = [];
  for (const p of list) {
    if (typeof p === 'string') out.push({ text: p });
    else if (isObj(p)) out.push(p);
  }
  return out;
}

function mediaPlaceholder(p: Obj): string | null {
  const inline = p.inlineData;
  if (isObj(inline)) {
    const mime = str(inline.mimeType) ?? 'unknown';
    return mime.startsWith('image/') ? '[image]' : `[inline data ${mime}]`;
  }
  const file = p.fileData;
  if (isObj(file)) return `[file ${str(file.fileUri) ?? str(file.mimeType) ?? ''}]`.replace(' ]', ']');
  return null;
}

/**
 * The visible text of a message's content: text parts joined as written (Gemini parts are stream fragments
 * of one text), media as placeholders. Thought parts are left out (`thoughts[]` carries them), and so are
 * function calls and responses (`toolCalls[]` carries them).
 */
export function contentText(content: unknown): string {
  let text = '';
  for (const p of partsOf(content)) {
    const t = str(p.text);
    if (t !== null) {
      if (p.thought !== true) text += t;
      continue;
    }
    const media = mediaPlaceholder(p);
    if (media !== null) text += media;
  }
  return text;
}

/** True when every part is a `functionResponse`: the tool output the gemini record's `toolCalls` hold. */
export function onlyFunctionResponses(content: unknown): boolean {
  const parts = partsOf(content);
  return parts.length > 0 && parts.every((p) => isObj(p.functionResponse));
}

/** `functionResponse.response` as text: its `output` or `error` string, else the object as JSON. */
function responseText(response: unknown): string {
  if (typeof response === 'string') return response;
  if (isObj(response)) {
    const output = str(response.output);
    if (output !== null) return output;
    const error = str(response.error);
    if (error !== null) return error;
  }
  return safeJson(response ?? null);
}

/**
 * A tool call's `result` as text. A `$set.messages` checkpoint may store the whole user turn as the result
 * of each call (every parallel call's response), so only the responses naming this call are kept when any do.
 */
export function resultText(result: unknown, callId: string | null): string {
  if (typeof result === 'string') return result;
  const parts = partsOf(result);
  const own = parts.filter((p) => isObj(p.functionResponse) && p.functionResponse.id === callId);
  const chosen = callId !== null && own.length > 0 ? own : parts;
  const texts: string[] = [];
  for (const p of chosen) {
    if (isObj(p.functionResponse)) texts.push(responseText(p.functionResponse.response));
    else if (str(p.text) !== null) texts.push(p.text as string);
    else texts.push(mediaPlaceholder(p) ?? safeJson(p));
  }
  return texts.join('\n');
}

/**
 * Text Gemini CLI puts in user turns itself, not typed by the person: the bootstrap `<session_context>`,
 * the `<state_snapshot>` of a compression, reminders. Matched on the opening tag only.
 */
const INJECTED =
  /^\s*<(session_context|state_snapshot|system-reminder|system_reminder|environment_context|user_instructions|hook_context|compression_summary)\b/;

export function isInjected(text: string): boolean {
  return INJECTED.test(text);
}

/** A compression summary replaces the history before it: stored as a summary, not as context. */
export function isSummary(text: string): boolean {
  return /^\s*<state_snapshot\b/.test(text);
}
