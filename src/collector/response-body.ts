/**
 * Reading FastAPI's error bodies (contract §1) into short, printable details. Pure; used by `classify.ts`.
 * Bodies are untrusted: anything may arrive (an nginx page, the web UI's index.html, megabytes of SQL), so
 * every detail is flattened to one line and clipped, and validation items keep `loc` and `msg` but never
 * `input` (which would copy transcript content into logs and the rejections table).
 */

/** Longest detail kept in an outcome; enough for any FastAPI message, short enough to store per rejection. */
export const MAX_DETAIL_CHARS = 500;

/** The parts of a response that classification reads. `headers` is fetch's `Headers` or anything like it. */
export interface ResponseView {
  status: number;
  headers: { get(name: string): string | null };
  /** Decoded body, possibly cut at the client's `maxResponseBytes` (then `truncated`), key already scrubbed. */
  bodyText: string;
  contentType: string | null;
  truncated?: boolean;
}

/** One item of a FastAPI 422 `detail` list. */
export interface ValidationItem {
  loc: (string | number)[];
  msg: string;
}

export function isJsonContentType(contentType: string | null): boolean {
  return contentType !== null && /^\s*application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType);
}

/** The parsed body, or undefined when it is not JSON (or was cut off, which makes it not JSON either). */
export function parseJsonBody(r: ResponseView): unknown {
  if (r.truncated) return undefined;
  try {
    return JSON.parse(r.bodyText) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** `detail` as a string when the body is `{"detail": "<string>"}` (FastAPI's HTTPException form). */
export function stringDetail(r: ResponseView): string | null {
  const json = parseJsonBody(r);
  return isRecord(json) && typeof json.detail === 'string' ? json.detail : null;
}

/** The items of a 422 `{"detail": [...]}`, or null when the body is not that shape. */
export function validationItems(r: ResponseView): ValidationItem[] | null {
  const json = parseJsonBody(r);
  if (!isRecord(json) || !Array.isArray(json.detail)) return null;
  const items: ValidationItem[] = [];
  for (const raw of json.detail) {
    if (!isRecord(raw) || !Array.isArray(raw.loc)) return null;
    const loc = raw.loc.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    if (loc.length !== raw.loc.length) return null;
    items.push({ loc, msg: typeof raw.msg === 'string' ? raw.msg : String(raw.type ?? 'invalid') });
  }
  return items;
}

export function describeItem(item: ValidationItem): string {
  return `${item.loc.join('.')}: ${item.msg}`;
}

/**
 * The server's detail in one line: the `detail` string, the 422 items as `loc: msg; …`, another JSON body
 * compacted, or the raw text (e.g. `Internal Server Error`, an HTML page) with whitespace collapsed.
 */
export function serverDetail(r: ResponseView): string {
  const json = parseJsonBody(r);
  let text: string;
  if (isRecord(json) && typeof json.detail === 'string') text = json.detail;
  else if (isRecord(json) && Array.isArray(json.detail)) {
    const items = validationItems(r);
    text = items ? items.map(describeItem).join('; ') : JSON.stringify(json.detail);
  } else if (json !== undefined)
    text = JSON.stringify(isRecord(json) && 'detail' in json ? json.detail : json);
  else text = r.bodyText;
  return clip(text || '(empty body)', r.truncated === true);
}

/** One line, at most MAX_DETAIL_CHARS; `cut` marks text that was already cut before it got here. */
export function clip(text: string, cut = false): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_DETAIL_CHARS && !cut) return flat;
  let end = Math.min(flat.length, MAX_DETAIL_CHARS);
  // Never leave half a surrogate pair: it would not survive storage as UTF-8.
  if (end < flat.length && /[\uD800-\uDBFF]/.test(flat.charAt(end - 1))) end--;
  return `${flat.slice(0, end)}…[truncated]`;
}

/** `status (content-type)` for protocol details, e.g. `200 (text/html)`. */
export function describeResponse(r: ResponseView): string {
  const type = r.contentType?.split(';')[0]?.trim();
  return type ? `${r.status} (${type})` : `${r.status}`;
}
