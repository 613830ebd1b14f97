/**
 * What enabling publishing would send right away: the history already in the local database, as
 * `collector register` reports it before asking. Counted the way the mapping sends it (one event per
 * message, plus a usage carrier for usage anchored on a non-message row, plus `session_start` for a session
 * the server has not acknowledged), over the sessions the selection keeps.
 */
import type { CollectorConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import { CURSOR, START_ACKED } from './cursor-sql.js';
import { SessionSelector } from './selection.js';

export interface BackfillEstimate {
  sessions: number;
  events: number;
  /** Sessions with something to send that include/exclude_projects or backfill_since keep local. */
  excludedSessions: number;
  excludedEvents: number;
}

/**
 * What lies after each session's cursor for `serverUrl`: a cursor kept for another server counts as
 * nothing sent (cursor-sql.ts), so registering with a new server counts everything. `serverUrl` null counts
 * everything, as after a cursor reset.
 */
export function backfillEstimate(
  db: Db,
  config: Pick<CollectorConfig, 'includeProjects' | 'excludeProjects' | 'backfillSince'>,
  serverUrl: string | null,
): BackfillEstimate {
  const selector = new SessionSelector(db, config);
  const excluded = selector.excluded();
  const rows = (
    serverUrl === null
      ? db.prepare('SELECT id, 0 AS cursor, 0 AS acked FROM sessions').all()
      : db
          .prepare(
            `SELECT s.id AS id, ${CURSOR} AS cursor, ${START_ACKED} AS acked
             FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id`,
          )
          .all({ url: serverUrl })
  ) as { id: string; cursor: number; acked: number }[];
  const count = db.prepare(
    `SELECT count(*) AS n, coalesce(sum(tokens_output IS NOT NULL
         AND message_type NOT IN ('prompt', 'response', 'plan', 'summary', 'context')), 0) AS carriers
     FROM messages WHERE session_id = ? AND seq > ?`,
  );
  const out: BackfillEstimate = { sessions: 0, events: 0, excludedSessions: 0, excludedEvents: 0 };
  for (const r of rows) {
    const c = count.get(r.id, r.cursor) as { n: number; carriers: number };
    if (c.n === 0) continue;
    const events = c.n + c.carriers + (r.acked === 0 ? 1 : 0);
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
