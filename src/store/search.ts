/**
 * Read side of `aiobscura search`: ranked full-text hits over the messages, each with the session and message
 * it belongs to and a snippet per hit. Never writes.
 */
import type { Db } from './db.js';
import { SEARCH_TABLE } from './search-index.js';
import { matchExpression, SearchQueryError } from './search-query.js';

export { matchExpression, SearchQueryError };

/** The indexed columns, in table order (the order `snippet()` numbers them). */
export const SEARCH_COLUMNS = ['content', 'tool_name', 'tool_input', 'tool_result'] as const;
export type SearchColumn = (typeof SEARCH_COLUMNS)[number];

/**
 * bm25 weights per column: what people remember is what they asked and what they were told, so prompts,
 * answers and thinking (`content`) count twice as much as tool names, input and output.
 */
const BM25 = `bm25(${SEARCH_TABLE}, 2.0, 1.0, 1.0, 1.0)`;

/** Marks around matched words in snippets; callers replace them with colour or visible brackets. */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

export interface SearchRequest {
  query: string;
  /** The query is FTS5 syntax as it stands (`OR`, `NOT`, `NEAR`, column filters, prefixes). */
  fts?: boolean | undefined;
  assistant?: string | undefined;
  /** Case-insensitive substring of the session's working directory. */
  project?: string | undefined;
  /** ISO time: messages emitted at or after it. */
  since?: string | undefined;
  types?: readonly string[] | undefined;
  limit: number;
  /** Words around the match in each snippet (FTS5 allows 1–64). */
  snippetWords?: number | undefined;
}

export interface SearchHit {
  session_id: string;
  seq: number;
  thread: string;
  message_type: string;
  author_role: string;
  emitted_at: string;
  tool_name: string | null;
  assistant: string;
  project: string | null;
  /** Relevance (FTS5 bm25, sign flipped): higher is better; only comparable within one search. */
  score: number;
  /** The column the snippet comes from: where most of the matched words are. */
  column: SearchColumn;
  /** Text around the match, matched words between `MATCH_START` and `MATCH_END`. */
  snippet: string;
}

export interface SearchResult {
  /** The FTS5 expression that was run. */
  match: string;
  /** Matching messages in all (the hits are the best `limit` of them). */
  total: number;
  hits: SearchHit[];
}

/**
 * The matches that pass the filters, as `(id, score)`. Without filters the FTS table alone answers; with them
 * only the tables a filter needs are joined, because every match is joined before the best are picked.
 */
function filtered(r: SearchRequest): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (r.assistant) {
    where.push('s.assistant = @assistant');
    params.assistant = r.assistant;
  }
  if (r.project) {
    where.push('instr(lower(s.cwd), lower(@project)) > 0');
    params.project = r.project;
  }
  if (r.since) {
    where.push('m.emitted_at >= @since');
    params.since = r.since;
  }
  if (r.types && r.types.length > 0) {
    where.push(`m.message_type IN (${r.types.map((_, i) => `@type${i}`).join(', ')})`);
    r.types.forEach((t, i) => {
      params[`type${i}`] = t;
    });
  }
  if (where.length === 0) return { sql: 'SELECT id, score FROM matched', params };
  const sessions = r.assistant || r.project ? 'JOIN sessions s ON s.id = m.session_id' : '';
  return {
    sql: `SELECT matched.id, matched.score FROM matched JOIN messages m ON m.id = matched.id ${sessions}
      WHERE ${where.join(' AND ')}`,
    params,
  };
}

/** An FTS5 error in the query (raw syntax, an unknown column filter) becomes a message, not a stack trace. */
function queryError(err: unknown, r: SearchRequest, match: string): unknown {
  const e = err as { code?: string; message?: string };
  if (e.code !== 'SQLITE_ERROR') return err;
  if (r.fts) {
    return new SearchQueryError(
      `search --fts: ${e.message} in "${r.query}"; see the FTS5 query syntax at ` +
        'https://sqlite.org/fts5.html#full_text_query_syntax, or leave out --fts to search for the words as typed',
    );
  }
  return new SearchQueryError(
    `search: SQLite refused the query "${r.query}" (run as ${match}): ${e.message}; this is a bug, please report it`,
  );
}

export function searchMessages(db: Db, r: SearchRequest): SearchResult {
  const match = r.fts ? r.query : matchExpression(r.query);
  const f = filtered(r);
  let rows: (Omit<SearchHit, 'column' | 'snippet'> & { id: number; total: number })[];
  try {
    rows = db
      .prepare(
        // bm25() works only in a query that reads the FTS table directly, hence the materialized first step.
        // Only the best `limit` are joined for display; snippets are made below, for those alone.
        `WITH matched AS MATERIALIZED (
           SELECT rowid AS id, -${BM25} AS score FROM ${SEARCH_TABLE} WHERE ${SEARCH_TABLE} MATCH @match),
         filtered AS MATERIALIZED (${f.sql}),
         top AS (SELECT id, score FROM filtered ORDER BY score DESC, id DESC LIMIT @limit)
         SELECT m.id, m.session_id, m.seq, t.thread_key AS thread, m.message_type, m.author_role, m.emitted_at,
           m.tool_name, s.assistant, s.cwd AS project, top.score, (SELECT count(*) FROM filtered) AS total
         FROM top JOIN messages m ON m.id = top.id
         JOIN sessions s ON s.id = m.session_id JOIN threads t ON t.id = m.thread_id
         ORDER BY top.score DESC, m.id DESC`,
      )
      .all({ ...f.params, match, limit: r.limit }) as typeof rows;
  } catch (err) {
    throw queryError(err, r, match);
  }
  const words = Math.min(64, Math.max(1, r.snippetWords ?? 24));
  // better-sqlite3 binds a JS number as a REAL, and FTS5 (SQLite 3.53) then ignores `rowid = ?` next to
  // MATCH and yields every match: the CAST keeps the lookup to the one message.
  const snippets = db.prepare(
    `SELECT ${SEARCH_COLUMNS.map((_, i) => `snippet(${SEARCH_TABLE}, ${i}, @start, @end, '…', @words) AS c${i}`).join(', ')}
     FROM ${SEARCH_TABLE} WHERE ${SEARCH_TABLE} MATCH @match AND rowid = CAST(@id AS INTEGER)`,
  );
  const hits = rows.map(({ id, total: _total, ...row }) => {
    const cols = snippets.get({ match, id, start: MATCH_START, end: MATCH_END, words }) as Record<
      string,
      string | null
    >;
    return { ...row, ...bestSnippet(cols) };
  });
  return { match, total: rows[0]?.total ?? 0, hits };
}

/** The column whose snippet marks the most words; on a tie the earlier column (message text first). */
function bestSnippet(cols: Record<string, string | null>): { column: SearchColumn; snippet: string } {
  let best = { column: SEARCH_COLUMNS[0] as SearchColumn, snippet: cols.c0 ?? '', marks: -1 };
  SEARCH_COLUMNS.forEach((column, i) => {
    const snippet = cols[`c${i}`] ?? '';
    const marks = snippet.split(MATCH_START).length - 1;
    if (marks > best.marks) best = { column, snippet, marks };
  });
  return { column: best.column, snippet: best.snippet };
}
