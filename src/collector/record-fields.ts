/**
 * Fields read out of a stored row's raw material for the mapping (events.ts): the raw JSONL line as
 * `raw_data`, the error class of an error record, and the tool input as `parameters`. Pure.
 */
import { isPlainObject, MAX_EVENT_DEPTH } from './sanitize.js';
import type { LocalMessage } from './types.js';

type Data = Record<string, unknown>;

export interface RawLine {
  value: Data;
  lossy: boolean;
}

const DEEP_PLACEHOLDER = `[nested deeper than ${MAX_EVENT_DEPTH} levels omitted]`;

/**
 * Opaque model state that must never leave the machine (DESIGN.md §3.2: "never `signature` or
 * `encrypted_content`"), not even inside `raw_data`: Claude thinking `signature`, Claude `redacted_thinking`
 * `data`, and Codex reasoning `encrypted_content`. Returns a copy without them.
 */
export function withoutOpaque(value: unknown, depth = 1): unknown {
  const container = Array.isArray(value) || isPlainObject(value);
  // A hostile line can nest deeper than the stack allows. Past the depth an event keeps as structure, the
  // part is dropped rather than walked: it cannot be checked for opaque state, and raw_data is optional.
  if (container && depth > MAX_EVENT_DEPTH) return DEEP_PLACEHOLDER;
  if (Array.isArray(value)) return value.map((v) => withoutOpaque(v, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Data = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'encrypted_content') continue;
    if (k === 'signature' && value.type === 'thinking') continue;
    if (k === 'data' && value.type === 'redacted_thinking') continue;
    out[k] = withoutOpaque(v, depth + 1);
  }
  return out;
}

/**
 * The raw JSONL line as an object (`{line}` when it is not a JSON object), without opaque model state; lossy
 * when the stored bytes are not valid UTF-8.
 */
export function rawLine(msg: LocalMessage): RawLine | null {
  if (msg.raw === null) return null;
  // Buffer's UTF-8 decoder replaces invalid sequences with U+FFFD: the lossy decode the flag announces.
  const text = msg.raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    parsed = undefined;
  }
  return {
    value: isPlainObject(parsed) ? (withoutOpaque(parsed) as Data) : { line: text },
    lossy: !msg.rawIsUtf8,
  };
}

function pick(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const k of path) v = isPlainObject(v) ? v[k] : undefined;
  return v;
}

/**
 * A short error class from the raw record: Codex `payload.error.kind` / `payload.codex_error_info`, Claude
 * API error bodies (`error.error.error.type`, `error.error.type`), a string `error` (Claude's synthetic
 * assistant error), else the record subtype; `error` when nothing names it.
 */
export function errorType(raw: Data | null): string {
  if (raw === null) return 'error';
  // codex_error_info is a string, or an object with one key naming the error (`{"http_connection_failed": …}`).
  const info = pick(raw, 'payload', 'codex_error_info');
  const infoKey = isPlainObject(info) && Object.keys(info).length === 1 ? Object.keys(info)[0] : undefined;
  const candidates = [
    pick(raw, 'payload', 'error', 'kind'),
    info,
    infoKey,
    pick(raw, 'error', 'error', 'error', 'type'),
    pick(raw, 'error', 'error', 'type'),
    pick(raw, 'error', 'type'),
    raw.error,
    raw.subtype,
  ];
  for (const c of candidates) {
    // The bare word `error` (Anthropic's outer envelope type) says nothing; a later candidate may.
    if (typeof c === 'string' && c.trim() !== '' && c.trim() !== 'error') return c.trim();
  }
  return 'error';
}

export function toolParameters(toolInput: string | null): Data {
  if (toolInput === null) return {};
  try {
    const parsed: unknown = JSON.parse(toolInput);
    return isPlainObject(parsed) ? parsed : { input: parsed };
  } catch {
    return { input: toolInput };
  }
}
