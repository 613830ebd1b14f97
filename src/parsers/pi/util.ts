/**
 * Small total functions over `unknown` JSON, and the stable hashing that pi identities are built from. pi
 * entries are read from a format with versions and extensions, so every read goes through these guards.
 */
import { createHash } from 'node:crypto';

import { isObj, nonEmpty, num, type Obj, str } from '../json-values.js';

export { isObj, nonEmpty, num, type Obj, str };

export function field(v: unknown, key: string): unknown {
  return isObj(v) ? v[key] : undefined;
}

/** JSON text that never throws (hand-built test objects may hold what JSON.parse never makes). */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Nesting below which `stableJson` sorts keys; deeper values are written as they are. */
const SORT_DEPTH = 32;

/**
 * JSON text with object keys sorted, so a value rewritten with its keys in another order (pi's migration
 * re-serialises every entry) hashes the same. Deeper than `SORT_DEPTH` the key order is left as written:
 * pi never nests that deep, and recursion must stay bounded.
 */
export function stableJson(v: unknown, depth = 0): string {
  if (Array.isArray(v)) {
    if (depth >= SORT_DEPTH) return safeJson(v);
    return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x, depth + 1))).join(',')}]`;
  }
  if (isObj(v)) {
    if (depth >= SORT_DEPTH) return safeJson(v);
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(v[k], depth + 1)}`).join(',')}}`;
  }
  return safeJson(v);
}

export function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** An ISO-8601 timestamp from an entry's `timestamp`, or from a message's epoch milliseconds. */
export function isoTime(entryTs: unknown, messageMs: unknown): string | null {
  const iso = nonEmpty(entryTs);
  if (iso !== null && !Number.isNaN(Date.parse(iso))) return iso;
  const ms = num(messageMs);
  if (ms !== null) {
    const d = new Date(ms);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return null;
}
