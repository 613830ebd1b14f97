/**
 * Small total functions over `unknown` JSON. Qwen records are read from hand-edited, redacted and glued files
 * too (agent-sessions fixtures), so every read goes through these guards instead of casts.
 */
import { jsonText } from '../../reader/index.js';

/** JSON text that never throws (deeply nested values included). */
import { isObj, nonEmpty, num, type Obj, str } from '../json-values.js';

export { isObj, nonEmpty, num, type Obj, str };

export function safeJson(v: unknown): string {
  try {
    return jsonText(v);
  } catch {
    return String(v);
  }
}

/** Tool input as JSON text: the object itself, else `{"input": original}` (types.ts `toolInput`). */
export function toolInputText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return isObj(value) ? safeJson(value) : safeJson({ input: value });
}
