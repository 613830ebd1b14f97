/**
 * The contract check run on every event before it is sent (catsyphon-contract.md §5). It covers what the
 * server refuses with 422 (types of typed fields, per-type required fields, batch size, hash length) and what
 * it accepts but then fails the whole batch on with 500 ("beyond the schema": author_role values, varchar
 * lengths, plus NUL and lone surrogates, which Postgres cannot store). Problems are returned as values:
 * an empty list means valid.
 */
import type { CollectorEvent } from './types.js';

export const AUTHOR_ROLES: ReadonlySet<string> = new Set([
  'human',
  'caller',
  'assistant',
  'agent',
  'tool',
  'system',
]);

export const EVENT_TYPES: ReadonlySet<string> = new Set([
  'session_start',
  'session_end',
  'message',
  'tool_call',
  'tool_result',
  'thinking',
  'error',
  'metadata',
]);

/** Per-type required `data` fields; the server counts `""` as missing. */
export const REQUIRED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  session_start: ['agent_type'],
  message: ['author_role', 'message_type'],
  tool_call: ['tool_name', 'tool_use_id'],
  tool_result: ['tool_use_id'],
  session_end: ['outcome'],
};

const STRING_FIELDS = [
  'author_role',
  'message_type',
  'content',
  'model',
  'thinking_content',
  'stop_reason',
  'tool_name',
  'tool_use_id',
  'result',
  'error_message',
  'agent_type',
  'agent_version',
  'working_directory',
  'git_branch',
  'parent_session_id',
  'slug',
  'outcome',
  'summary',
];
const OBJECT_FIELDS = ['thinking_metadata', 'raw_data', 'parameters', 'context_semantics'];
const INT_FIELDS = ['total_messages', 'total_tool_calls'];
const OBJECT_ARRAY_FIELDS = ['summaries', 'compaction_events', 'plans'];
/** Columns of varchar(50): lengths in characters (code points), as Postgres counts them. */
const VARCHAR_50 = ['agent_type', 'agent_version'];

export const MAX_BATCH_EVENTS = 50;
export const MAX_SESSION_ID_CHARS = 255;
export const MAX_EVENT_HASH_CHARS = 32;

/** ISO-8601 date-time with optional fraction (≤ 6 digits, what the server keeps) and optional offset. */
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const SUSPECT_UNITS = /[\u0000\uD800-\uDFFF]/;
const BAD_UNITS = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The cheap scan first: almost no string holds a surrogate or NUL at all. */
function hasBadUnits(s: string): boolean {
  return SUSPECT_UNITS.test(s) && BAD_UNITS.test(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function isIsoDatetime(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = ISO_DATETIME.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  const date = new Date(Date.UTC(y as number, (mo as number) - 1, d as number));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === (mo as number) - 1 &&
    date.getUTCDate() === d &&
    (h as number) < 24 &&
    (mi as number) < 60 &&
    (s as number) < 60
  );
}

/**
 * Paths of strings (values or keys) holding U+0000 or a lone surrogate, in document order. An explicit stack,
 * not recursion: the validator must answer for any event, however deeply a hand-built one nests.
 */
function badStrings(root: unknown, rootPath: string, out: string[]): void {
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    const children: [unknown, string][] = [];
    if (typeof value === 'string') {
      if (hasBadUnits(value)) out.push(`${path}: contains U+0000 or a lone surrogate`);
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) children.push([v, `${path}[${i}]`]);
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (hasBadUnits(k)) out.push(`${path}: key ${JSON.stringify(k)} contains U+0000 or a lone surrogate`);
        children.push([v, `${path}.${k}`]);
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

function checkTypedFields(data: Record<string, unknown>, out: string[]): void {
  // A typed field may be null: pydantic treats it as absent (required fields are checked separately).
  const present = (k: string) => data[k] !== undefined && data[k] !== null;
  for (const k of STRING_FIELDS)
    if (present(k) && typeof data[k] !== 'string') out.push(`data.${k}: must be a string`);
  for (const k of OBJECT_FIELDS)
    if (present(k) && !isObject(data[k])) out.push(`data.${k}: must be an object`);
  for (const k of INT_FIELDS)
    if (present(k) && !Number.isInteger(data[k])) out.push(`data.${k}: must be an integer`);
  for (const k of OBJECT_ARRAY_FIELDS) {
    const v = data[k];
    if (present(k) && !(Array.isArray(v) && v.every(isObject)))
      out.push(`data.${k}: must be an array of objects`);
  }
  const files = data.files_touched;
  if (present('files_touched') && !(Array.isArray(files) && files.every((f) => typeof f === 'string'))) {
    out.push('data.files_touched: must be an array of strings');
  }
  if (present('success') && typeof data.success !== 'boolean') out.push('data.success: must be a boolean');
  if (present('token_usage')) {
    const usage = data.token_usage;
    if (!isObject(usage)) out.push('data.token_usage: must be an object');
    else {
      for (const [k, v] of Object.entries(usage)) {
        if (typeof v !== 'number' || !Number.isInteger(v))
          out.push(`data.token_usage.${k}: must be an integer`);
      }
    }
  }
}

function checkServerLimits(type: string, data: Record<string, unknown>, out: string[]): void {
  for (const k of REQUIRED_FIELDS[type] ?? []) {
    if (data[k] === undefined || data[k] === null || data[k] === '') {
      out.push(`data.${k}: required on ${type} events`);
    }
  }
  const role = data.author_role;
  if (typeof role === 'string' && !AUTHOR_ROLES.has(role)) {
    out.push(`data.author_role: ${JSON.stringify(role)} is not one of ${[...AUTHOR_ROLES].join(', ')}`);
  }
  for (const k of VARCHAR_50) {
    const v = data[k];
    if (typeof v === 'string' && codePoints(v) > 50) out.push(`data.${k}: longer than 50 characters`);
  }
}

export function validateEvent(e: CollectorEvent): string[] {
  const out: string[] = [];
  if (!isObject(e)) return ['event: must be an object'];
  if (typeof e.type !== 'string') out.push('type: must be a string');
  else if (!EVENT_TYPES.has(e.type)) out.push(`type: ${JSON.stringify(e.type)} is not a known event type`);
  if (!isIsoDatetime(e.emitted_at)) out.push('emitted_at: must be an ISO-8601 date-time');
  if (!isIsoDatetime(e.observed_at)) out.push('observed_at: must be an ISO-8601 date-time');
  if (e.event_hash !== undefined && e.event_hash !== null) {
    if (typeof e.event_hash !== 'string') out.push('event_hash: must be a string');
    else if (codePoints(e.event_hash) > MAX_EVENT_HASH_CHARS)
      out.push('event_hash: longer than 32 characters');
  }
  if (e.sequence !== undefined && !(Number.isSafeInteger(e.sequence) && e.sequence >= 1)) {
    out.push('sequence: must be a positive integer');
  }
  if (!isObject(e.data)) {
    out.push('data: must be an object');
    return out;
  }
  checkTypedFields(e.data, out);
  checkServerLimits(typeof e.type === 'string' ? e.type : '', e.data, out);
  badStrings(e.data, 'data', out);
  return out;
}

/** Checks a whole `POST /collectors/events` body; each event problem is prefixed with `events[i]`. */
export function validateBatch(sessionId: string, events: readonly CollectorEvent[]): string[] {
  const out: string[] = [];
  if (typeof sessionId !== 'string' || sessionId.length === 0)
    out.push('session_id: must be a non-empty string');
  else {
    if (codePoints(sessionId) > MAX_SESSION_ID_CHARS) out.push('session_id: longer than 255 characters');
    if (sessionId.includes('/')) out.push('session_id: contains "/" (status and complete cannot address it)');
    if (hasBadUnits(sessionId)) out.push('session_id: contains U+0000 or a lone surrogate');
  }
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_BATCH_EVENTS) {
    out.push(`events: must hold 1..${MAX_BATCH_EVENTS} events`);
    if (!Array.isArray(events)) return out;
  }
  // The server stores both copies of an in-batch duplicate hash (contract §7), so a batch must not hold one.
  const seen = new Map<string, number>();
  events.forEach((e, i) => {
    for (const p of validateEvent(e)) out.push(`events[${i}].${p}`);
    const h = isObject(e) ? e.event_hash : undefined;
    if (typeof h === 'string' && h !== '') {
      const first = seen.get(h);
      if (first !== undefined) out.push(`events[${i}].event_hash: same as events[${first}]`);
      else seen.set(h, i);
    }
  });
  return out;
}
