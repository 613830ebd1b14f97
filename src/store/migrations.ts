/**
 * Numbered schema migrations. A migration is never edited once released: changes go into a new entry.
 * Each runs in its own transaction together with the bump of `user_version`.
 */
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
];
