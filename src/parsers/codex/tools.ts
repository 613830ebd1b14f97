/**
 * Tool calls and their outputs. Calls are matched to outputs by `call_id` in the store; here we only make the
 * input and result text uniform, whatever shape the build wrote (JSON strings, objects, content-item arrays).
 */
import type { Draft, Line } from './line.js';
import { field, isImageItem, isObj, nonEmpty, num, type Obj, safeJson, str } from './util.js';

/** Tool input as JSON text: the parsed object, else `{"input": original}` (DESIGN.md §3.2). */
export function toolInputText(value: unknown, parseStrings: boolean): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    if (parseStrings) {
      try {
        const parsed: unknown = JSON.parse(value);
        if (isObj(parsed)) return safeJson(parsed);
      } catch {
        // not JSON: kept verbatim below
      }
    }
    return safeJson({ input: value });
  }
  return isObj(value) ? safeJson(value) : safeJson({ input: value });
}

/** Tool names for call kinds that carry none: the kind itself names the built-in tool. */
const BUILTIN_NAMES: Record<string, string> = {
  local_shell_call: 'local_shell',
  web_search_call: 'web_search',
  tool_search_call: 'tool_search',
};

export function toolCall(line: Line, kind: string, p: Obj, model: string | null): void {
  const fn = field(p, 'function');
  const name = nonEmpty(p.name) ?? nonEmpty(field(fn, 'name')) ?? BUILTIN_NAMES[kind] ?? kind;
  let input: string | null;
  if (kind === 'custom_tool_call') input = toolInputText(p.input, false);
  else if (kind === 'local_shell_call' || kind === 'web_search_call') input = toolInputText(p.action, false);
  else input = toolInputText(p.arguments, true);
  const draft: Draft = {
    messageType: 'tool_call',
    authorRole: 'assistant',
    content: null,
    toolName: name,
    toolUseId: nonEmpty(p.call_id),
    toolInput: input,
    model,
  };
  line.drafts.push(draft);
}

function contentItemText(item: unknown): string {
  if (isImageItem(item)) return '[image]';
  return str(field(item, 'text')) ?? '';
}

/** Result text: strings as is, content-item arrays as their texts joined, other values JSON-encoded. */
export function resultText(output: unknown): string | null {
  if (output === undefined || output === null) return null;
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    const items = output.every((i) => isImageItem(i) || typeof field(i, 'text') === 'string');
    return items ? output.map(contentItemText).join('\n') : safeJson(output);
  }
  // A single content item (0.146 writes `{type:"input_text", text}`) is text, not a structure.
  if (isObj(output) && typeof output.type === 'string' && typeof output.text === 'string') return output.text;
  return safeJson(output);
}

const EXIT_LINE = /^(?:Exit code:|Process exited with code) (-?\d+)/m;

/**
 * Error detection, only where the output states it: the JSON `{output, metadata:{exit_code}}` form of shell
 * and apply_patch results, the plain "Exit code: N" / "Process exited with code N" header of later builds,
 * or an explicit `success: false`. Anything else is reported as success.
 */
export function outputIsError(output: unknown): boolean {
  let value = output;
  if (typeof output === 'string') {
    const m = EXIT_LINE.exec(output.slice(0, 200));
    if (m?.[1] !== undefined) return Number(m[1]) !== 0;
    if (!output.startsWith('{')) return false;
    try {
      value = JSON.parse(output);
    } catch {
      return false;
    }
  }
  const code = num(field(field(value, 'metadata'), 'exit_code')) ?? num(field(value, 'exit_code'));
  if (code !== null) return code !== 0;
  return field(value, 'success') === false;
}

export function toolResult(line: Line, kind: string, p: Obj): void {
  // tool_search_output carries its answer in `tools`, not `output`.
  const raw = p.output !== undefined ? p.output : kind === 'tool_search_output' ? p.tools : p.result;
  line.drafts.push({
    messageType: 'tool_result',
    authorRole: 'tool',
    content: null,
    toolUseId: nonEmpty(p.call_id),
    toolResult: resultText(raw),
    isError: outputIsError(raw),
  });
}
