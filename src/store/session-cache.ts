/**
 * The writer's in-memory view of the sessions a chunk touches: each session's next seq, its facts (merged
 * in memory and written once per chunk) and the open assistant group of each thread.
 *
 * Invariant: this is a cache of committed rows plus the changes of the transaction in progress. When a
 * transaction does not commit, `discard()` must be called: the next access reloads every value from the
 * database, so a rolled-back chunk can never leave a seq, a group or a fact behind in memory.
 */
import path from 'node:path';
import type { SessionInfo } from '../parsers/index.js';
import type { Db } from './db.js';

/**
 * Facts the session starts with: the first value seen wins. They go out on `session_start`, which the server
 * keeps once, so they must not depend on how far the file had been read when it was sent; and the first
 * line of a file is the same however the file arrives.
 */
const FIRST_FACTS = ['cwd', 'gitBranch', 'assistantVersion', 'parentSessionKey', 'slug'] as const;
/** Facts that describe the session now: the latest value wins (local display only). */
const LATEST_FACTS = ['model', 'title'] as const;

type FactField = (typeof FIRST_FACTS)[number] | (typeof LATEST_FACTS)[number];

export interface SessionState {
  nextSeq: number;
  /** Open (unpublishable) group per thread key: a message of another group in that thread closes it. */
  openGroups: Map<string, string>;
  dirty: boolean;
  info: Record<FactField, string | null> & {
    assistant: string;
    startedAt: string | null;
    lastActivityAt: string | null;
  };
}

export class SessionCache {
  private readonly sessions = new Map<string, SessionState>();
  /** Sessions whose row this cache created (a new session); the writer decides when to forget them. */
  readonly created = new Set<string>();
  private readonly st;

  constructor(db: Db) {
    this.st = {
      row: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO sessions (id, assistant, created_at) VALUES (?, ?, ?)'),
      openGroups: db.prepare(
        `SELECT DISTINCT t.thread_key AS thread, m.group_key AS grp FROM messages m
           JOIN threads t ON t.id = m.thread_id WHERE m.session_id = ? AND m.publishable = 0`,
      ),
      update: db.prepare(
        `UPDATE sessions SET project_id = @projectId, cwd = @cwd, git_branch = @gitBranch, model = @model,
           started_at = @startedAt, last_activity_at = @lastActivityAt, assistant_version = @assistantVersion,
           parent_session_id = @parentSessionKey, slug = @slug, title = @title, next_seq = @nextSeq,
           assistant = @assistant WHERE id = @id`,
      ),
      project: db.prepare(
        `INSERT INTO projects (path, name) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET name = name RETURNING id`,
      ),
    };
  }

  /** The session's state, creating its row (inside the current transaction) on first sight. */
  get(key: string, assistant: string, now: string): SessionState {
    let s = this.sessions.get(key);
    if (s) return s;
    if (this.st.insert.run(key, assistant, now).changes > 0) this.created.add(key);
    const row = this.st.row.get(key) as Record<string, unknown>;
    const str = (k: string) => (row[k] as string | null) ?? null;
    s = {
      nextSeq: row.next_seq as number,
      openGroups: this.loadOpenGroups(key),
      dirty: false,
      info: {
        assistant: row.assistant as string,
        cwd: str('cwd'),
        gitBranch: str('git_branch'),
        model: str('model'),
        assistantVersion: str('assistant_version'),
        parentSessionKey: str('parent_session_id'),
        slug: str('slug'),
        title: str('title'),
        startedAt: str('started_at'),
        lastActivityAt: str('last_activity_at'),
      },
    };
    this.sessions.set(key, s);
    return s;
  }

  private loadOpenGroups(key: string): Map<string, string> {
    const rows = this.st.openGroups.all(key) as { thread: string; grp: string | null }[];
    return new Map(rows.map((r) => [r.thread, r.grp ?? '']));
  }

  /** Re-reads the open groups of every cached session (after groups were closed behind the cache's back). */
  reloadOpenGroups(): void {
    for (const [key, s] of this.sessions) s.openGroups = this.loadOpenGroups(key);
  }

  /** Session facts are merged in memory and written once per chunk: most lines repeat the same values. */
  note(info: SessionInfo, now: string): void {
    const s = this.get(info.sessionKey, info.assistant, now);
    for (const f of FIRST_FACTS) {
      const v = info[f];
      if (s.info[f] === null && typeof v === 'string' && v.length > 0) {
        s.info[f] = v;
        s.dirty = true;
      }
    }
    for (const f of LATEST_FACTS) {
      const v = info[f];
      if (typeof v === 'string' && v.length > 0 && s.info[f] !== v) {
        s.info[f] = v;
        s.dirty = true;
      }
    }
    if (s.info.assistant === 'unknown') {
      s.info.assistant = info.assistant;
      s.dirty = true;
    }
    touch(s, info.timestamp ?? null);
  }

  /** Writes every changed session row; called inside the chunk's transaction, before its commit. */
  flush(): void {
    for (const [id, s] of this.sessions) {
      if (!s.dirty) continue;
      const cwd = s.info.cwd;
      const projectId = cwd
        ? (this.st.project.get(cwd, path.basename(cwd) || cwd) as { id: number }).id
        : null;
      this.st.update.run({ id, projectId, nextSeq: s.nextSeq, ...s.info });
      s.dirty = false;
    }
  }

  /** Forgets everything: the transaction these values belonged to did not commit. */
  discard(): void {
    this.sessions.clear();
  }
}

/** Widens the session's time span to include `ts`. */
export function touch(s: SessionState, ts: string | null): void {
  if (!ts || Number.isNaN(Date.parse(ts))) return;
  if (s.info.startedAt === null || ts < s.info.startedAt) {
    s.info.startedAt = ts;
    s.dirty = true;
  }
  if (s.info.lastActivityAt === null || ts > s.info.lastActivityAt) {
    s.info.lastActivityAt = ts;
    s.dirty = true;
  }
}
