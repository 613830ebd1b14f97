/**
 * Small total functions over `unknown` JSON. Copilot's event schema is closed source and drifts between
 * versions (arguments as a string or an object, fields redacted to strings), so every read goes through these
 * guards instead of casts.
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

/**
 * Tool input as JSON text: the object, a string that holds a JSON object parsed, else `{"input": original}`
 * (types.ts `toolInput`). Copilot writes `arguments` as a JSON string in some versions and an object in others.
 */
export function toolInputText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isObj(parsed)) return safeJson(parsed);
    } catch {
      // not JSON: kept verbatim below
    }
  }
  return isObj(value) ? safeJson(value) : safeJson({ input: value });
}
