/**
 * Small total functions over `unknown` JSON. The rendering of an OpenCode session carries the `data` column of
 * its rows as parsed JSON, whatever shape a past or future OpenCode build wrote there, so every read goes
 * through these guards instead of casts.
 */
/** OpenCode stores times as epoch milliseconds; messages carry ISO-8601. Null for anything else. */
import { isObj, nonEmpty, num, type Obj, str } from '../json-values.js';

export { isObj, nonEmpty, num, type Obj, str };

export function isoFromMs(v: unknown): string | null {
  const ms = num(v);
  if (ms === null || ms <= 0) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** JSON text that never throws (a cycle cannot come from JSON.parse, but hand-built test objects may hold one). */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return String(v);
  }
}
