/**
 * OpenCode sessions as byte sources. OpenCode (≥ 1.2) keeps every session in one SQLite database whose rows
 * are updated in place (agents-formats.md §3). Ingest is line-based, so each session is served as a "file":
 * discovery names it `<db path>#<session id>` (a `#` is never in a database name it scans), and
 *
 * - {@link renderOpenCodeSession} renders it as deterministic JSONL: one line of the session row's stable
 *   columns, then one line per message in (time_created, id) order holding the message row and all its parts
 *   in (time_created, id) order. A message still streaming changes only its own line; a new message is
 *   appended at the end; a row edited in place changes a line in the middle, which ingest sees as a rewrite
 *   and re-reads with unchanged lines recognised by their bytes. Counters the session row updates on every
 *   step (`time_updated`, `cost`, `tokens_*`, `summary_*`) are left out of the first line so that a new
 *   message stays an append.
 * - {@link openCodeStats} stands in for `fs.stat` without rendering anything: one grouped query per database
 *   gives each session's watermark (the latest `time_updated` of its session, message and part rows) as
 *   `mtimeMs`, and as `size` the bytes of its rows' data plus one per row, which moves when rows are added
 *   or deleted even when the watermark does not (deletions, same-millisecond updates).
 *
 * The database is opened read-only (never written, never checkpointed: OpenCode's own WAL is read as it is)
 * and closed again at once. Beside a WAL database that has none, SQLite itself creates the empty `-wal` and
 * the `-shm` index any reader of it needs (OpenCode does the same on its next start); the database file is
 * never touched. A session is rendered whole in memory, like a `.zst` cold copy, inside one read
 * transaction so that it is a consistent snapshot even while OpenCode writes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { jsonText } from './json-text.js';
import { openCodeFilesExist, openCodeFilesOf } from './opencode-files.js';

/** The database and session a virtual `<db>#<session>` path names, or null for an ordinary file path. */
export function openCodeSessionOf(p: string): { db: string; session: string } | null {
  const at = p.lastIndexOf('#');
  if (at <= 0 || at === p.length - 1) return null;
  const db = p.slice(0, at);
  const session = p.slice(at + 1);
  if (!db.endsWith('.db') || session.includes('/') || session.includes('\\')) return null;
  return { db, session };
}

/** The virtual path of one session of a database (the inverse of {@link openCodeSessionOf}). */
export function openCodeSessionPath(db: string, session: string): string {
  return `${db}#${session}`;
}

function openReadOnly(db: string): Database.Database {
  // `timeout` is the busy timeout: OpenCode holds write locks briefly, a reader in WAL mode rarely waits.
  return new Database(db, { readonly: true, fileMustExist: true, timeout: 5000 });
}

function gone(p: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOENT: no such OpenCode session, ${p}`);
  err.code = 'ENOENT';
  return err;
}

/** The session row's columns that do not move on every step; absent columns (older schemas) are skipped. */
const SESSION_COLUMNS = [
  'id',
  'project_id',
  'parent_id',
  'slug',
  'directory',
  'title',
  'version',
  'time_created',
] as const;

interface Row {
  id: string;
  time_created: number;
  time_updated: number;
  data: string;
}

/** The `data` column parsed; a value that is not JSON stays its text (the parser reports it). */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The JSONL rendering of one session (see the module comment). Throws ENOENT when the session is gone. */
export function renderOpenCodeSession(p: string): Uint8Array {
  const where = openCodeSessionOf(p);
  if (where === null) throw new Error(`not an OpenCode session path: ${p}`);
  const db = openReadOnly(where.db);
  try {
    const lines = db.transaction(() => renderLines(db, where.session))();
    if (lines === null) throw gone(p);
    return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  } finally {
    db.close();
  }
}

function renderLines(db: Database.Database, session: string): string[] | null {
  const row = db.prepare('SELECT * FROM session WHERE id = ?').get(session) as
    | Record<string, unknown>
    | undefined;
  if (row === undefined) return null;
  const head: Record<string, unknown> = {};
  for (const c of SESSION_COLUMNS) if (c in row) head[c] = row[c];
  const lines = [jsonText({ record: 'session', session: head })];
  const parts = new Map<string, Row[]>();
  const partRows = db
    .prepare(
      `SELECT id, message_id, time_created, time_updated, data FROM part WHERE session_id = ?
       ORDER BY time_created, id`,
    )
    .iterate(session) as Iterable<Row & { message_id: string }>;
  for (const p of partRows) {
    const list = parts.get(p.message_id);
    const part = { id: p.id, time_created: p.time_created, time_updated: p.time_updated, data: p.data };
    if (list) list.push(part);
    else parts.set(p.message_id, [part]);
  }
  const messages = db
    .prepare(
      'SELECT id, time_created, time_updated, data FROM message WHERE session_id = ? ORDER BY time_created, id',
    )
    .iterate(session) as Iterable<Row>;
  for (const m of messages) {
    lines.push(
      jsonText({
        record: 'message',
        message: {
          id: m.id,
          time_created: m.time_created,
          time_updated: m.time_updated,
          data: parsed(m.data),
        },
        parts: (parts.get(m.id) ?? []).map((p) => ({
          id: p.id,
          time_created: p.time_created,
          time_updated: p.time_updated,
          data: parsed(p.data),
        })),
      }),
    );
  }
  return lines;
}

/** What a pass needs of a file's `stat`: the subset ingest and the classifier read. */
export type SourceStats = Pick<fs.Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'isFile'>;

interface SessionMark {
  size: number;
  mtimeMs: number;
}

const STATS_SQL = `
  WITH m AS (SELECT session_id, count(*) AS n, max(time_updated) AS t, sum(octet_length(data)) AS b
             FROM message GROUP BY session_id),
       p AS (SELECT session_id, count(*) AS n, max(time_updated) AS t, sum(octet_length(data)) AS b
             FROM part GROUP BY session_id)
  SELECT s.id AS id, s.time_updated AS st, coalesce(octet_length(s.title), 0) AS tb,
         coalesce(m.n, 0) AS mn, m.t AS mt, coalesce(m.b, 0) AS mb,
         coalesce(p.n, 0) AS pn, p.t AS pt, coalesce(p.b, 0) AS pb
  FROM session s LEFT JOIN m ON m.session_id = s.id LEFT JOIN p ON p.session_id = s.id`;

function sessionMarks(db: string): Map<string, SessionMark> {
  const conn = openReadOnly(db);
  try {
    const out = new Map<string, SessionMark>();
    const rows = conn.prepare(STATS_SQL).all() as {
      id: string;
      st: number;
      tb: number;
      mn: number;
      mt: number | null;
      mb: number;
      pn: number;
      pt: number | null;
      pb: number;
    }[];
    for (const r of rows) {
      out.set(r.id, {
        size: r.tb + 1 + r.mb + r.mn + r.pb + r.pn,
        mtimeMs: Math.max(Number(r.st) || 0, Number(r.mt) || 0, Number(r.pt) || 0),
      });
    }
    return out;
  } finally {
    conn.close();
  }
}

/** A 48-bit number from the database's inode and the session id: each session is its own "file". */
function sessionIno(ino: number, session: string): number {
  return createHash('sha1').update(`${ino}\u0000${session}`).digest().readUIntBE(0, 6);
}

/**
 * `stat` stand-ins for the sessions of a pass: each database is queried once, on first use, and its answer
 * kept for the rest of the pass (make a new one per pass). Throws ENOENT for a session no longer there, and
 * the database's own error when it cannot be read.
 */
export function openCodeStats(): { stat(p: string): SourceStats } {
  type Known = { dev: number; ino: number; marks: Map<string, SessionMark> };
  // A database that cannot be read fails every one of its sessions with the same error, queried once.
  const byDb = new Map<string, Known | { error: unknown }>();
  return {
    stat(p) {
      const where = openCodeSessionOf(p);
      if (where === null) throw new Error(`not an OpenCode session path: ${p}`);
      let entry = byDb.get(where.db);
      if (entry === undefined) {
        try {
          const st = fs.statSync(where.db);
          entry = { dev: st.dev, ino: st.ino, marks: sessionMarks(where.db) };
        } catch (error) {
          entry = { error };
        }
        byDb.set(where.db, entry);
      }
      if ('error' in entry) throw entry.error;
      const known = entry;
      const mark = known.marks.get(where.session);
      if (mark === undefined) throw gone(p);
      return {
        dev: known.dev,
        ino: sessionIno(known.ino, where.session),
        size: mark.size,
        mtimeMs: mark.mtimeMs,
        isFile: () => true,
      };
    },
  };
}

/**
 * Whether a source path is there: an ordinary file, an OpenCode session's database file, or a legacy OpenCode
 * session's JSON file (reader/opencode-files.ts).
 */
export function sourceExists(p: string): boolean {
  const legacy = openCodeFilesOf(p);
  if (legacy !== null) return openCodeFilesExist(legacy);
  const where = openCodeSessionOf(p);
  return fs.existsSync(where === null ? p : where.db);
}
