/**
 * Builds OpenCode-shaped databases for tests: the `session`, `message` and `part` tables with the DDL of a
 * real `opencode.db` written by OpenCode 1.18.33 (copied from that file: the DDL is a fact of the format), in
 * WAL mode as OpenCode runs it, plus builders for the `data` JSON of messages and parts in the shapes that
 * build writes (agents-formats.md §3). Rows are inserted and updated in place like OpenCode does.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** `sqlite3 opencode.db ".schema project" ".schema session" ".schema message" ".schema part"` of a real 1.18.33 database. */
export const OPENCODE_DDL = `
CREATE TABLE \`project\` (
          \`id\` text PRIMARY KEY,
          \`worktree\` text NOT NULL,
          \`vcs\` text,
          \`name\` text,
          \`icon_url\` text,
          \`icon_url_override\` text,
          \`icon_color\` text,
          \`time_created\` integer NOT NULL,
          \`time_updated\` integer NOT NULL,
          \`time_initialized\` integer,
          \`sandboxes\` text NOT NULL,
          \`commands\` text
        );
CREATE TABLE \`session\` (
          \`id\` text PRIMARY KEY,
          \`project_id\` text NOT NULL,
          \`workspace_id\` text,
          \`parent_id\` text,
          \`slug\` text NOT NULL,
          \`directory\` text NOT NULL,
          \`path\` text,
          \`title\` text NOT NULL,
          \`version\` text NOT NULL,
          \`share_url\` text,
          \`summary_additions\` integer,
          \`summary_deletions\` integer,
          \`summary_files\` integer,
          \`summary_diffs\` text,
          \`metadata\` text,
          \`cost\` real DEFAULT 0 NOT NULL,
          \`tokens_input\` integer DEFAULT 0 NOT NULL,
          \`tokens_output\` integer DEFAULT 0 NOT NULL,
          \`tokens_reasoning\` integer DEFAULT 0 NOT NULL,
          \`tokens_cache_read\` integer DEFAULT 0 NOT NULL,
          \`tokens_cache_write\` integer DEFAULT 0 NOT NULL,
          \`revert\` text,
          \`permission\` text,
          \`agent\` text,
          \`model\` text,
          \`time_created\` integer NOT NULL,
          \`time_updated\` integer NOT NULL,
          \`time_compacting\` integer,
          \`time_archived\` integer,
          CONSTRAINT \`fk_session_project_id_project_id_fk\` FOREIGN KEY (\`project_id\`) REFERENCES \`project\`(\`id\`) ON DELETE CASCADE
        );
CREATE INDEX \`session_project_idx\` ON \`session\` (\`project_id\`);
CREATE INDEX \`session_workspace_idx\` ON \`session\` (\`workspace_id\`);
CREATE INDEX \`session_parent_idx\` ON \`session\` (\`parent_id\`);
CREATE TABLE \`message\` (
          \`id\` text PRIMARY KEY,
          \`session_id\` text NOT NULL,
          \`time_created\` integer NOT NULL,
          \`time_updated\` integer NOT NULL,
          \`data\` text NOT NULL,
          CONSTRAINT \`fk_message_session_id_session_id_fk\` FOREIGN KEY (\`session_id\`) REFERENCES \`session\`(\`id\`) ON DELETE CASCADE
        );
CREATE INDEX \`message_session_time_created_id_idx\` ON \`message\` (\`session_id\`,\`time_created\`,\`id\`);
CREATE TABLE \`part\` (
          \`id\` text PRIMARY KEY,
          \`message_id\` text NOT NULL,
          \`session_id\` text NOT NULL,
          \`time_created\` integer NOT NULL,
          \`time_updated\` integer NOT NULL,
          \`data\` text NOT NULL,
          CONSTRAINT \`fk_part_message_id_message_id_fk\` FOREIGN KEY (\`message_id\`) REFERENCES \`message\`(\`id\`) ON DELETE CASCADE
        );
CREATE INDEX \`part_message_id_id_idx\` ON \`part\` (\`message_id\`,\`id\`);
CREATE INDEX \`part_session_idx\` ON \`part\` (\`session_id\`);
`;

export type Json = Record<string, unknown>;

export interface Tokens {
  input: number;
  output: number;
  reasoning: number;
  cache: { read: number; write: number };
  total?: number;
}

/** Tokens as OpenCode ≥ 1.18 writes them: disjoint counters and their total. */
export function tokens(input: number, output: number, cacheRead = 0, cacheWrite = 0, reasoning = 0): Tokens {
  return {
    total: input + output + reasoning + cacheRead + cacheWrite,
    input,
    output,
    reasoning,
    cache: { write: cacheWrite, read: cacheRead },
  };
}

export function userData(created: number, agent = 'build'): Json {
  return { role: 'user', time: { created }, agent, model: { providerID: 'agx', modelID: 'agx-model' } };
}

/** An assistant message row; `completed` absent = still being written (no `finish` either). */
export function assistantData(
  parentID: string,
  created: number,
  done?: { completed: number; finish?: string; tokens?: Tokens; error?: Json },
): Json {
  const data: Json = {
    parentID,
    role: 'assistant',
    mode: 'build',
    agent: 'build',
    path: { cwd: '/work/demo', root: '/work/demo' },
    cost: 0,
    tokens: done?.tokens ?? { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    modelID: 'agx-model',
    providerID: 'agx',
    time: done ? { created, completed: done.completed } : { created },
  };
  if (done?.finish) data.finish = done.finish;
  if (done?.error) data.error = done.error;
  return data;
}

export const textPart = (text: string, extra: Json = {}): Json => ({ type: 'text', text, ...extra });
export const reasoningPart = (text: string): Json => ({ type: 'reasoning', text });
export const stepStart = (): Json => ({ type: 'step-start', snapshot: 'f8133cd6' });
export const stepFinish = (reason: string, t: Tokens): Json => ({
  type: 'step-finish',
  reason,
  snapshot: 'f8133cd6',
  tokens: t,
  cost: 0,
});

export function toolPart(
  callID: string,
  tool: string,
  input: Json,
  state: {
    status: 'pending' | 'running' | 'completed' | 'error';
    output?: string;
    error?: string;
    exit?: number;
  },
  time: { start: number; end?: number },
): Json {
  const s: Json = { status: state.status, input };
  if (state.output !== undefined) s.output = state.output;
  if (state.error !== undefined) s.error = state.error;
  if (state.exit !== undefined)
    s.metadata = { output: state.output ?? '', exit: state.exit, truncated: false };
  s.time =
    state.status === 'completed' || state.status === 'error'
      ? { start: time.start, end: time.end }
      : { start: time.start };
  return { type: 'tool', tool, callID, state: s };
}

export interface SessionSpec {
  id: string;
  parentId?: string | null;
  directory?: string;
  title?: string;
  version?: string;
  created: number;
}

/** A writable OpenCode-shaped database, kept open (WAL mode, no automatic checkpoint unless asked). */
export class OpenCodeDb {
  readonly db: Database.Database;

  constructor(
    readonly file: string,
    opts: { autoCheckpoint?: boolean } = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    if (opts.autoCheckpoint === false) this.db.pragma('wal_autocheckpoint = 0');
    this.db.exec(OPENCODE_DDL);
    // The synthetic project OpenCode files sessions outside a repository under (sessions reference it).
    this.db
      .prepare(
        "INSERT INTO project (id, worktree, time_created, time_updated, sandboxes) VALUES ('global', '/', 0, 0, '[]')",
      )
      .run();
  }

  session(s: SessionSpec): void {
    this.db
      .prepare(
        `INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, time_created, time_updated)
         VALUES (?, 'global', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.id,
        s.parentId ?? null,
        `slug-${s.id.slice(-4)}`,
        s.directory ?? '/work/demo',
        s.title ?? 'New session',
        s.version ?? '1.18.33',
        s.created,
        s.created,
      );
  }

  /** Bumps the session row like OpenCode does on every step (title, counters, time_updated). */
  touchSession(id: string, at: number, title?: string): void {
    this.db
      .prepare('UPDATE session SET time_updated = ?, title = coalesce(?, title) WHERE id = ?')
      .run(at, title ?? null, id);
  }

  message(sessionId: string, id: string, data: Json, created: number, updated = created): void {
    this.db
      .prepare(
        'INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)',
      )
      .run(id, sessionId, created, updated, JSON.stringify(data));
  }

  part(
    sessionId: string,
    messageId: string,
    id: string,
    data: Json,
    created: number,
    updated = created,
  ): void {
    this.db
      .prepare(
        'INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, messageId, sessionId, created, updated, JSON.stringify(data));
  }

  updateMessage(id: string, data: Json, updated: number): void {
    this.db
      .prepare('UPDATE message SET data = ?, time_updated = ? WHERE id = ?')
      .run(JSON.stringify(data), updated, id);
  }

  updatePart(id: string, data: Json, updated: number): void {
    this.db
      .prepare('UPDATE part SET data = ?, time_updated = ? WHERE id = ?')
      .run(JSON.stringify(data), updated, id);
  }

  /** Every message row, its `data` parsed, for independent goldens. */
  messages(): { id: string; session_id: string; data: Json }[] {
    return (
      this.db.prepare('SELECT id, session_id, data FROM message ORDER BY id').all() as {
        id: string;
        session_id: string;
        data: string;
      }[]
    ).map((r) => ({ ...r, data: JSON.parse(r.data) as Json }));
  }

  /** Every part row, its `data` parsed. */
  parts(): { id: string; message_id: string; session_id: string; data: Json }[] {
    return (
      this.db.prepare('SELECT id, message_id, session_id, data FROM part ORDER BY id').all() as {
        id: string;
        message_id: string;
        session_id: string;
        data: string;
      }[]
    ).map((r) => ({ ...r, data: JSON.parse(r.data) as Json }));
  }

  /** Writes the WAL back into the database file (what OpenCode does on a clean exit). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
