/**
 * SessionTracker: the publisher's durable state in SQLite (DESIGN.md §2, §3.4).
 *
 * The outbox is the messages table itself, read from each session's cursor (`last_published_seq`). A
 * cursor moves only in the transaction that records a server acknowledgement, so a batch in flight when
 * the process dies is simply sent again, and identity-based hashes make that resend harmless. Event
 * ordinals (`sequence`) are handed out once per event hash and remembered, so a resend carries the same
 * number.
 */
import type { Db } from '../store/index.js';
import type { LocalMessage, LocalSession } from './types.js';

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

export interface PendingSession {
  sessionId: string;
  cursor: number;
  /** observed_at of the first message waiting to be sent: the age that triggers a flush. */
  oldestObservedAt: string;
  nextRetryAt: string | null;
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

export interface GlobalState {
  serverUrl: string | null;
  enabledAt: string | null;
  pausedReason: string | null;
  pausedDetail: string | null;
  pausedAt: string | null;
  pausedConfig: string | null;
  location: string | null;
}

/** A `messages` row joined with its thread key and raw record, as the publisher reads it. */
export interface MessageRow {
  id: number;
  session_id: string;
  seq: number;
  identity: string;
  thread_key: string;
  emitted_at: string;
  observed_at: string;
  message_type: LocalMessage['messageType'];
  author_role: LocalMessage['authorRole'];
  content: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  tool_input: string | null;
  tool_result: string | null;
  is_error: number;
  model: string | null;
  stop_reason: string | null;
  tokens_input: number | null;
  tokens_output: number | null;
  tokens_cache_read: number | null;
  tokens_cache_creation: number | null;
  publishable: number;
  raw: Buffer | null;
  raw_is_utf8: number;
}

export function toLocalMessage(r: MessageRow): LocalMessage {
  return {
    id: r.id,
    sessionId: r.session_id,
    seq: r.seq,
    identity: r.identity,
    threadKey: r.thread_key,
    emittedAt: r.emitted_at,
    observedAt: r.observed_at,
    messageType: r.message_type,
    authorRole: r.author_role,
    content: r.content,
    toolName: r.tool_name,
    toolUseId: r.tool_use_id,
    toolInput: r.tool_input,
    toolResult: r.tool_result,
    isError: r.is_error === 1,
    model: r.model,
    stopReason: r.stop_reason,
    tokens:
      r.tokens_output === null
        ? null
        : {
            input: r.tokens_input ?? 0,
            output: r.tokens_output,
            cacheRead: r.tokens_cache_read ?? 0,
            cacheCreation: r.tokens_cache_creation ?? 0,
          },
    raw: r.raw,
    rawIsUtf8: r.raw_is_utf8 === 1,
  };
}

/** A session's cursor and whether the first message after it may be sent. */
const PENDING_SELECT = `SELECT s.id AS sessionId, coalesce(p.last_published_seq, 0) AS cursor,
    p.next_retry_at AS nextRetryAt,
    (SELECT m.observed_at FROM messages m WHERE m.session_id = s.id AND m.seq > coalesce(p.last_published_seq, 0)
       ORDER BY m.seq LIMIT 1) AS oldestObservedAt,
    (SELECT m.publishable FROM messages m WHERE m.session_id = s.id AND m.seq > coalesce(p.last_published_seq, 0)
       ORDER BY m.seq LIMIT 1) AS firstPublishable
  FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id`;

type PendingRow = PendingSession & { firstPublishable: number | null };

function publishable(rows: PendingRow[]): PendingSession[] {
  return rows.filter((r) => r.firstPublishable === 1).map(({ firstPublishable: _f, ...r }) => r);
}

export class SessionTracker {
  private readonly st;

  constructor(private readonly db: Db) {
    this.st = {
      pending: db.prepare(`${PENDING_SELECT} WHERE coalesce(p.status, 'active') != 'failed'`),
      pendingOne: db.prepare(`${PENDING_SELECT} WHERE s.id = ? AND coalesce(p.status, 'active') != 'failed'`),
      messages: db.prepare(
        `SELECT m.*, t.thread_key, r.raw, r.raw_is_utf8 FROM messages m
           JOIN threads t ON t.id = m.thread_id LEFT JOIN records r ON r.id = m.record_id
         WHERE m.session_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
      ),
      session: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      publishableFlags: db
        .prepare('SELECT publishable FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?')
        .pluck(),
      state: db.prepare('SELECT * FROM collector_publish_state WHERE session_id = ?'),
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
      latency: db.prepare('INSERT INTO collector_latency (latency_ms, at) VALUES (?, ?)'),
      global: db.prepare('SELECT * FROM collector_state WHERE id = 1'),
    };
  }

  /** Sessions with something to send: the first message after the cursor exists and is publishable. */
  pending(): PendingSession[] {
    return publishable(this.st.pending.all() as PendingRow[]);
  }

  /** The same check for a few sessions named by ingest, without scanning every session. */
  pendingAmong(sessionIds: Iterable<string>): PendingSession[] {
    const rows: PendingRow[] = [];
    for (const id of sessionIds) {
      const r = this.st.pendingOne.get(id) as PendingRow | undefined;
      if (r) rows.push(r);
    }
    return publishable(rows);
  }

  /** How many messages after the cursor could be sent now, counting at most `limit`. */
  publishableCount(sessionId: string, cursor: number, limit: number): number {
    const rows = this.st.publishableFlags.all(sessionId, cursor, limit) as number[];
    const firstOpen = rows.indexOf(0);
    return firstOpen === -1 ? rows.length : firstOpen;
  }

  /** Up to `limit` messages after the cursor, stopping before the first one that may still change. */
  messagesAfter(sessionId: string, cursor: number, limit: number): LocalMessage[] {
    const rows = this.st.messages.all(sessionId, cursor, limit) as MessageRow[];
    const out: LocalMessage[] = [];
    for (const r of rows) {
      if (r.publishable !== 1) break;
      out.push(toLocalMessage(r));
    }
    return out;
  }

  session(sessionId: string): LocalSession | null {
    const r = this.st.session.get(sessionId) as Record<string, string | null> | undefined;
    if (!r) return null;
    return {
      id: sessionId,
      assistant: r.assistant === 'codex' ? 'codex' : 'claude',
      cwd: r.cwd ?? null,
      gitBranch: r.git_branch ?? null,
      assistantVersion: r.assistant_version ?? null,
      parentSessionId: r.parent_session_id ?? null,
      slug: r.slug ?? null,
      startedAt: r.started_at ?? null,
    };
  }

  /** When the session was first stored locally (local clock). */
  sessionCreatedAt(sessionId: string): string | null {
    return (
      (this.db.prepare('SELECT created_at FROM sessions WHERE id = ?').pluck().get(sessionId) as string) ??
      null
    );
  }

  /** The session's publish state, created on first use (`backfilled` when it predates the collector). */
  state(sessionId: string, serverUrl: string, backfilled: boolean): PublishState {
    this.st.ensure.run(sessionId, serverUrl, backfilled ? 1 : 0);
    const r = this.st.state.get(sessionId) as Record<string, unknown>;
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
      latenciesMs: number[];
    },
    now: string,
  ): void {
    this.db.transaction(() => {
      this.st.ack.run({ sessionId: a.sessionId, cursor: a.cursor, startAcked: a.startAcked ? 1 : 0, now });
      this.count('batches', 1);
      this.count('sent', a.sent);
      this.count('accepted', a.accepted);
      this.count('duplicates', a.sent - a.accepted);
      for (const l of a.latenciesMs) this.st.latency.run(Math.max(0, Math.round(l)), now);
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
    const r = this.st.global.get() as Record<string, string | null> | undefined;
    return {
      serverUrl: r?.server_url ?? null,
      enabledAt: r?.enabled_at ?? null,
      pausedReason: r?.paused_reason ?? null,
      pausedDetail: r?.paused_detail ?? null,
      pausedAt: r?.paused_at ?? null,
      pausedConfig: r?.paused_config ?? null,
      location: r?.location ?? null,
    };
  }

  setGlobal(patch: Partial<GlobalState>): void {
    const next = { ...this.global(), ...patch };
    this.db
      .prepare(
        `INSERT INTO collector_state (id, server_url, enabled_at, paused_reason, paused_detail, paused_at, paused_config, location)
         VALUES (1, @serverUrl, @enabledAt, @pausedReason, @pausedDetail, @pausedAt, @pausedConfig, @location)
         ON CONFLICT(id) DO UPDATE SET server_url = excluded.server_url, enabled_at = excluded.enabled_at,
           paused_reason = excluded.paused_reason, paused_detail = excluded.paused_detail,
           paused_at = excluded.paused_at, paused_config = excluded.paused_config, location = excluded.location`,
      )
      .run(next);
  }

  /**
   * Legacy 409 recovery: the server holds ordinals up to `lastSequence`; move the cursor back to just before
   * the message whose event carries `lastSequence + 1`, so the resend starts there with the same ordinals.
   */
  rewindTo(sessionId: string, lastSequence: number): void {
    const row = this.db
      .prepare('SELECT message_seq, event_type FROM collector_sent WHERE session_id = ? AND sequence = ?')
      .get(sessionId, lastSequence + 1) as { message_seq: number; event_type: string } | undefined;
    if (!row) return;
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
  }

  /**
   * Sessions eligible for an opt-in `session_end` (DESIGN.md §3.6): fully published, started after the
   * collector was enabled (not backfilled history), not completed, with their last message observed before
   * `idleBefore`.
   */
  idleCompleted(idleBefore: string): { sessionId: string; lastSeq: number; lastEmittedAt: string }[] {
    return this.db
      .prepare(
        `SELECT p.session_id AS sessionId, p.last_published_seq AS lastSeq, m.emitted_at AS lastEmittedAt
         FROM collector_publish_state p JOIN sessions s ON s.id = p.session_id
         JOIN messages m ON m.session_id = p.session_id AND m.seq = p.last_published_seq
         WHERE p.status = 'active' AND p.backfilled = 0 AND p.session_start_acked = 1
           AND p.last_published_seq = s.next_seq - 1
           AND (SELECT max(observed_at) FROM messages x WHERE x.session_id = p.session_id) < ?`,
      )
      .all(idleBefore) as { sessionId: string; lastSeq: number; lastEmittedAt: string }[];
  }

  markCompleted(sessionId: string, now: string): void {
    this.db
      .prepare(
        `UPDATE collector_publish_state SET status = 'completed', completed_at = ?, updated_at = ? WHERE session_id = ?`,
      )
      .run(now, now, sessionId);
  }

  clearPause(): void {
    this.setGlobal({
      pausedReason: null,
      pausedDetail: null,
      pausedAt: null,
      pausedConfig: null,
      location: null,
    });
  }

  /** Forgets every cursor (after the user confirmed a new server): server dedup makes the resend safe. */
  resetCursors(serverUrl: string): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM collector_publish_state; DELETE FROM collector_sent;');
      this.setGlobal({ serverUrl });
      this.clearPause();
    })();
  }
}
