/**
 * Numbered schema migrations. A migration is never edited once released: changes go into a new entry.
 * Each runs in its own transaction together with the bump of `user_version`.
 *
 * The search index (version 3) is an external-content FTS5 table over `messages`, kept in step by triggers
 * on `messages`. A later migration that touches `messages` keeps it valid this way:
 * - `ALTER TABLE messages ADD COLUMN …`, and any INSERT, UPDATE or DELETE: nothing to do, the triggers follow.
 * - Rebuilding `messages` (create a new table, copy, drop, rename): the triggers are dropped with the old
 *   table. `openDatabase` notices the missing triggers right after migrating, re-creates them and rebuilds the
 *   index (search-index.ts); the migration may also end with `INSERT INTO messages_fts(messages_fts)
 *   VALUES ('rebuild')` to do it in its own transaction.
 * - Renaming or dropping `content`, `tool_name`, `tool_input` or `tool_result`, or changing the tokenizer: the
 *   migration drops `messages_fts` and its triggers and creates them anew (then `'rebuild'`), and
 *   `SEARCH_INDEX` in search-index.ts points at the new definition.
 */
/**
 * The search index as version 3 defines it (frozen with the migration): an FTS5 table over the text columns
 * of `messages` that stores no text of its own (`content='messages'`: snippets are read from `messages` by
 * rowid), and the triggers that change it in the same statement, hence the same transaction, as the rows.
 * The UPDATE trigger fires only when an indexed column (or the id) really changes, so the writer's frequent
 * updates of `publishable` and token counts cost nothing. Every row is indexed, empty ones included, so the
 * index always equals what `'rebuild'` would make of the table (which `'integrity-check'` verifies).
 */
export const SEARCH_INDEX_V3 = {
  table: `CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, tool_name, tool_input, tool_result,
  content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);`,
  triggers: `CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, content, tool_name, tool_input, tool_result)
  VALUES (new.id, new.content, new.tool_name, new.tool_input, new.tool_result);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content, tool_name, tool_input, tool_result)
  VALUES ('delete', old.id, old.content, old.tool_name, old.tool_input, old.tool_result);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF id, content, tool_name, tool_input, tool_result ON messages
WHEN old.id IS NOT new.id OR old.content IS NOT new.content OR old.tool_name IS NOT new.tool_name
  OR old.tool_input IS NOT new.tool_input OR old.tool_result IS NOT new.tool_result
BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content, tool_name, tool_input, tool_result)
  VALUES ('delete', old.id, old.content, old.tool_name, old.tool_input, old.tool_result);
  INSERT INTO messages_fts (rowid, content, tool_name, tool_input, tool_result)
  VALUES (new.id, new.content, new.tool_name, new.tool_input, new.tool_result);
END;`,
  triggerNames: ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update'],
} as const;

export const migrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'local ingest',
    sql: `
CREATE TABLE source_files (
  id                INTEGER PRIMARY KEY,
  path              TEXT NOT NULL UNIQUE,
  assistant         TEXT NOT NULL,
  role              TEXT NOT NULL,
  dev               INTEGER,
  ino               INTEGER,
  size              INTEGER NOT NULL DEFAULT 0,
  mtime_ms          REAL NOT NULL DEFAULT 0,
  fp_bytes          INTEGER NOT NULL DEFAULT 0,
  fp_hash           TEXT,
  checkpoint_offset INTEGER NOT NULL DEFAULT 0,
  checkpoint_line   INTEGER NOT NULL DEFAULT 0,
  parser_state      TEXT,
  last_timestamp    TEXT,
  first_seen_mtime  TEXT NOT NULL,
  dedupe_below      INTEGER NOT NULL DEFAULT 0,
  generation        INTEGER NOT NULL DEFAULT 0,
  last_change       TEXT NOT NULL DEFAULT 'new',
  missing           INTEGER NOT NULL DEFAULT 0,
  updated_at        TEXT NOT NULL
);
CREATE INDEX source_files_fingerprint ON source_files(fp_hash);

CREATE TABLE projects (
  id   INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL
);

CREATE TABLE sessions (
  id                TEXT PRIMARY KEY,
  assistant         TEXT NOT NULL,
  project_id        INTEGER REFERENCES projects(id),
  cwd               TEXT,
  git_branch        TEXT,
  model             TEXT,
  started_at        TEXT,
  last_activity_at  TEXT,
  assistant_version TEXT,
  parent_session_id TEXT,
  slug              TEXT,
  title             TEXT,
  next_seq          INTEGER NOT NULL DEFAULT 1,
  created_at        TEXT NOT NULL
);
CREATE INDEX sessions_parent ON sessions(parent_session_id) WHERE parent_session_id IS NOT NULL;

CREATE TABLE threads (
  id                     INTEGER PRIMARY KEY,
  session_id             TEXT NOT NULL REFERENCES sessions(id),
  thread_key             TEXT NOT NULL,
  spawned_by_session_id  TEXT,
  spawned_by_tool_use_id TEXT,
  UNIQUE (session_id, thread_key)
);

-- One row per non-blank complete line (or per record recovered from a corrupt line): the lossless copy.
CREATE TABLE records (
  id             INTEGER PRIMARY KEY,
  source_file_id INTEGER NOT NULL REFERENCES source_files(id),
  generation     INTEGER NOT NULL,
  offset         INTEGER NOT NULL,
  line_no        INTEGER NOT NULL,
  kind           TEXT,
  session_id     TEXT,
  raw            BLOB NOT NULL,
  raw_is_utf8    INTEGER NOT NULL,
  message_count  INTEGER NOT NULL,
  note           TEXT,
  observed_at    TEXT NOT NULL
);
CREATE INDEX records_file_line ON records(source_file_id, line_no);

CREATE TABLE messages (
  id                    INTEGER PRIMARY KEY,
  session_id            TEXT NOT NULL REFERENCES sessions(id),
  thread_id             INTEGER NOT NULL REFERENCES threads(id),
  seq                   INTEGER NOT NULL,
  identity              TEXT NOT NULL UNIQUE,
  record_id             INTEGER NOT NULL REFERENCES records(id),
  emitted_at            TEXT NOT NULL,
  observed_at           TEXT NOT NULL,
  message_type          TEXT NOT NULL,
  author_role           TEXT NOT NULL,
  content               TEXT,
  tool_name             TEXT,
  tool_use_id           TEXT,
  tool_input            TEXT,
  tool_result           TEXT,
  is_error              INTEGER NOT NULL DEFAULT 0,
  model                 TEXT,
  stop_reason           TEXT,
  tokens_input          INTEGER,
  tokens_output         INTEGER,
  tokens_cache_read     INTEGER,
  tokens_cache_creation INTEGER,
  group_key             TEXT,
  content_key           TEXT,
  publishable           INTEGER NOT NULL DEFAULT 0,
  UNIQUE (session_id, seq)
);
CREATE INDEX messages_open ON messages(session_id) WHERE publishable = 0;
CREATE INDEX messages_content_key ON messages(session_id, content_key) WHERE content_key IS NOT NULL;

-- Token usage per API response, so a response written as several records is counted once.
CREATE TABLE responses (
  key               TEXT PRIMARY KEY,
  session_id        TEXT NOT NULL,
  model             TEXT,
  anchor_message_id INTEGER,
  input             INTEGER NOT NULL,
  output            INTEGER NOT NULL,
  cache_read        INTEGER NOT NULL,
  cache_creation    INTEGER NOT NULL,
  emitted_at        TEXT
);
CREATE INDEX responses_session ON responses(session_id);
CREATE INDEX responses_anchor ON responses(anchor_message_id) WHERE anchor_message_id IS NOT NULL;

CREATE TABLE ingest_warnings (
  id             INTEGER PRIMARY KEY,
  source_file_id INTEGER,
  path           TEXT NOT NULL,
  line_no        INTEGER,
  offset         INTEGER,
  reason         TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX ingest_warnings_file ON ingest_warnings(source_file_id, line_no);
`,
  },
  {
    version: 2,
    name: 'collector outbox state',
    sql: `
-- The seed's table, plus what DESIGN.md §2 adds: the server the cursor refers to, whether session_start was
-- acknowledged, the last wire sequence used, failed rounds and the next retry time.
CREATE TABLE collector_publish_state (
  session_id          TEXT PRIMARY KEY,
  last_published_seq  INTEGER NOT NULL DEFAULT 0,
  last_published_at   TEXT,
  status              TEXT NOT NULL DEFAULT 'active',
  error_message       TEXT,
  created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  server_url          TEXT,
  session_start_acked INTEGER NOT NULL DEFAULT 0,
  last_wire_sequence  INTEGER NOT NULL DEFAULT 0,
  failed_rounds       INTEGER NOT NULL DEFAULT 0,
  next_retry_at       TEXT,
  backfilled          INTEGER NOT NULL DEFAULT 0,
  completed_at        TEXT
);
CREATE INDEX idx_publish_state_status ON collector_publish_state(status) WHERE status = 'active';

-- Every event ordinal handed out, so a resend carries the same number and a legacy 409 can be answered.
CREATE TABLE collector_sent (
  session_id  TEXT NOT NULL,
  sequence    INTEGER NOT NULL,
  message_seq INTEGER NOT NULL,
  event_hash  TEXT NOT NULL,
  event_type  TEXT NOT NULL,
  PRIMARY KEY (session_id, sequence)
);
CREATE UNIQUE INDEX collector_sent_hash ON collector_sent(session_id, event_hash);

CREATE TABLE collector_rejections (
  id          INTEGER PRIMARY KEY,
  session_id  TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  event_type  TEXT NOT NULL,
  event_hash  TEXT NOT NULL,
  status      INTEGER,
  detail      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX collector_rejections_session ON collector_rejections(session_id, event_hash);

-- Persisted counters for \`collector stats\`, and one row of global state (pause, server url).
CREATE TABLE collector_counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE collector_latency (
  id         INTEGER PRIMARY KEY,
  latency_ms INTEGER NOT NULL,
  at         TEXT NOT NULL
);
CREATE TABLE collector_state (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  server_url    TEXT,
  enabled_at    TEXT,
  paused_reason TEXT,
  paused_detail TEXT,
  paused_at     TEXT,
  paused_config TEXT,
  location      TEXT
);
`,
  },
  {
    version: 3,
    name: 'full-text search index',
    // Builds the index of the messages already stored, so an upgraded database is searchable at once.
    sql: `${SEARCH_INDEX_V3.table}
${SEARCH_INDEX_V3.triggers}
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');`,
  },
  {
    version: 4,
    name: 'reasoning tokens',
    // The part of a response's output tokens that was reasoning (thinking), where the agent reports it; NULL
    // where it does not. It is part of `output`, never added to it.
    sql: 'ALTER TABLE responses ADD COLUMN reasoning INTEGER;',
  },
  {
    version: 5,
    name: 'collector requests and health',
    sql: `
-- Requests from collector commands (resume, register) to the process holding the sync lock: recorded here,
-- then SIGUSR1; the holder applies each in one transaction with the state change and records the result.
CREATE TABLE collector_requests (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  args         TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  requested_by INTEGER,
  done_at      TEXT,
  result       TEXT
);
CREATE INDEX collector_requests_open ON collector_requests(id) WHERE done_at IS NULL;

-- What \`collector status\` reports as health: the outcome of the last request to the server.
ALTER TABLE collector_state ADD COLUMN last_request_at TEXT;
ALTER TABLE collector_state ADD COLUMN last_request_ok INTEGER;
ALTER TABLE collector_state ADD COLUMN last_request_detail TEXT;
ALTER TABLE collector_state ADD COLUMN last_success_at TEXT;
-- Messages observed before this instant are backfill (history), not live data, for latency figures: set
-- when publishing is enabled and when the cursors are reset for a server.
ALTER TABLE collector_state ADD COLUMN live_since TEXT;
ALTER TABLE collector_latency ADD COLUMN backfill INTEGER NOT NULL DEFAULT 0;
`,
  },
];
