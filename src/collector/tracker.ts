/**
 * SessionTracker: the publisher's durable state in SQLite (DESIGN.md §2, §3.4).
 *
 * The outbox is the messages table itself, read from each session's cursor (`last_published_seq`). A
 * cursor moves only in the transaction that records a server acknowledgement, so a batch in flight when
 * the process dies is simply sent again, and identity-based hashes make that resend harmless. Event
 * ordinals (`sequence`) are handed out once per event hash, when the event is first sent, and remembered,
 * so a resend carries the same number.
 *
 * A tracker is bound to one server (`serverUrl`): a row whose cursor refers to another server reads as
 * nothing published (cursor-sql.ts) and is started afresh when the publisher first touches it. Without a
 * server (read-only tools) rows read as stored.
 */
import type { Db } from '../store/index.js';
import { FOR_SERVER } from './cursor-sql.js';
import { type GlobalState, GlobalStore } from './global-state.js';
import { OutboxReader } from './outbox-reader.js';

export type { GlobalState } from './global-state.js';
export { type MessageRow, toLocalMessage } from './message-row.js';
export type { PendingSession } from './outbox-reader.js';

export interface PublishState {
  sessionId: string;
  cursor: number;
  status: 'active' | 'completed' | 'failed';
  sessionStartAcked: boolean;
  lastWireSequence: number;
  failedRounds: number;
  nextRetryAt: string | null;
  backfilled: boolean;
  lastPublishedAt: string | null;
}

export type Counter =
  | 'sent'
  | 'accepted'
  | 'duplicates'
  | 'rejected'
  | 'calls'
  | 'failures'
  | 'retries'
  | 'batches';

export class SessionTracker extends OutboxReader {
  private readonly st;
  private readonly globals: GlobalStore;

  constructor(db: Db, serverUrl: string | null = null) {
    super(db, serverUrl);
    this.globals = new GlobalStore(db);
    this.st = {
      state: db.prepare('SELECT * FROM collector_publish_state WHERE session_id = ?'),
      forget: db.prepare(
        `UPDATE collector_publish_state SET server_url = @url, last_published_seq = 0, last_published_at = NULL,
           status = 'active', error_message = NULL, session_start_acked = 0, last_wire_sequence = 0,
           failed_rounds = 0, next_retry_at = NULL, completed_at = NULL, updated_at = @now
         WHERE session_id = @sessionId`,
      ),
      forgetSent: db.prepare('DELETE FROM collector_sent WHERE session_id = ?'),
      ensure: db.prepare(
        `INSERT OR IGNORE INTO collector_publish_state (session_id, server_url, backfilled) VALUES (?, ?, ?)`,
      ),
      sentByHash: db
        .prepare('SELECT sequence FROM collector_sent WHERE session_id = ? AND event_hash = ?')
        .pluck(),
      sentInsert: db.prepare(
        `INSERT INTO collector_sent (session_id, sequence, message_seq, event_hash, event_type) VALUES (?, ?, ?, ?, ?)`,
      ),
      setWireSequence: db.prepare(
        `UPDATE collector_publish_state SET last_wire_sequence = ?, updated_at = ? WHERE session_id = ?`,
      ),
      ack: db.prepare(
        `UPDATE collector_publish_state SET last_published_seq = max(last_published_seq, @cursor),
           last_published_at = @now, session_start_acked = session_start_acked OR @startAcked,
           status = CASE WHEN status = 'completed' AND @cursor > last_published_seq THEN 'active' ELSE status END,
           failed_rounds = 0, next_retry_at = NULL, error_message = NULL, updated_at = @now WHERE session_id = @sessionId`,
      ),
      fail: db.prepare(
        `UPDATE collector_publish_state SET failed_rounds = failed_rounds + 1, next_retry_at = @nextRetryAt,
           error_message = @error, updated_at = @now WHERE session_id = @sessionId`,
      ),
      reject: db.prepare(
        `INSERT INTO collector_rejections (session_id, seq, event_type, event_hash, status, detail, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      rejectedHashes: db.prepare('SELECT event_hash FROM collector_rejections WHERE session_id = ?').pluck(),
      counter: db.prepare(
        `INSERT INTO collector_counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value`,
      ),
      latency: db.prepare('INSERT INTO collector_latency (latency_ms, at, backfill) VALUES (?, ?, ?)'),
    };
  }

  /**
   * The session's publish state, created on first use (`backfilled` when it predates the collector). A row
   * whose cursor refers to another server is started afresh for this one: that server's acknowledgements say
   * nothing about what this one holds, and its ordinals number another conversation.
   */
  state(sessionId: string, backfilled: boolean): PublishState {
    this.st.ensure.run(sessionId, this.serverUrl ?? '', backfilled ? 1 : 0);
    let r = this.st.state.get(sessionId) as Record<string, unknown>;
    if (this.serverUrl !== null && r.server_url !== null && r.server_url !== this.serverUrl) {
      this.db.transaction(() => {
        this.st.forget.run({ ...this.url, sessionId, now: new Date().toISOString() });
        this.st.forgetSent.run(sessionId);
      })();
      r = this.st.state.get(sessionId) as Record<string, unknown>;
    }
    return {
      sessionId,
      cursor: r.last_published_seq as number,
      status: r.status as PublishState['status'],
      sessionStartAcked: r.session_start_acked === 1,
      lastWireSequence: r.last_wire_sequence as number,
      failedRounds: r.failed_rounds as number,
      nextRetryAt: (r.next_retry_at as string | null) ?? null,
      backfilled: r.backfilled === 1,
      lastPublishedAt: (r.last_published_at as string | null) ?? null,
    };
  }

  /**
   * Gives each event its ordinal: the one it got when first batched, else the next one. Committed before the
   * batch is sent, so a crash between here and the acknowledgement resends the same numbers.
   */
  assignSequences(
    sessionId: string,
    events: { hash: string; type: string; messageSeq: number }[],
    now: string,
  ): number[] {
    return this.db.transaction(() => {
      let last = (this.st.state.get(sessionId) as { last_wire_sequence: number }).last_wire_sequence;
      const out = events.map((e) => {
        const known = this.st.sentByHash.get(sessionId, e.hash) as number | undefined;
        if (known !== undefined) return known;
        last += 1;
        this.st.sentInsert.run(sessionId, last, e.messageSeq, e.hash, e.type);
        return last;
      });
      this.st.setWireSequence.run(last, now, sessionId);
      return out;
    })();
  }

  /** The server accepted a batch: move the cursor, count, and remember the latency of each message. */
  acknowledge(
    a: {
      sessionId: string;
      cursor: number;
      startAcked: boolean;
      sent: number;
      accepted: number;
      /** Observed → acknowledged per event; `backfill` for history (observed before `liveSince`). */
      latencies: { ms: number; backfill: boolean }[];
    },
    now: string,
  ): void {
    this.db.transaction(() => {
      this.st.ack.run({ sessionId: a.sessionId, cursor: a.cursor, startAcked: a.startAcked ? 1 : 0, now });
      this.count('batches', 1);
      this.count('sent', a.sent);
      this.count('accepted', a.accepted);
      this.count('duplicates', a.sent - a.accepted);
      for (const l of a.latencies)
        this.st.latency.run(Math.max(0, Math.round(l.ms)), now, l.backfill ? 1 : 0);
    })();
  }

  roundFailed(sessionId: string, nextRetryAt: string, error: string, now: string): void {
    this.st.fail.run({ sessionId, nextRetryAt, error, now });
  }

  /**
   * Every session waiting for its retry time may try at once (the server answers again after an outage).
   * `failed_rounds` stays, so a session that fails for a reason of its own goes on backing off. Returns how
   * many sessions were waiting.
   */
  retryWaitingNow(now: string): number {
    return this.db
      .prepare(
        'UPDATE collector_publish_state SET next_retry_at = NULL, updated_at = ? WHERE next_retry_at IS NOT NULL',
      )
      .run(now).changes;
  }

  reject(
    r: { sessionId: string; seq: number; type: string; hash: string; status: number | null; detail: string },
    now: string,
  ) {
    this.st.reject.run(r.sessionId, r.seq, r.type, r.hash, r.status, r.detail, now);
    this.count('rejected', 1);
  }

  rejectedHashes(sessionId: string): Set<string> {
    return new Set(this.st.rejectedHashes.all(sessionId) as string[]);
  }

  count(name: Counter, by: number): void {
    if (by !== 0) this.st.counter.run(name, by);
  }

  global(): GlobalState {
    return this.globals.get();
  }

  setGlobal(patch: Partial<GlobalState>): void {
    this.globals.set(patch);
  }

  /** What `collector status` reports as health: the outcome of the last request that reached a verdict. */
  recordRequest(ok: boolean, detail: string | null, now: string): void {
    this.globals.recordRequest(ok, detail, now);
  }

  /**
   * Legacy 409 recovery: the server holds ordinals up to `lastSequence`; move the cursor back to just before
   * the message whose event carries `lastSequence + 1`, so the resend starts there with the same ordinals.
   * False when no event of this session has that ordinal (nothing to resend from).
   */
  rewindTo(sessionId: string, lastSequence: number): boolean {
    const row = this.db
      .prepare('SELECT message_seq, event_type FROM collector_sent WHERE session_id = ? AND sequence = ?')
      .get(sessionId, lastSequence + 1) as { message_seq: number; event_type: string } | undefined;
    if (!row) return false;
    this.db
      .prepare(
        `UPDATE collector_publish_state SET last_published_seq = ?, session_start_acked = ?, updated_at = ?
         WHERE session_id = ?`,
      )
      .run(
        Math.max(0, row.message_seq - 1),
        row.event_type === 'session_start' ? 0 : 1,
        new Date().toISOString(),
        sessionId,
      );
    return true;
  }

  markCompleted(sessionId: string, now: string): void {
    this.db
      .prepare(
        `UPDATE collector_publish_state SET status = 'completed', completed_at = ?, updated_at = ? WHERE session_id = ?`,
      )
      .run(now, now, sessionId);
  }

  clearPause(): void {
    this.globals.clearPause();
  }

  /**
   * Forgets every cursor (after the user confirmed a new server, or a server that lost its data): server
   * dedup makes the resend safe. What is sent from now on counts as backfill for latency. Returns how many
   * sessions had something acknowledged.
   */
  resetCursors(serverUrl: string, now: string = new Date().toISOString()): number {
    return this.db.transaction(() => {
      const had = this.db
        .prepare('SELECT count(*) FROM collector_publish_state WHERE last_published_seq > 0')
        .pluck()
        .get() as number;
      this.db.exec('DELETE FROM collector_publish_state; DELETE FROM collector_sent;');
      this.setGlobal({ serverUrl, liveSince: now });
      this.clearPause();
      return had;
    })();
  }

  /**
   * `collector resume SESSION`: the session retries at once (a failed status, a failed-round count and its
   * wait are cleared). Returns what there was to lift, or null when the session had nothing waiting.
   */
  retryNow(sessionId: string, now: string): { failedRounds: number; error: string | null } | null {
    const r = this.db
      .prepare(
        `SELECT failed_rounds AS failedRounds, error_message AS error FROM collector_publish_state p
         WHERE session_id = @sessionId AND ${FOR_SERVER}
           AND (status = 'failed' OR failed_rounds > 0 OR next_retry_at IS NOT NULL)`,
      )
      .get({ ...this.url, sessionId }) as { failedRounds: number; error: string | null } | undefined;
    if (!r) return null;
    this.db
      .prepare(
        `UPDATE collector_publish_state SET status = CASE WHEN status = 'failed' THEN 'active' ELSE status END,
           failed_rounds = 0, next_retry_at = NULL, error_message = NULL, updated_at = ? WHERE session_id = ?`,
      )
      .run(now, sessionId);
    return r;
  }
}
