/** Read-only views of the publish state for `collector status|stats|sessions|rejections`. */
import type { Db } from '../store/index.js';
import { wireSessionId } from './mapping.js';

export interface Backlog {
  sessions: number;
  messages: number;
  /** observed_at of the oldest message not yet acknowledged (publishable or not), null when none. */
  oldestObservedAt: string | null;
}

/** `skip`: sessions the selection keeps local (selection.ts): not backlog, they are never sent. */
export function backlog(db: Db, skip: ReadonlySet<string> = new Set()): Backlog {
  if (skip.size > 0) return backlogWithout(db, skip);
  const r = db
    .prepare(
      `SELECT count(DISTINCT m.session_id) AS sessions, count(*) AS messages, min(m.observed_at) AS oldest
       FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
       WHERE m.seq > coalesce(p.last_published_seq, 0) AND coalesce(p.status, 'active') != 'failed'`,
    )
    .get() as { sessions: number; messages: number; oldest: string | null };
  return { sessions: r.sessions, messages: r.messages, oldestObservedAt: r.oldest };
}

function backlogWithout(db: Db, skip: ReadonlySet<string>): Backlog {
  const rows = db
    .prepare(
      `SELECT m.session_id AS id, count(*) AS messages, min(m.observed_at) AS oldest
       FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
       WHERE m.seq > coalesce(p.last_published_seq, 0) AND coalesce(p.status, 'active') != 'failed'
       GROUP BY m.session_id`,
    )
    .all() as { id: string; messages: number; oldest: string }[];
  const out: Backlog = { sessions: 0, messages: 0, oldestObservedAt: null };
  for (const r of rows) {
    if (skip.has(r.id)) continue;
    out.sessions += 1;
    out.messages += r.messages;
    if (out.oldestObservedAt === null || r.oldest < out.oldestObservedAt) out.oldestObservedAt = r.oldest;
  }
  return out;
}

export interface SessionPublishRow {
  session_id: string;
  wire_session_id: string;
  status: string;
  last_published_seq: number;
  last_seq: number;
  pending: number;
  last_published_at: string | null;
  failed_rounds: number;
  next_retry_at: string | null;
  error_message: string | null;
}

export function publishSessions(db: Db, all: boolean): SessionPublishRow[] {
  const rows = db
    .prepare(
      `SELECT s.id AS session_id, coalesce(p.status, 'active') AS status,
         coalesce(p.last_published_seq, 0) AS last_published_seq, s.next_seq - 1 AS last_seq,
         (s.next_seq - 1 - coalesce(p.last_published_seq, 0)) AS pending, p.last_published_at,
         coalesce(p.failed_rounds, 0) AS failed_rounds, p.next_retry_at, p.error_message
       FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id
       ORDER BY pending DESC, s.last_activity_at DESC`,
    )
    .all() as Omit<SessionPublishRow, 'wire_session_id'>[];
  return rows
    .filter((r) => all || r.pending > 0 || r.status === 'failed')
    .map((r) => ({ ...r, wire_session_id: wireSessionId(r.session_id) }));
}

export interface PublishStats {
  counters: Record<string, number>;
  latencyMs: {
    count: number;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    max: number | null;
  };
}

export function publishStats(db: Db): PublishStats {
  const counters: Record<string, number> = {
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    calls: 0,
    failures: 0,
    retries: 0,
    batches: 0,
  };
  for (const r of db.prepare('SELECT name, value FROM collector_counters').all() as {
    name: string;
    value: number;
  }[]) {
    counters[r.name] = r.value;
  }
  const values = db
    .prepare('SELECT latency_ms FROM collector_latency ORDER BY latency_ms')
    .pluck()
    .all() as number[];
  const pct = (p: number) =>
    values.length ? values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]! : null;
  return {
    counters,
    latencyMs: { count: values.length, p50: pct(50), p90: pct(90), p99: pct(99), max: values.at(-1) ?? null },
  };
}

export interface RejectionRow {
  session_id: string;
  seq: number;
  event_type: string;
  event_hash: string;
  status: number | null;
  detail: string;
  created_at: string;
}

export function rejections(db: Db, limit: number): RejectionRow[] {
  return db
    .prepare(
      'SELECT session_id, seq, event_type, event_hash, status, detail, created_at FROM collector_rejections ORDER BY id DESC LIMIT ?',
    )
    .all(limit) as RejectionRow[];
}
