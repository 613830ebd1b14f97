/**
 * Small total functions over `unknown` JSON. Gemini CLI has no published schema for its session files and
 * redacting exporters replace values with strings, so every read goes through these guards instead of casts.
 */
import { createHash } from 'node:crypto';
import { jsonText } from '../../reader/index.js';

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Only real ISO timestamps count; curated fixtures put placeholder text in the field. */
import { isObj, nonEmpty, num, type Obj, str } from '../json-values.js';

export { isObj, nonEmpty, num, type Obj, str };

export function isoTime(v: unknown): string | null {
  const s = str(v);
  return s !== null && ISO_PREFIX.test(s) ? s : null;
}

/** JSON text that never throws (hand-built objects in tests may hold what JSON.parse cannot produce). */
export function safeJson(v: unknown): string {
  try {
    return jsonText(v);
  } catch {
    return String(v);
  }
}

/** A short digest of a value: enough to tell two versions of one message part apart. */
export function fingerprint(v: unknown): string {
  return createHash('sha256').update(safeJson(v)).digest('hex').slice(0, 16);
}
