import type { Db } from './db.js';

/**
 * The read side of `usage`: one row per API response (the `responses` table counts each exactly once),
 * with what the reports group by. Grouping and pricing happen in `report/`, not here: a day is a day of the
 * user's time zone (DST included), and a response's price depends on its own size (long-context tiers) and
 * date, so the report needs every response rather than pre-summed rows.
 */

export interface UsageFilter {
  assistant?: string | undefined;
  /** Substring of the working directory (project path). */
  project?: string | undefined;
  /** ISO instants; a response without a timestamp matches only when neither is set. */
  since?: string | undefined;
  /** Exclusive upper bound. */
  until?: string | undefined;
}

export interface UsageResponseRow {
  assistant: string;
  /** The top-level session: a sub-agent's parent, else the response's own session. */
  root_session_id: string;
  cwd: string | null;
  model: string | null;
  emitted_at: string | null;
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
}

export interface UsageSessionInfo {
  id: string;
  assistant: string;
  cwd: string | null;
  title: string | null;
  started_at: string | null;
  last_activity_at: string | null;
  sub_agents: number;
}

// A response whose session row is missing still counts: its key starts with the assistant (`claude:…`).
const ASSISTANT = "coalesce(s.assistant, substr(r.key, 1, instr(r.key, ':') - 1))";

function where(f: UsageFilter): { sql: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.assistant) {
    clauses.push(`${ASSISTANT} = @assistant`);
    params.assistant = f.assistant;
  }
  if (f.project) {
    clauses.push("coalesce(s.cwd, '') LIKE '%' || @project || '%'");
    params.project = f.project;
  }
  // julianday() reads every ISO form the logs use (Z, offsets, 0–9 fraction digits); NULL never matches.
  if (f.since) {
    clauses.push('julianday(r.emitted_at) >= julianday(@since)');
    params.since = f.since;
  }
  if (f.until) {
    clauses.push('julianday(r.emitted_at) < julianday(@until)');
    params.until = f.until;
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * The responses the filter selects; in time order (those without a timestamp first) when `ordered`, which
 * blocks need and the other reports do not (sorting costs more than the rest of the query).
 */
export function usageResponses(db: Db, f: UsageFilter, ordered = false): IterableIterator<UsageResponseRow> {
  const w = where(f);
  return db
    .prepare(
      `SELECT ${ASSISTANT} AS assistant, coalesce(s.parent_session_id, r.session_id) AS root_session_id,
         s.cwd, r.model, r.emitted_at, r.input, r.output, r.cache_read, r.cache_creation
       FROM responses r LEFT JOIN sessions s ON s.id = r.session_id
       ${w.sql}
       ${ordered ? 'ORDER BY julianday(r.emitted_at), r.key' : ''}`,
    )
    .iterate(w.params) as IterableIterator<UsageResponseRow>;
}

/** The sessions named by a report: title, place and time span, and how many sub-agents ran under each. */
export function usageSessions(db: Db, ids: readonly string[]): Map<string, UsageSessionInfo> {
  const out = new Map<string, UsageSessionInfo>();
  const one = db.prepare(
    `SELECT s.id, s.assistant, s.cwd, s.title, s.started_at, s.last_activity_at,
       (SELECT count(*) FROM sessions c WHERE c.parent_session_id = s.id) AS sub_agents
     FROM sessions s WHERE s.id = ?`,
  );
  for (const id of ids) {
    const row = one.get(id) as UsageSessionInfo | undefined;
    if (row) out.set(id, row);
  }
  return out;
}

/** Assistants that have sessions, to tell a typo in `--assistant` from an assistant with no usage. */
export function knownAssistants(db: Db): string[] {
  return db.prepare('SELECT DISTINCT assistant FROM sessions ORDER BY 1').pluck().all() as string[];
}
