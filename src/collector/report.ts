/**
 * Read-only views of the publish state for `collector status|stats|sessions|rejections`. Cursors are read
 * for the configured server (cursor-sql.ts): a cursor kept for another server counts as nothing published.
 */
import type { Db } from '../store/index.js';
import { CURSOR, FOR_SERVER, START_ACKED, STATUS } from './cursor-sql.js';
import { wireSessionId } from './mapping.js';

export interface Backlog {
  sessions: number;
  messages: number;
  /** observed_at of the oldest message not yet acknowledged (publishable or not), null when none. */
  oldestObservedAt: string | null;
}

/** `skip`: sessions the selection keeps local (selection.ts): not backlog, they are never sent. */
export function backlog(db: Db, serverUrl: string | null, skip: ReadonlySet<string> = new Set()): Backlog {
  if (skip.size > 0) return backlogWithout(db, serverUrl, skip);
  const r = db
    .prepare(
      `SELECT count(DISTINCT m.session_id) AS sessions, count(*) AS messages, min(m.observed_at) AS oldest
       FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
       WHERE m.seq > ${CURSOR} AND ${STATUS} != 'failed'`,
    )
    .get({ url: serverUrl }) as { sessions: number; messages: number; oldest: string | null };
  return { sessions: r.sessions, messages: r.messages, oldestObservedAt: r.oldest };
}

function backlogWithout(db: Db, serverUrl: string | null, skip: ReadonlySet<string>): Backlog {
  const rows = db
    .prepare(
      `SELECT m.session_id AS id, count(*) AS messages, min(m.observed_at) AS oldest
       FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
       WHERE m.seq > ${CURSOR} AND ${STATUS} != 'failed'
       GROUP BY m.session_id`,
    )
    .all({ url: serverUrl }) as { id: string; messages: number; oldest: string }[];
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

export function publishSessions(db: Db, serverUrl: string | null, all: boolean): SessionPublishRow[] {
  const ours = (column: string, otherwise = 'NULL') =>
    `CASE WHEN ${FOR_SERVER} THEN ${column} ELSE ${otherwise} END`;
  const rows = db
    .prepare(
      `SELECT s.id AS session_id, ${STATUS} AS status,
         ${CURSOR} AS last_published_seq, s.next_seq - 1 AS last_seq,
         (s.next_seq - 1 - ${CURSOR}) AS pending, ${ours('p.last_published_at')} AS last_published_at,
         ${ours('coalesce(p.failed_rounds, 0)', '0')} AS failed_rounds, ${ours('p.next_retry_at')} AS next_retry_at,
         ${ours('p.error_message')} AS error_message
       FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id
       ORDER BY pending DESC, s.last_activity_at DESC`,
    )
    .all({ url: serverUrl }) as Omit<SessionPublishRow, 'wire_session_id'>[];
  return rows
    .filter((r) => all || r.pending > 0 || r.status === 'failed')
    .map((r) => ({ ...r, wire_session_id: wireSessionId(r.session_id) }));
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface PublishStats {
  counters: Record<string, number>;
  /**
   * Observed → acknowledged, in seconds. `live`: messages observed while publishing to this server was on;
   * `backfill`: history sent afterwards (before enabling, or again after a cursor reset), whose latency says
   * how old the history was, not how fast publishing is.
   */
  latency_secs: { live: LatencySummary; backfill: LatencySummary };
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
  const latencies = db
    .prepare('SELECT latency_ms FROM collector_latency WHERE backfill = ? ORDER BY latency_ms')
    .pluck();
  return {
    counters,
    latency_secs: {
      live: summary(latencies.all(0) as number[]),
      backfill: summary(latencies.all(1) as number[]),
    },
  };
}

function summary(sortedMs: number[]): LatencySummary {
  const secs = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms) / 1000);
  const pct = (p: number) =>
    secs(sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))]);
  return { count: sortedMs.length, p50: pct(50), p90: pct(90), p99: pct(99), max: secs(sortedMs.at(-1)) };
}

/**
 * Excluded sessions (the selection keeps them local) split by whether anything of them reached the server
 * before they were excluded: for those the server keeps what it has, and only its admin can remove it.
 */
export function alreadySent(db: Db, serverUrl: string | null, sessionIds: Iterable<string>): Set<string> {
  const q = db.prepare(
    `SELECT 1 FROM collector_publish_state p WHERE p.session_id = @id AND ${FOR_SERVER}
       AND (${CURSOR} > 0 OR ${START_ACKED} = 1)`,
  );
  const out = new Set<string>();
  for (const id of sessionIds) if (q.get({ id, url: serverUrl })) out.add(id);
  return out;
}

/** Sessions the server has acknowledged something of, most recently published first (register's probe). */
export function publishedSessions(db: Db, serverUrl: string, limit: number): string[] {
  return db
    .prepare(
      `SELECT p.session_id FROM collector_publish_state p
       WHERE ${FOR_SERVER} AND p.last_published_seq > 0 ORDER BY p.last_published_at DESC LIMIT @limit`,
    )
    .pluck()
    .all({ url: serverUrl, limit }) as string[];
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
