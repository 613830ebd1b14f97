/**
 * Wire session ids (DESIGN.md §3.1). The wire id is the assistant's own session id whenever the server can
 * store and address it; anything else is replaced by a stable digest so it still names one session forever.
 */
import { createHash } from 'node:crypto';

/**
 * What the server can take as is: 1..255 characters (Postgres varchar counts code points, hence the `u` flag),
 * no `/` (GET status and /complete cannot route it, contract §9), no U+0000 (Postgres text cannot hold it).
 */
const USABLE_ID = /^[^/\u0000]{1,255}$/u;

/** A lone surrogate would be rewritten to U+FFFD by sanitizing, so two ids could collapse into one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isUsableWireId(id: string): boolean {
  return USABLE_ID.test(id) && !LONE_SURROGATE.test(id);
}

/**
 * `localSessionId` as CatSyphon's `session_id`: unchanged when usable, else `h:` + the first 40 hex chars of
 * its SHA-256 (over UTF-8; an ill-formed id is hashed in its JSON-escaped form so that distinct ids never
 * share a digest through the lossy UTF-8 encoding of lone surrogates).
 */
export function wireSessionId(localSessionId: string): string {
  if (isUsableWireId(localSessionId)) return localSessionId;
  const text = LONE_SURROGATE.test(localSessionId) ? JSON.stringify(localSessionId) : localSessionId;
  return `h:${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 40)}`;
}
