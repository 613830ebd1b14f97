/**
 * Small total functions over unknown JSON values. Every field of a Claude Code record is treated as
 * optional and of unknown type, because the format is unversioned and changes between releases.
 */
import { createHash } from 'node:crypto';
import { jsonText } from '../../reader/index.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string, else null: an empty id or label carries no information. */
export function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Token counters must be non-negative integers; anything else (redacted strings, null, NaN) counts as 0. */
export function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * The record timestamp when it looks like ISO-8601. Redacted fixtures put placeholder text there; returning
 * null lets the ingest layer fill in a real time instead of storing garbage.
 */
export function timestampOf(rec: Obj): string | null {
  const ts = rec.timestamp;
  if (typeof ts !== 'string' || !ISO_PREFIX.test(ts) || Number.isNaN(Date.parse(ts))) return null;
  return ts;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * JSON text that never throws. A valid line may nest deeper than `JSON.stringify` can recurse (a 10,000-deep
 * tool input): `jsonText` writes it without the stack, so the text stays faithful instead of
 * `[object Object]`. BigInt or cycles cannot come from JSON.parse, but callers may pass anything.
 */
export function safeJson(v: unknown): string {
  try {
    return jsonText(v);
  } catch {
    return String(v);
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : safeJson(e);
}
