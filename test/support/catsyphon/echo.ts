/**
 * The `echoAuth` mode: a careless server (or proxy) that copies the request's Authorization header into what
 * it answers. Nothing like it exists in CatSyphon; it is the adversary of the key-leak test, so it echoes the
 * header in every form a log or a database could end up holding: raw, URL-encoded (JavaScript's
 * `encodeURIComponent` and Python's `quote`, which keeps `/`), base64 and base64url of the whole header and of
 * the bare key, and inside JSON strings also written with escapes (`\/`, `\uXXXX`) that only decoding the
 * JSON turns back into the key.
 */

import type { Reply } from './http.js';

/** `Authorization: Bearer <key>` as one line of text in all its encoded forms. */
export function authEcho(authorization: string): string {
  const key = authorization.replace(/^Bearer\s+/i, '');
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
  return [
    `authorization=${authorization}`,
    `key=${key}`,
    `urlencoded=${encodeURIComponent(authorization)}`,
    `quoted=${encodeURIComponent(authorization).replace(/%2F/g, '/')}`,
    `b64=${b64(authorization)}`,
    `b64url=${b64url(authorization)}`,
    `key_b64=${b64(key)}`,
    `key_b64url=${b64url(key)}`,
  ].join(' ');
}

/** Placeholders replaced after JSON.stringify, which would otherwise escape the escapes. */
const SLASHES = '@@echo-slashes@@';
const UNICODE = '@@echo-unicode@@';

/** A copy of `reply` leaking `authorization`; JSON stays valid JSON of the same shape when it was valid. */
export function echoInto(reply: Reply, authorization: string): Reply {
  const echo = authEcho(authorization);
  const headers = { ...(reply.headers ?? {}) };
  const locationKey = Object.keys(headers).find((h) => h.toLowerCase() === 'location');
  if (locationKey !== undefined) {
    const location = headers[locationKey] ?? '';
    headers[locationKey] =
      `${location}${location.includes('?') ? '&' : '?'}auth=${encodeURIComponent(authorization)}`;
  }
  const text = typeof reply.body === 'string' ? reply.body : reply.body.toString('utf8');
  let body = `${text}${text.length > 0 ? ' ' : ''}${echo}`;
  if (reply.contentType?.includes('json')) {
    try {
      const withMarks = `${echo} slashes=${SLASHES} unicode=${UNICODE}`;
      const slashes = authorization.replace(/\//g, '\\/');
      const unicode = [...authorization]
        .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
        .join('');
      body = JSON.stringify(leakIntoJson(JSON.parse(text) as unknown, withMarks))
        .split(SLASHES)
        .join(slashes)
        .split(UNICODE)
        .join(unicode);
    } catch {
      // malformed on purpose: the echo is appended to the broken text
    }
  }
  return { ...reply, body, headers };
}

/** `detail` strings and 422 `msg`s get the echo appended; any other JSON gets an `authorization` field. */
function leakIntoJson(value: unknown, echo: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { detail: value, echo };
  const rec = { ...(value as Record<string, unknown>) };
  if (typeof rec.detail === 'string') rec.detail = `${rec.detail} (${echo})`;
  else if (Array.isArray(rec.detail)) {
    rec.detail = rec.detail.map((item: unknown) =>
      typeof item === 'object' && item !== null && typeof (item as { msg?: unknown }).msg === 'string'
        ? { ...item, msg: `${(item as { msg: string }).msg} (${echo})` }
        : item,
    );
  } else rec.authorization = echo;
  return rec;
}
