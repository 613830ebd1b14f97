import type { Db } from './db.js';

/** Read side used by `sessions`, `show` and `stats`; never writes. */

export interface SessionFilter {
  assistant?: string | undefined;
  /** Substring of the working directory (project path). */
  project?: string | undefined;
  /** ISO date/time: sessions active at or after it. */
  since?: string | undefined;
  limit?: number | undefined;
}

export interface SessionListRow {
  id: string;
  assistant: string;
  cwd: string | null;
  git_branch: string | null;
  model: string | null;
  started_at: string | null;
  last_activity_at: string | null;
  parent_session_id: string | null;
  title: string | null;
  messages: number;
  prompts: number;
  tokens_input: number;
  tokens_output: number;
  tokens_cache_read: number;
  tokens_cache_creation: number;
}

const TOKENS = `coalesce((SELECT sum(input) FROM responses r WHERE r.session_id = s.id), 0) AS tokens_input,
  coalesce((SELECT sum(output) FROM responses r WHERE r.session_id = s.id), 0) AS tokens_output,
  coalesce((SELECT sum(cache_read) FROM responses r WHERE r.session_id = s.id), 0) AS tokens_cache_read,
  coalesce((SELECT sum(cache_creation) FROM responses r WHERE r.session_id = s.id), 0) AS tokens_cache_creation`;

const SESSION_SELECT = `SELECT s.id, s.assistant, s.cwd, s.git_branch, s.model, s.started_at, s.last_activity_at,
    s.parent_session_id, s.title,
    (SELECT count(*) FROM messages m WHERE m.session_id = s.id) AS messages,
    (SELECT count(*) FROM messages m WHERE m.session_id = s.id AND m.message_type = 'prompt'
       AND m.author_role = 'human') AS prompts,
    ${TOKENS}
  FROM sessions s`;

export function listSessions(db: Db, f: SessionFilter): SessionListRow[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.assistant) {
    where.push('s.assistant = @assistant');
    params.assistant = f.assistant;
  }
  if (f.project) {
    where.push("s.cwd LIKE '%' || @project || '%'");
    params.project = f.project;
  }
  if (f.since) {
    where.push('s.last_activity_at >= @since');
    params.since = f.since;
  }
  params.limit = f.limit ?? -1;
  return db
    .prepare(
      `${SESSION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY s.last_activity_at DESC, s.id LIMIT @limit`,
    )
    .all(params) as SessionListRow[];
}

export class SessionLookupError extends Error {
  override name = 'SessionLookupError';
}

/** Accepts a full id or a unique prefix, as git does for commits. */
export function resolveSessionId(db: Db, idOrPrefix: string): string {
  const exact = db.prepare('SELECT id FROM sessions WHERE id = ?').pluck().get(idOrPrefix) as
    | string
    | undefined;
  if (exact) return exact;
  const matches = db
    .prepare('SELECT id FROM sessions WHERE substr(id, 1, length(@p)) = @p ORDER BY id LIMIT 6')
    .pluck()
    .all({ p: idOrPrefix }) as string[];
  if (matches.length === 1) return matches[0]!;
  // A main session's prefix also matches its sub-agents (`<id>:agent-…`): the main session is meant.
  const parent = matches.find((m) => matches.every((o) => o === m || o.startsWith(`${m}:`)));
  if (parent && matches.length < 50) return parent;
  if (matches.length === 0)
    throw new SessionLookupError(`no session matches "${idOrPrefix}" (see \`aiobscura sessions\`)`);
  throw new SessionLookupError(
    `"${idOrPrefix}" matches several sessions: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', …' : ''}`,
  );
}

export interface TranscriptMessage {
  seq: number;
  thread: string;
  emitted_at: string;
  message_type: string;
  author_role: string;
  content: string | null;
  tool_name: string | null;
  tool_use_id: string | null;
  tool_input: string | null;
  tool_result: string | null;
  is_error: number;
  model: string | null;
  tokens_input: number | null;
  tokens_output: number | null;
  tokens_cache_read: number | null;
  tokens_cache_creation: number | null;
  publishable: number;
  source_path: string;
  line_no: number;
}

export interface SubAgent {
  session_id: string;
  thread_key: string;
  spawned_by_tool_use_id: string | null;
}

export function sessionRow(db: Db, id: string): SessionListRow {
  return db.prepare(`${SESSION_SELECT} WHERE s.id = ?`).get(id) as SessionListRow;
}

export function transcript(db: Db, sessionId: string): TranscriptMessage[] {
  return db
    .prepare(
      `SELECT m.seq, t.thread_key AS thread, m.emitted_at, m.message_type, m.author_role, m.content, m.tool_name,
         m.tool_use_id, m.tool_input, m.tool_result, m.is_error, m.model, m.tokens_input, m.tokens_output,
         m.tokens_cache_read, m.tokens_cache_creation, m.publishable, f.path AS source_path, r.line_no
       FROM messages m JOIN threads t ON t.id = m.thread_id JOIN records r ON r.id = m.record_id
       JOIN source_files f ON f.id = r.source_file_id
       WHERE m.session_id = ? ORDER BY m.seq`,
    )
    .all(sessionId) as TranscriptMessage[];
}

/** Sub-agent sessions spawned from this session, with the tool call that spawned each (when known). */
export function subAgents(db: Db, sessionId: string): SubAgent[] {
  return db
    .prepare(
      `SELECT s.id AS session_id, coalesce(t.thread_key, 'main') AS thread_key, t.spawned_by_tool_use_id
       FROM sessions s LEFT JOIN threads t ON t.session_id = s.id
         AND (t.thread_key LIKE 'agent-%' OR t.spawned_by_tool_use_id IS NOT NULL)
       WHERE s.parent_session_id = ? ORDER BY s.started_at, s.id`,
    )
    .all(sessionId) as SubAgent[];
}

export type StatsGroup = 'assistant' | 'model' | 'day';

export interface StatsRow {
  key: string;
  sessions: number;
  messages: number;
  responses: number;
  tokens_input: number;
  tokens_output: number;
  tokens_cache_read: number;
  tokens_cache_creation: number;
}

/** Token totals come from `responses`, where each API response is counted exactly once. */
export function stats(db: Db, by: StatsGroup): StatsRow[] {
  const key = {
    assistant: { r: 's.assistant', m: 's.assistant' },
    model: { r: "coalesce(r.model, 'unknown')", m: "coalesce(m.model, s.model, 'unknown')" },
    day: { r: "coalesce(substr(r.emitted_at, 1, 10), 'unknown')", m: 'substr(m.emitted_at, 1, 10)' },
  }[by];
  return db
    .prepare(
      `WITH tok AS (
         SELECT ${key.r} AS key, count(*) AS responses, sum(r.input) AS i, sum(r.output) AS o,
           sum(r.cache_read) AS cr, sum(r.cache_creation) AS cc
         FROM responses r JOIN sessions s ON s.id = r.session_id GROUP BY 1),
       msg AS (
         SELECT ${key.m} AS key, count(DISTINCT m.session_id) AS sessions, count(*) AS messages
         FROM messages m JOIN sessions s ON s.id = m.session_id GROUP BY 1),
       keys AS (SELECT key FROM tok UNION SELECT key FROM msg)
       SELECT keys.key AS key, coalesce(msg.sessions, 0) AS sessions, coalesce(msg.messages, 0) AS messages,
         coalesce(tok.responses, 0) AS responses, coalesce(tok.i, 0) AS tokens_input,
         coalesce(tok.o, 0) AS tokens_output, coalesce(tok.cr, 0) AS tokens_cache_read,
         coalesce(tok.cc, 0) AS tokens_cache_creation
       FROM keys LEFT JOIN tok ON tok.key = keys.key LEFT JOIN msg ON msg.key = keys.key
       ORDER BY keys.key`,
    )
    .all() as StatsRow[];
}

export interface StoreTotals {
  sessions: number;
  messages: number;
  records: number;
  warnings: number;
  files: number;
}

export function totals(db: Db): StoreTotals {
  const n = (sql: string) => db.prepare(sql).pluck().get() as number;
  return {
    sessions: n('SELECT count(*) FROM sessions'),
    messages: n('SELECT count(*) FROM messages'),
    records: n('SELECT count(*) FROM records'),
    warnings: n('SELECT count(*) FROM ingest_warnings'),
    files: n('SELECT count(*) FROM source_files'),
  };
}
