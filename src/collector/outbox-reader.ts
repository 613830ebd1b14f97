/**
 * The read side of the outbox: which sessions have something to send and the messages after a cursor,
 * for one server (cursor-sql.ts). `SessionTracker` adds the writes.
 */
import { isAssistant } from '../config/index.js';
import type { Db } from '../store/index.js';
import { CURSOR, FOR_SERVER, STATUS } from './cursor-sql.js';
import { type MessageRow, toLocalMessage } from './message-row.js';
import type { LocalMessage, LocalSession } from './types.js';

export interface PendingSession {
  sessionId: string;
  cursor: number;
  /** observed_at of the first message waiting to be sent: the age that triggers a flush. */
  oldestObservedAt: string;
  nextRetryAt: string | null;
}

/** A session's cursor (for the tracker's server) and whether the first message after it may be sent. */
const PENDING_SELECT = `SELECT s.id AS sessionId, ${CURSOR} AS cursor,
    CASE WHEN ${FOR_SERVER} THEN p.next_retry_at END AS nextRetryAt,
    (SELECT m.observed_at FROM messages m WHERE m.session_id = s.id AND m.seq > ${CURSOR}
       ORDER BY m.seq LIMIT 1) AS oldestObservedAt,
    (SELECT m.publishable FROM messages m WHERE m.session_id = s.id AND m.seq > ${CURSOR}
       ORDER BY m.seq LIMIT 1) AS firstPublishable
  FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id`;

type PendingRow = PendingSession & { firstPublishable: number | null };

function publishable(rows: PendingRow[]): PendingSession[] {
  return rows.filter((r) => r.firstPublishable === 1).map(({ firstPublishable: _f, ...r }) => r);
}

export class OutboxReader {
  private readonly reads;
  /** Bound as `@url` in every server-relative query; null reads rows as stored. */
  protected readonly url: { url: string | null };

  constructor(
    protected readonly db: Db,
    readonly serverUrl: string | null = null,
  ) {
    this.url = { url: serverUrl };
    this.reads = {
      pending: db.prepare(`${PENDING_SELECT} WHERE ${STATUS} != 'failed'`),
      pendingOne: db.prepare(`${PENDING_SELECT} WHERE s.id = @id AND ${STATUS} != 'failed'`),
      messages: db.prepare(
        `SELECT m.*, t.thread_key, r.raw, r.raw_is_utf8 FROM messages m
           JOIN threads t ON t.id = m.thread_id LEFT JOIN records r ON r.id = m.record_id
         WHERE m.session_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`,
      ),
      session: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      publishableFlags: db
        .prepare('SELECT publishable FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?')
        .pluck(),
    };
  }

  /** Sessions with something to send: the first message after the cursor exists and is publishable. */
  pending(): PendingSession[] {
    return publishable(this.reads.pending.all(this.url) as PendingRow[]);
  }

  /** The same check for a few sessions named by ingest, without scanning every session. */
  pendingAmong(sessionIds: Iterable<string>): PendingSession[] {
    const rows: PendingRow[] = [];
    for (const id of sessionIds) {
      const r = this.reads.pendingOne.get({ ...this.url, id }) as PendingRow | undefined;
      if (r) rows.push(r);
    }
    return publishable(rows);
  }

  /** How many messages after the cursor could be sent now, counting at most `limit`. */
  publishableCount(sessionId: string, cursor: number, limit: number): number {
    const rows = this.reads.publishableFlags.all(sessionId, cursor, limit) as number[];
    const firstOpen = rows.indexOf(0);
    return firstOpen === -1 ? rows.length : firstOpen;
  }

  /** Up to `limit` messages after the cursor, stopping before the first one that may still change. */
  messagesAfter(sessionId: string, cursor: number, limit: number): LocalMessage[] {
    const rows = this.reads.messages.all(sessionId, cursor, limit) as MessageRow[];
    const out: LocalMessage[] = [];
    for (const r of rows) {
      if (r.publishable !== 1) break;
      out.push(toLocalMessage(r));
    }
    return out;
  }

  session(sessionId: string): LocalSession | null {
    const r = this.reads.session.get(sessionId) as Record<string, string | null> | undefined;
    if (!r) return null;
    return {
      id: sessionId,
      // A row written by a newer aiobscura may name an agent this one does not know: sent as Claude Code's.
      assistant: r.assistant && isAssistant(r.assistant) ? r.assistant : 'claude',
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
         WHERE ${FOR_SERVER} AND p.status = 'active' AND p.backfilled = 0 AND p.session_start_acked = 1
           AND p.last_published_seq = s.next_seq - 1
           AND (SELECT max(observed_at) FROM messages x WHERE x.session_id = p.session_id) < @idleBefore`,
      )
      .all({ ...this.url, idleBefore }) as { sessionId: string; lastSeq: number; lastEmittedAt: string }[];
  }
}
