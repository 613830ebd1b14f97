import path from 'node:path';
import type { AgentLink, ParsedMessage, RecordOutput, SessionInfo, UsageReport } from '../parsers/types.js';
import type { Db } from './db.js';
import type { Checkpoint, SourceFiles } from './files.js';

/** One complete line of a chunk, with what the parser made of each record in it. */
export interface ChunkLine {
  lineNo: number;
  offset: number;
  raw: Buffer;
  rawIsUtf8: boolean;
  /** One output per JSON value on the line (several when records were recovered from a corrupt line). */
  outputs: RecordOutput[];
  /** Problems with this line (invalid JSON, parser warnings), stored and reported with file and line. */
  warnings: string[];
}

export interface ChunkTotals {
  records: number;
  messages: number;
  duplicates: number;
  warnings: number;
}

interface SessionState {
  nextSeq: number;
  /** Group key of the open (unpublishable) messages, null when the session has none. */
  openGroup: string | null;
  dirty: boolean;
  info: Required<Omit<SessionInfo, 'sessionKey' | 'assistant' | 'timestamp'>> & {
    assistant: string;
    startedAt: string | null;
    lastActivityAt: string | null;
  };
}

/**
 * Writes parsed chunks. A chunk's records, messages, usage and the file checkpoint are committed in one
 * transaction, so a crash leaves either all of a chunk or none of it, and the checkpoint never runs ahead
 * of the rows. Only one process writes (the sync lock), which is why session counters can be cached here.
 */
export class ChunkWriter {
  private readonly sessions = new Map<string, SessionState>();
  private readonly threads = new Map<string, number>();
  /** Sessions whose messages changed (new rows, closed groups) since `takeTouched`; `all` after idle closes. */
  private touched = { sessions: new Set<string>(), all: false };
  /** Messages inserted by the current chunk: usage anchors are nearly always among them (no query needed). */
  private readonly fresh = new Map<string, { id: number; sessionId: string }>();
  private readonly freshTypes = new Map<number, string>();
  /** The last line stored per file, to recognise a line written twice in a row. */
  private readonly lastRaw = new Map<number, Buffer | undefined>();
  private nextRecordId = 0;
  /** Assistant of the file being written: the default for sessions first seen through a message. */
  private assistant = 'unknown';
  private readonly st;

  constructor(
    private readonly db: Db,
    private readonly files: SourceFiles,
  ) {
    this.st = {
      record: db.prepare(
        `INSERT INTO records (id, source_file_id, generation, offset, line_no, kind, session_id, raw, raw_is_utf8,
           message_count, note, observed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      maxRecordId: db.prepare('SELECT coalesce(max(id), 0) FROM records').pluck(),
      // Only used while re-reading a truncated or rewritten file: a scan of that file's records is fine.
      seenLine: db.prepare('SELECT 1 FROM records WHERE source_file_id = ? AND raw = ? LIMIT 1').pluck(),
      lastRaw: db
        .prepare('SELECT raw FROM records WHERE source_file_id = ? ORDER BY id DESC LIMIT 1')
        .pluck(),
      message: db.prepare(
        `INSERT OR IGNORE INTO messages (session_id, thread_id, seq, identity, record_id, emitted_at, observed_at,
           message_type, author_role, content, tool_name, tool_use_id, tool_input, tool_result, is_error, model,
           stop_reason, group_key, content_key, publishable)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      messageId: db.prepare('SELECT id FROM messages WHERE identity = ?').pluck(),
      anchorCandidate: db.prepare('SELECT id, session_id FROM messages WHERE identity = ?'),
      anchorTaken: db
        .prepare('SELECT 1 FROM responses WHERE anchor_message_id = ? AND key != ? LIMIT 1')
        .pluck(),
      setAnchor: db.prepare('UPDATE responses SET anchor_message_id = ? WHERE key = ?'),
      messageType: db.prepare('SELECT message_type FROM messages WHERE id = ?').pluck(),
      replayed: db.prepare('SELECT 1 FROM messages WHERE session_id = ? AND content_key = ? LIMIT 1').pluck(),
      closeGroups: db.prepare('UPDATE messages SET publishable = 1 WHERE session_id = ? AND publishable = 0'),
      openGroup: db.prepare(
        'SELECT group_key FROM messages WHERE session_id = ? AND publishable = 0 LIMIT 1',
      ),
      sessionRow: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      sessionInsert: db.prepare(
        `INSERT OR IGNORE INTO sessions (id, assistant, created_at) VALUES (?, ?, ?)`,
      ),
      sessionUpdate: db.prepare(
        `UPDATE sessions SET project_id = @projectId, cwd = @cwd, git_branch = @gitBranch, model = @model,
           started_at = @startedAt, last_activity_at = @lastActivityAt, assistant_version = @assistantVersion,
           parent_session_id = @parentSessionKey, slug = @slug, title = @title, next_seq = @nextSeq,
           assistant = @assistant WHERE id = @id`,
      ),
      project: db.prepare(
        `INSERT INTO projects (path, name) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET name = name RETURNING id`,
      ),
      thread: db.prepare('SELECT id FROM threads WHERE session_id = ? AND thread_key = ?').pluck(),
      threadInsert: db.prepare('INSERT INTO threads (session_id, thread_key) VALUES (?, ?)'),
      link: db.prepare(
        `INSERT INTO threads (session_id, thread_key, spawned_by_session_id, spawned_by_tool_use_id)
         VALUES (?, ?, ?, ?) ON CONFLICT(session_id, thread_key) DO UPDATE SET
           spawned_by_session_id = excluded.spawned_by_session_id,
           spawned_by_tool_use_id = excluded.spawned_by_tool_use_id`,
      ),
      usage: db.prepare(
        `INSERT INTO responses (key, session_id, model, anchor_message_id, input, output, cache_read,
           cache_creation, emitted_at)
         VALUES (@key, @sessionId, @model, @anchor, @input, @output, @cacheRead, @cacheCreation, @emittedAt)
         ON CONFLICT(key) DO UPDATE SET
           input = max(input, excluded.input), output = max(output, excluded.output),
           cache_read = max(cache_read, excluded.cache_read),
           cache_creation = max(cache_creation, excluded.cache_creation),
           model = coalesce(model, excluded.model),
           anchor_message_id = coalesce(anchor_message_id, excluded.anchor_message_id)
         RETURNING anchor_message_id, input, output, cache_read, cache_creation`,
      ),
      anchorTokens: db.prepare(
        `UPDATE messages SET tokens_input = ?, tokens_output = ?, tokens_cache_read = ?,
           tokens_cache_creation = ? WHERE id = ?`,
      ),
      warning: db.prepare(
        `INSERT INTO ingest_warnings (source_file_id, path, line_no, offset, reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /**
   * Writes one chunk and its checkpoint atomically: `produce` calls `write` for each line of the chunk and
   * returns the checkpoint after its last line.
   */
  apply(
    file: { id: number; path: string; assistant: string; generation: number; dedupeBelow: number },
    now: string,
    produce: (write: (line: ChunkLine) => void) => Checkpoint,
    hooks?: { beforeCommit?: (() => void) | undefined; phase?: ((line: string) => void) | undefined },
  ): ChunkTotals {
    const totals: ChunkTotals = { records: 0, messages: 0, duplicates: 0, warnings: 0 };
    this.assistant = file.assistant;
    this.fresh.clear();
    this.freshTypes.clear();
    this.db
      .transaction(() => {
        // Test-only markers, written inside the transaction: an unmatched `B txn` proves a kill before COMMIT.
        hooks?.phase?.('B txn');
        this.nextRecordId = (this.st.maxRecordId.get() as number) + 1;
        const checkpoint = produce((line) => this.writeLine(file, line, now, totals));
        this.flushSessions();
        this.files.setCheckpoint(file.id, checkpoint, now);
        hooks?.beforeCommit?.();
        hooks?.phase?.('E txn');
      })
      .immediate();
    return totals;
  }

  private writeLine(
    file: { id: number; path: string; generation: number; dedupeBelow: number },
    line: ChunkLine,
    now: string,
    totals: ChunkTotals,
  ): void {
    for (const reason of line.warnings) {
      this.st.warning.run(file.id, file.path, line.lineNo, line.offset, reason, now);
      totals.warnings++;
    }
    if (line.outputs.length === 0) return;
    // After a truncation or rewrite the file is read again from the start: lines already stored from an
    // earlier generation of this file are recognised by their bytes and not stored a second time.
    if (line.offset < file.dedupeBelow && this.st.seenLine.get(file.id, line.raw)) {
      totals.duplicates++;
      return;
    }
    const recordId = this.nextRecordId++;
    let stored = 0;
    const notes: string[] = [];
    // Concurrent writers have been seen to write one record several times in a row (log-formats.md E22):
    // the repeat is kept as a record row but means nothing new.
    if (this.previousRaw(file.id)?.equals(line.raw)) {
      notes.push('repeated line');
      totals.duplicates++;
    } else {
      for (const out of line.outputs) {
        stored += this.writeOutput(out, recordId, now, totals);
        if (out.note) notes.push(out.note);
      }
    }
    this.lastRaw.set(file.id, line.raw);
    const first = line.outputs[0]!;
    const kind = line.outputs.map((o) => o.kind).join('+');
    const note =
      stored === 0 && notes.length === 0 && first.messages.length > 0 ? 'duplicate' : notes.join('; ');
    this.st.record.run(
      recordId,
      file.id,
      file.generation,
      line.offset,
      line.lineNo,
      kind,
      first.sessionKey,
      line.raw,
      line.rawIsUtf8 ? 1 : 0,
      stored,
      note || null,
      now,
    );
    totals.records++;
  }

  private previousRaw(fileId: number): Buffer | undefined {
    if (!this.lastRaw.has(fileId))
      this.lastRaw.set(fileId, this.st.lastRaw.get(fileId) as Buffer | undefined);
    return this.lastRaw.get(fileId);
  }

  private writeOutput(out: RecordOutput, recordId: number, now: string, totals: ChunkTotals): number {
    for (const info of out.sessions) this.noteSession(info);
    if (out.closesGroups && out.sessionKey) this.closeGroups(out.sessionKey);
    let stored = 0;
    for (const msg of out.messages) {
      if (this.insertMessage(msg, recordId, now)) stored++;
      else totals.duplicates++;
    }
    for (const usage of out.usage) this.writeUsage(usage, recordId, now);
    for (const link of out.links) this.writeLink(link);
    totals.messages += stored;
    return stored;
  }

  private insertMessage(msg: ParsedMessage, recordId: number, now: string): boolean {
    // History replayed at the top of a forked Codex rollout is already stored under the thread it came from.
    if (msg.replayOf && this.st.replayed.get(msg.replayOf.threadKey, msg.replayOf.contentKey)) return false;
    const session = this.session(msg.sessionKey, this.assistant);
    const group = msg.groupKey ?? null;
    // A message of another assistant group proves the open group complete. Messages without a group (tool
    // output, prompts) close nothing by themselves: the parser says so explicitly with `closesGroups`.
    if (group !== null && session.openGroup !== null && session.openGroup !== group)
      this.closeGroups(msg.sessionKey);
    const info = this.st.message.run(
      msg.sessionKey,
      this.thread(msg.sessionKey, msg.threadKey),
      session.nextSeq,
      msg.identity,
      recordId,
      msg.emittedAt ?? now,
      now,
      msg.messageType,
      msg.authorRole,
      msg.content,
      msg.toolName ?? null,
      msg.toolUseId ?? null,
      msg.toolInput ?? null,
      msg.toolResult ?? null,
      msg.isError ? 1 : 0,
      msg.model ?? null,
      msg.stopReason ?? null,
      group,
      msg.contentKey ?? null,
      group === null ? 1 : 0,
    );
    if (info.changes === 0) return false;
    this.touched.sessions.add(msg.sessionKey);
    const id = Number(info.lastInsertRowid);
    this.fresh.set(msg.identity, { id, sessionId: msg.sessionKey });
    this.freshTypes.set(id, msg.messageType);
    session.nextSeq++;
    session.dirty = true;
    if (group !== null) session.openGroup = group;
    this.touch(session, msg.emittedAt);
    return true;
  }

  private closeGroups(sessionKey: string): void {
    const session = this.session(sessionKey, this.assistant);
    if (session.openGroup === null) return;
    this.st.closeGroups.run(sessionKey);
    session.openGroup = null;
    this.touched.sessions.add(sessionKey);
  }

  private writeUsage(u: UsageReport, recordId: number, now: string): void {
    this.session(u.sessionKey, this.assistant);
    const candidate = this.anchorFor(u);
    const row = this.st.usage.get({
      key: u.responseKey,
      sessionId: u.sessionKey,
      model: u.model,
      anchor: candidate,
      input: u.tokens.input,
      output: u.tokens.output,
      cacheRead: u.tokens.cacheRead,
      cacheCreation: u.tokens.cacheCreation,
      emittedAt: u.emittedAt,
    }) as {
      anchor_message_id: number | null;
      input: number;
      output: number;
      cache_read: number;
      cache_creation: number;
    };
    if (row.anchor_message_id === null) row.anchor_message_id = this.usageCarrier(u, recordId, now);
    else if (
      candidate !== null &&
      candidate !== row.anchor_message_id &&
      this.prefersText(row.anchor_message_id, candidate)
    ) {
      // Usage rides on the response's text message once one arrives (DESIGN.md §3.2), not on its thinking
      // or tool call: the tokens move before the still-open response can be published.
      this.st.anchorTokens.run(null, null, null, null, row.anchor_message_id);
      this.st.setAnchor.run(candidate, u.responseKey);
      row.anchor_message_id = candidate;
    }
    if (row.anchor_message_id !== null) {
      this.st.anchorTokens.run(
        row.input,
        row.output,
        row.cache_read,
        row.cache_creation,
        row.anchor_message_id,
      );
    }
  }

  /**
   * The message that carries a response's usage: the one the parser named, if it is stored in the same
   * session and carries no other response (hand-written logs reuse record ids across unrelated sessions).
   */
  private anchorFor(u: UsageReport): number | null {
    if (!u.anchorIdentity) return null;
    const fresh = this.fresh.get(u.anchorIdentity);
    if (fresh) return fresh.sessionId === u.sessionKey ? fresh.id : null;
    const m = this.st.anchorCandidate.get(u.anchorIdentity) as { id: number; session_id: string } | undefined;
    if (!m || m.session_id !== u.sessionKey) return null;
    return this.st.anchorTaken.get(m.id, u.responseKey) ? null : m.id;
  }

  private prefersText(current: number, candidate: number): boolean {
    return this.typeOf(candidate) === 'response' && this.typeOf(current) !== 'response';
  }

  private typeOf(messageId: number): string {
    return this.freshTypes.get(messageId) ?? (this.st.messageType.get(messageId) as string);
  }

  /**
   * Usage with no message of its own to ride on (a Codex token count before any output of its turn) gets an
   * empty system context message, so every response's usage is stored, shown and published exactly once.
   */
  private usageCarrier(u: UsageReport, recordId: number, now: string): number {
    const identity = `usage:${u.responseKey}`;
    this.insertMessage(
      {
        identity,
        sessionKey: u.sessionKey,
        threadKey: 'main',
        messageType: 'context',
        authorRole: 'system',
        emittedAt: u.emittedAt,
        content: null,
        model: u.model,
      },
      recordId,
      now,
    );
    const id = this.st.messageId.get(identity) as number;
    this.st.setAnchor.run(id, u.responseKey);
    return id;
  }

  private writeLink(link: AgentLink): void {
    const agentSession = `${link.parentSessionKey}:agent-${link.agentId}`;
    this.st.link.run(agentSession, `agent-${link.agentId}`, link.parentSessionKey, link.toolUseId);
    this.threads.delete(`${agentSession}\u0000agent-${link.agentId}`);
  }

  private thread(sessionKey: string, threadKey: string): number {
    const key = `${sessionKey}\u0000${threadKey}`;
    let id = this.threads.get(key);
    if (id === undefined) {
      id = this.st.thread.get(sessionKey, threadKey) as number | undefined;
      if (id === undefined) id = Number(this.st.threadInsert.run(sessionKey, threadKey).lastInsertRowid);
      this.threads.set(key, id);
    }
    return id;
  }

  private session(key: string, assistant: string): SessionState {
    let s = this.sessions.get(key);
    if (s) return s;
    this.st.sessionInsert.run(key, assistant, new Date().toISOString());
    const row = this.st.sessionRow.get(key) as Record<string, unknown>;
    const open = this.st.openGroup.get(key) as { group_key: string | null } | undefined;
    s = {
      nextSeq: row.next_seq as number,
      openGroup: open ? (open.group_key ?? '') : null,
      dirty: false,
      info: {
        assistant: row.assistant as string,
        cwd: (row.cwd as string | null) ?? null,
        gitBranch: (row.git_branch as string | null) ?? null,
        model: (row.model as string | null) ?? null,
        assistantVersion: (row.assistant_version as string | null) ?? null,
        parentSessionKey: (row.parent_session_id as string | null) ?? null,
        slug: (row.slug as string | null) ?? null,
        title: (row.title as string | null) ?? null,
        startedAt: (row.started_at as string | null) ?? null,
        lastActivityAt: (row.last_activity_at as string | null) ?? null,
      },
    };
    this.sessions.set(key, s);
    return s;
  }

  /** Session facts are merged in memory and written once per chunk: most lines repeat the same values. */
  private noteSession(info: SessionInfo): void {
    const s = this.session(info.sessionKey, info.assistant);
    const fields = [
      'cwd',
      'gitBranch',
      'model',
      'assistantVersion',
      'parentSessionKey',
      'slug',
      'title',
    ] as const;
    for (const f of fields) {
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
    this.touch(s, info.timestamp ?? null);
  }

  private touch(s: SessionState, ts: string | null): void {
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

  private flushSessions(): void {
    for (const [id, s] of this.sessions) {
      if (!s.dirty) continue;
      const projectId = s.info.cwd
        ? (this.st.project.get(s.info.cwd, path.basename(s.info.cwd) || s.info.cwd) as { id: number }).id
        : null;
      this.st.sessionUpdate.run({ id, projectId, nextSeq: s.nextSeq, ...s.info });
      s.dirty = false;
    }
  }

  /** Closes groups left open in sessions whose files have been quiet for the idle threshold (§3.2). */
  closeIdleGroups(idleBeforeMs: number): number {
    const info = this.db
      .prepare(
        `UPDATE messages SET publishable = 1 WHERE publishable = 0 AND record_id IN (
           SELECT r.id FROM messages m JOIN records r ON r.id = m.record_id
           JOIN source_files f ON f.id = r.source_file_id
           WHERE m.publishable = 0 AND f.mtime_ms < ?)`,
      )
      .run(idleBeforeMs);
    if (info.changes > 0) {
      this.touched.all = true;
      for (const [key, s] of this.sessions) {
        if (s.openGroup === null) continue;
        const open = this.st.openGroup.get(key) as { group_key: string | null } | undefined;
        s.openGroup = open ? (open.group_key ?? '') : null;
      }
    }
    return info.changes;
  }

  /** The sessions changed since the last call, for the publisher (which then checks only those). */
  takeTouched(): { sessions: Set<string>; all: boolean } {
    const t = this.touched;
    this.touched = { sessions: new Set(), all: false };
    return t;
  }
}
