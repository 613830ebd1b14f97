import type { Db } from './db.js';

/**
 * Whether a stored message may already be on the server: acknowledged (at or below the session's cursor) or
 * handed to a request (an event ordinal was recorded for it, which happens synchronously before the request
 * goes out, so a batch still in flight counts as sent). A message that may be on the server must never change
 * owner or content again: the server keeps the first copy of every event it stores.
 *
 * The collector tables exist in every database (migrations always run in full), so this works, and answers
 * "no", while publishing is disabled.
 */
export class SentCheck {
  private readonly cursor;
  private readonly ordinal;

  constructor(db: Db) {
    this.cursor = db
      .prepare('SELECT last_published_seq FROM collector_publish_state WHERE session_id = ?')
      .pluck();
    this.ordinal = db
      .prepare('SELECT 1 FROM collector_sent WHERE session_id = ? AND message_seq = ? LIMIT 1')
      .pluck();
  }

  sent(sessionId: string, seq: number): boolean {
    const cursor = this.cursor.get(sessionId) as number | undefined;
    if (cursor !== undefined && cursor >= seq) return true;
    return this.ordinal.get(sessionId, seq) !== undefined;
  }
}
