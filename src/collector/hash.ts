/**
 * Identity-based event hashes (DESIGN.md §3.3). The server trusts the hash for dedup within a session: a
 * later event reusing a hash is silently dropped, so the hash must be unique per published event and stable
 * across retries, restarts, a rebuilt database and any discovery order. It is therefore built only from the
 * wire session id, the record identity and a part number: never seq, row id, path, observed_at or the clock.
 *
 * Preimage: `aiobscura/v1\n` + JSON.stringify([wireSessionId, recordIdentity, part]). JSON encoding is
 * injective (it escapes quotes, newlines and lone surrogates), so distinct triples never share a preimage,
 * which a plain `\n`-joined string could not promise for ids containing newlines.
 *
 * Part scheme:
 * - a stored message: part 0 ({@link HASH_PART.event}) for its own event, part 1 ({@link HASH_PART.usage}) for
 *   the extra `message` event carrying its response's token usage (events.ts);
 * - session-level events use the empty identity, which no stored message has (identities are
 *   `claude:…` / `codex:…`), with negative parts: -1 `session_start`, -2 `session_end`.
 * Bump the version prefix only if every hash is meant to change (it would republish everything).
 */
import { createHash } from 'node:crypto';

export const HASH_VERSION = 'aiobscura/v1';

export const HASH_PART = {
  event: 0,
  usage: 1,
  sessionStart: -1,
  sessionEnd: -2,
} as const;

/** Identity of session-level events (session_start, session_end). */
export const SESSION_IDENTITY = '';

/** First 32 lowercase hex chars of SHA-256 over the versioned preimage (the server's limit is 32 chars). */
export function eventHash(wireSessionId: string, recordIdentity: string, part: number): string {
  // NaN or Infinity would serialize as `null` and alias each other.
  if (!Number.isSafeInteger(part))
    throw new RangeError(`eventHash: part must be a safe integer, got ${part}`);
  const preimage = `${HASH_VERSION}\n${JSON.stringify([wireSessionId, recordIdentity, part])}`;
  return createHash('sha256').update(preimage, 'utf8').digest('hex').slice(0, 32);
}

/**
 * A stand-in `tool_use_id` for a tool call or result whose record has none (the server requires the field).
 * Derived from the record identity alone, so it is stable and unique; it cannot link a call to its result,
 * which nothing local can either.
 */
export function derivedToolUseId(recordIdentity: string): string {
  return `aiobscura-${createHash('sha256').update(JSON.stringify(recordIdentity), 'utf8').digest('hex').slice(0, 24)}`;
}
