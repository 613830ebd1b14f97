/**
 * What enabling publishing would send right away: the history already in the local database, as
 * `collector register` reports it before asking. Counted the way the mapping sends it (one event per
 * message, plus a usage carrier for usage anchored on a non-message row, plus `session_start` for a session
 * the server has not acknowledged), over the sessions the selection keeps.
 */
import type { CollectorConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import { SessionSelector } from './selection.js';

export interface BackfillEstimate {
  sessions: number;
  events: number;
  /** Sessions with something to send that include/exclude_projects or backfill_since keep local. */
  excludedSessions: number;
  excludedEvents: number;
}

/**
 * `fromScratch`: count everything, as after a cursor reset (registering with a different server); else
 * count only what lies after each session's cursor.
 */
export function backfillEstimate(
  db: Db,
  config: Pick<CollectorConfig, 'includeProjects' | 'excludeProjects' | 'backfillSince'>,
  fromScratch: boolean,
): BackfillEstimate {
  const selector = new SessionSelector(db, config);
  const excluded = selector.excluded();
  const rows = db
    .prepare(
      `SELECT s.id AS id, coalesce(p.last_published_seq, 0) AS cursor, coalesce(p.session_start_acked, 0) AS acked
       FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id`,
    )
    .all() as { id: string; cursor: number; acked: number }[];
  const count = db.prepare(
    `SELECT count(*) AS n, coalesce(sum(tokens_output IS NOT NULL
         AND message_type NOT IN ('prompt', 'response', 'plan', 'summary', 'context')), 0) AS carriers
     FROM messages WHERE session_id = ? AND seq > ?`,
  );
  const out: BackfillEstimate = { sessions: 0, events: 0, excludedSessions: 0, excludedEvents: 0 };
  for (const r of rows) {
    const c = count.get(r.id, fromScratch ? 0 : r.cursor) as { n: number; carriers: number };
    if (c.n === 0) continue;
    const events = c.n + c.carriers + (fromScratch || r.acked === 0 ? 1 : 0);
    if (excluded.has(r.id)) {
      out.excludedSessions += 1;
      out.excludedEvents += events;
    } else {
      out.sessions += 1;
      out.events += events;
    }
  }
  return out;
}
