/**
 * Making an event storable and small enough (DESIGN.md §3.2), in two pure steps applied to every event:
 *
 * - {@link sanitizeEvent}: U+0000 and lone surrogates become U+FFFD in every string, keys included. Postgres
 *   text cannot hold NUL and the server's UTF-8 encoding of a lone surrogate fails, either way a 500 for the
 *   whole batch. Two keys that differ only there collapse into one; the later key wins (deterministic).
 *   Nesting deeper than {@link MAX_EVENT_DEPTH} is sent as JSON text, so the steps below never overflow.
 * - {@link shrinkEvent}: an event whose JSON exceeds `max_event_bytes` is cut down in a fixed order, stopping
 *   as soon as it fits: (a) base64 payloads become `[image <type> <n> bytes omitted]`, (b) `raw_data` is
 *   dropped, (c) the longest strings are truncated with `…[truncated <n> bytes]`, (d) as a last resort the
 *   largest optional top-level fields are removed. `data.truncated = true` marks any change. The full record
 *   stays in the local database; only what is sent is reduced.
 *
 * The size is the UTF-8 length of `JSON.stringify(event)`, exactly what the batch body carries for it.
 */
import { jsonText } from '../reader/index.js';
import type { CollectorEvent } from './types.js';
import { REQUIRED_FIELDS } from './validate.js';

const NEEDS_FIX = /[\u0000\uD800-\uDFFF]/;
const BAD_UNITS = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function sanitizeString(s: string): string {
  // The test is a cheap scan; almost every string passes it untouched.
  return NEEDS_FIX.test(s) ? s.replace(BAD_UNITS, '\uFFFD') : s;
}

/**
 * Deepest array/object nesting an event keeps as structure (the event itself is level 1, `data` level 2). A
 * valid log line can nest 10,000 levels deep inside a tool input; every later step (shrinking, validation,
 * `JSON.stringify` of the batch, the server's JSON parser) recurses, so deeper parts are sent as their JSON
 * text instead: nothing is lost, the stack is never at risk. Real records stay far below this.
 */
export const MAX_EVENT_DEPTH = 64;

/**
 * A JSON-like value with every string and key sanitized; containers nested deeper than
 * {@link MAX_EVENT_DEPTH} levels become their (sanitized) JSON text. Copy on write: what needs no change is
 * returned as is, so the usual event (no NUL, no lone surrogate) is not copied.
 */
export function sanitizeValue(value: unknown, depth = 1): unknown {
  if (typeof value === 'string') return sanitizeString(value);
  if ((Array.isArray(value) || isPlainObject(value)) && depth > MAX_EVENT_DEPTH)
    return sanitizeString(jsonText(value));
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const r = sanitizeValue(value[i], depth + 1);
      if (r === value[i]) continue;
      out ??= value.slice();
      out[i] = r;
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(value)) {
      // A key that changes can collapse into another one: rebuild the object in key order (rare).
      if (sanitizeString(k) !== k) return rebuiltObject(value, depth);
      const r = sanitizeValue(v, depth + 1);
      if (r === v) continue;
      out ??= { ...value };
      out[k] = r;
    }
    return out ?? value;
  }
  return value;
}

function rebuiltObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[sanitizeString(k)] = sanitizeValue(v, depth + 1);
  return out;
}

export function sanitizeEvent(event: CollectorEvent): CollectorEvent {
  return sanitizeValue(event) as CollectorEvent;
}

/**
 * Serialized sizes of the events `shrinkEvent` returned: the batch builder needs each size again, and
 * serializing every event twice more was a visible share of publishing time. Events are not mutated after
 * mapping (a batch numbers copies), so a size stays true for its object.
 */
const knownBytes = new WeakMap<CollectorEvent, number>();

export function eventBytes(event: CollectorEvent): number {
  return knownBytes.get(event) ?? Buffer.byteLength(JSON.stringify(event), 'utf8');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------------
// (a) base64 payloads

/** Base64 of at least 1 KiB decoded is 1368 characters; shorter runs are left alone unless labelled base64. */
const MIN_BARE_BASE64_CHARS = 1368;

function isBase64Char(c: number): boolean {
  return (
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 43 /* + */ ||
    c === 47 /* / */
  );
}

/** Decoded size of `len` base64 characters (padding excluded). */
function decodedBytes(len: number): number {
  return Math.floor((len * 3) / 4);
}

function sniffMediaType(b64: string): string {
  const head = Buffer.from(b64.slice(0, 16), 'base64');
  const hex = head.toString('hex');
  if (hex.startsWith('89504e47')) return 'image/png';
  if (hex.startsWith('ffd8ff')) return 'image/jpeg';
  if (hex.startsWith('47494638')) return 'image/gif';
  if (hex.startsWith('52494646') && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return 'unknown';
}

export function imagePlaceholder(mediaType: string, bytes: number): string {
  return `[image ${mediaType} ${bytes} bytes omitted]`;
}

const DATA_URL_PREFIX = /data:([\w.+-]+\/[\w.+-]+);base64,$/;

/**
 * Replaces `data:<type>;base64,<payload>` URLs (any size: the prefix makes them unambiguous) and bare runs that
 * are clearly base64 (≥ 1368 chars of the base64 alphabet mixing upper case, lower case and digits, which
 * prose, paths and hex never do). One linear scan over maximal runs of the alphabet, so a 1 MB string costs
 * one pass whatever its shape.
 */
export function scrubBase64Text(s: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < s.length) {
    if (!isBase64Char(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < s.length && isBase64Char(s.charCodeAt(i))) i++;
    const len = i - start;
    let end = i;
    while (end < s.length && end - i < 2 && s.charCodeAt(end) === 61 /* = */) end++;
    const prefix = DATA_URL_PREFIX.exec(s.slice(Math.max(last, start - 128), start));
    let replaceFrom = -1;
    let mediaType = '';
    if (prefix) {
      replaceFrom = start - prefix[0].length;
      mediaType = prefix[1] ?? 'unknown';
    } else if (len >= MIN_BARE_BASE64_CHARS && isClearlyBase64(s, start, i)) {
      replaceFrom = start;
      mediaType = sniffMediaType(s.slice(start, start + 16));
    }
    if (replaceFrom >= 0) {
      out += s.slice(last, replaceFrom) + imagePlaceholder(mediaType, decodedBytes(len));
      last = end;
    }
    i = end;
  }
  return last === 0 ? s : out + s.slice(last);
}

function isClearlyBase64(s: string, from: number, to: number): boolean {
  let upper = false;
  let lower = false;
  let digit = false;
  for (let i = from; i < to && !(upper && lower && digit); i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
    else if (c >= 48 && c <= 57) digit = true;
  }
  return upper && lower && digit;
}

/** Anthropic's `{type:"base64", media_type, data}` image/document source: the declared type is kept. */
function scrubBase64Value(value: unknown): unknown {
  if (typeof value === 'string') return scrubBase64Text(value);
  if (Array.isArray(value)) return value.map(scrubBase64Value);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  const labelled = value.type === 'base64' && typeof value.data === 'string';
  for (const [k, v] of Object.entries(value)) {
    if (labelled && k === 'data') {
      const data = (v as string).replace(/=+$/, '');
      const type = typeof value.media_type === 'string' ? value.media_type : sniffMediaType(data);
      out[k] = imagePlaceholder(type, decodedBytes(data.length));
    } else out[k] = scrubBase64Value(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// (c) truncation

const TRUNCATION_FIXED_BYTES = '…[truncated '.length + 2 /* '…' is 3 UTF-8 bytes */ + ' bytes]'.length;
/** No truncated string is made smaller than this (quotes + suffix with up to 15 digits). */
const MIN_TRUNCATED_BYTES = 2 + TRUNCATION_FIXED_BYTES + 15;
/**
 * Top-level fields never truncated: they are short by construction (≤ 50 chars) and the server's varchar(50)
 * must still hold them, which a suffix could break.
 */
const KEEP_WHOLE = new Set(['agent_type', 'agent_version']);

/** Bytes a code point takes inside a JSON string literal, as JSON.stringify writes it. */
function jsonBytes(cp: number): number {
  if (cp === 0x22 || cp === 0x5c) return 2;
  if (cp < 0x20) return cp === 8 || cp === 9 || cp === 10 || cp === 12 || cp === 13 ? 2 : 6;
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp >= 0xd800 && cp <= 0xdfff) return 6; // lone surrogate, escaped as \udXXX
  return cp < 0x10000 ? 3 : 4;
}

function utf8Bytes(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * The longest code-point prefix of `s` plus `…[truncated <n> bytes]` (n = UTF-8 bytes removed) whose JSON
 * literal fits in `budget` bytes. Never splits a surrogate pair.
 */
export function truncateString(s: string, budget: number): string {
  const total = Buffer.byteLength(s, 'utf8');
  const room = budget - 2 - TRUNCATION_FIXED_BYTES - String(total).length;
  let used = 0;
  let kept = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i) as number;
    const w = jsonBytes(cp);
    if (used + w > room) break;
    used += w;
    kept += utf8Bytes(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return `${s.slice(0, i)}…[truncated ${total - kept} bytes]`;
}

interface StringSlot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  size: number;
}

function collectStrings(value: unknown, out: StringSlot[], top: boolean): void {
  const visit = (holder: Record<string, unknown> | unknown[], key: string | number, v: unknown) => {
    if (typeof v === 'string') out.push({ holder, key, size: Buffer.byteLength(JSON.stringify(v), 'utf8') });
    else collectStrings(v, out, false);
  };
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) visit(value, i, v);
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) if (!(top && KEEP_WHOLE.has(k))) visit(value, k, v);
  }
}

/**
 * Water-filling: the largest cap C such that cutting every string literal longer than C down to C bytes
 * brings the event to `limit`. Every literal then shrinks by at least `size - C`, so the bound is exact
 * enough to need one pass; the longest strings lose the most and short ones are untouched.
 */
function truncateLongest(event: CollectorEvent, limit: number): void {
  const slots: StringSlot[] = [];
  collectStrings(event.data, slots, true);
  const total = eventBytes(event);
  const after = (cap: number) => slots.reduce((sum, s) => sum - Math.max(0, s.size - cap), total);
  let lo = MIN_TRUNCATED_BYTES;
  let hi = slots.reduce((m, s) => Math.max(m, s.size), lo);
  if (after(lo) > limit) hi = lo;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (after(mid) <= limit) lo = mid;
    else hi = mid - 1;
  }
  for (const s of slots) {
    if (s.size <= lo) continue;
    const text = (s.holder as Record<string | number, unknown>)[s.key] as string;
    (s.holder as Record<string | number, unknown>)[s.key] = truncateString(text, lo);
  }
}

/** (d) Removes the largest optional top-level fields (ties: key order) until the event fits. */
function dropLargestFields(event: CollectorEvent, limit: number): void {
  const keep = new Set<string>([...(REQUIRED_FIELDS[event.type] ?? []), ...KEEP_WHOLE, 'truncated']);
  const sizes = Object.entries(event.data)
    .filter(([k]) => !keep.has(k))
    .map(([k, v]) => ({ k, size: Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8') }))
    .sort((a, b) => b.size - a.size);
  for (const { k } of sizes) {
    if (eventBytes(event) <= limit) return;
    delete event.data[k];
  }
}

/**
 * Returns `event` itself when it fits in `maxEventBytes`, else a reduced copy (the input is never mutated).
 * The result fits whenever the envelope and the required fields at their minimum size do, which holds for
 * every event this module builds and any limit ≥ 4 KiB (the config minimum).
 */
export function shrinkEvent(event: CollectorEvent, maxEventBytes: number): CollectorEvent {
  const json = JSON.stringify(event);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= maxEventBytes) {
    knownBytes.set(event, bytes);
    return event;
  }
  const out = JSON.parse(json) as CollectorEvent;
  out.data.truncated = true;
  const steps: ((e: CollectorEvent) => void)[] = [
    (e) => {
      e.data = scrubBase64Value(e.data) as Record<string, unknown>;
    },
    (e) => {
      delete e.data.raw_data;
      delete e.data.raw_data_lossy;
    },
    (e) => truncateLongest(e, maxEventBytes),
    (e) => dropLargestFields(e, maxEventBytes),
  ];
  for (const step of steps) {
    if (eventBytes(out) <= maxEventBytes) break;
    step(out);
  }
  knownBytes.set(out, eventBytes(out));
  return out;
}
