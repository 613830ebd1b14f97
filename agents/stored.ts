/** What aiobscura stored for one scenario, read straight from its SQLite file (read-only). */
import Database from 'better-sqlite3';

export interface StoredMessage {
  sessionId: string;
  threadKey: string;
  type: string;
  toolUseId: string | null;
  toolName: string | null;
  content: string | null;
  toolInput: string | null;
  toolResult: string | null;
  publishable: number;
}

export interface StoredResponse {
  key: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface UnknownRecord {
  kind: string;
  note: string;
  count: number;
  /** Whether some such record carries text (a string of 40+ characters), i.e. content a parser would lose. */
  contentBearing: boolean;
  sample: string;
}

export interface Stored {
  sessions: { id: string; assistant: string; parent: string | null }[];
  threads: { sessionId: string; key: string; spawnedByToolUseId: string | null }[];
  messages: StoredMessage[];
  responses: StoredResponse[];
  unknown: UnknownRecord[];
  warnings: { path: string; line: number | null; reason: string }[];
  rejections: { type: string; status: number | null; detail: string }[];
  /** Events numbered for publishable messages (what the server must hold), and messages never numbered. */
  sentStored: number;
  unsent: number;
  /** Every stored raw line, as text: what the agent wrote to its files, for checks that ask what is there. */
  raw: string[];
}

/** Notes the parsers put on records they do not understand (Claude, Codex, and the wording new parsers use). */
export const UNKNOWN_NOTE = /unknown|unrecognised|unrecognized|unhandled|unsupported/i;

function hasLongString(v: unknown): boolean {
  if (typeof v === 'string') return v.length >= 40;
  if (Array.isArray(v)) return v.some(hasLongString);
  if (v && typeof v === 'object') return Object.values(v).some(hasLongString);
  return false;
}

function unknownRecords(db: Database.Database): UnknownRecord[] {
  const rows = db
    .prepare('SELECT kind, note, raw FROM records WHERE note IS NOT NULL AND message_count = 0')
    .all() as { kind: string | null; note: string; raw: Buffer }[];
  const byKind = new Map<string, UnknownRecord>();
  for (const r of rows) {
    if (!UNKNOWN_NOTE.test(r.note)) continue;
    const kind = r.kind ?? '(none)';
    const text = r.raw.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // kept as text
    }
    const u = byKind.get(kind) ?? {
      kind,
      note: r.note,
      count: 0,
      contentBearing: false,
      sample: text.slice(0, 200),
    };
    u.count++;
    u.contentBearing ||= hasLongString(parsed);
    byKind.set(kind, u);
  }
  return [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind));
}

export function readStored(file: string): Stored {
  const db = new Database(file, { readonly: true });
  try {
    const q = <T>(sql: string) => db.prepare(sql).all() as T[];
    return {
      sessions: q('SELECT id, assistant, parent_session_id AS parent FROM sessions'),
      threads: q(
        'SELECT session_id AS sessionId, thread_key AS key, spawned_by_tool_use_id AS spawnedByToolUseId FROM threads',
      ),
      messages: q(
        `SELECT m.session_id AS sessionId, t.thread_key AS threadKey, m.message_type AS type,
                m.tool_use_id AS toolUseId, m.tool_name AS toolName, m.content, m.tool_input AS toolInput,
                m.tool_result AS toolResult,
                m.publishable
           FROM messages m JOIN threads t ON t.id = m.thread_id ORDER BY m.session_id, m.seq`,
      ),
      responses: q(
        `SELECT key, input, output, cache_read AS cacheRead, cache_creation AS cacheWrite FROM responses ORDER BY key`,
      ),
      unknown: unknownRecords(db),
      warnings: q('SELECT path, line_no AS line, reason FROM ingest_warnings'),
      rejections: q('SELECT event_type AS type, status, detail FROM collector_rejections'),
      sentStored: db
        .prepare(
          `SELECT count(*) FROM collector_sent s
            WHERE s.event_type IN ('message', 'tool_call', 'tool_result', 'thinking', 'error')
              AND NOT EXISTS (SELECT 1 FROM collector_rejections r
                               WHERE r.session_id = s.session_id AND r.event_hash = s.event_hash)`,
        )
        .pluck()
        .get() as number,
      unsent: db
        .prepare(
          `SELECT count(*) FROM messages m WHERE m.publishable = 1 AND NOT EXISTS (
             SELECT 1 FROM collector_sent s WHERE s.session_id = m.session_id AND s.message_seq = m.seq)`,
        )
        .pluck()
        .get() as number,
      raw: (db.prepare('SELECT raw FROM records').pluck().all() as Buffer[]).map((b) => b.toString('utf8')),
    };
  } finally {
    db.close();
  }
}
