/**
 * ChunkWriter: writes parsed chunks. A chunk's records, messages, usage, the file's identity and its checkpoint
 * are committed in one transaction, so a crash or a failed commit leaves either all of a chunk or none of it,
 * and the checkpoint never runs ahead of the rows.
 *
 * Invariants:
 * - Memory never outlives a transaction that did not commit: session counters and open groups, thread ids,
 *   the last line of each file, copy ranks and the re-read index are caches of committed rows plus the
 *   current transaction's changes, and every one is discarded when `apply` throws (then reloaded from disk).
 * - A message that may be on the server (see SentCheck) never changes session, content or usage silently:
 *   such a change is refused or reported as a named warning.
 * - Groups (an assistant response) are closed per thread by a message of another group, by a record the
 *   parser marks as closing, or by idle time (`closeIdleGroups`); a group's messages are unpublishable until
 *   then.
 * Only one process writes (the sync lock), which is why these caches are sound between transactions.
 */
import type { AgentLink, ParsedMessage, RecordOutput } from '../parsers/index.js';
import { CopyRank } from './copy-rank.js';
import type { Db } from './db.js';
import type { Checkpoint, FileIdentity, SourceFiles } from './files.js';
import { RereadIndex } from './reread-index.js';
import { SentCheck } from './sent-check.js';
import { SessionCache, type SessionState, touch } from './session-cache.js';
import { UsageWriter } from './usage-writer.js';

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

export interface ChunkFile {
  id: number;
  path: string;
  assistant: string;
  generation: number;
  dedupeBelow: number;
}

/** What the chunk's transaction must also record about its file, besides the checkpoint. */
export interface FileUpdate {
  /** Runs first inside the transaction: the change classification's own writes (restart, move, warning). */
  prelude?: (() => void) | undefined;
  /**
   * The file's identity (size, mtime, inode…), asked for after the chunk's lines were written: it is given
   * only by the chunk that read up to that size.
   */
  identity?: (() => { id: FileIdentity; change: string } | undefined) | undefined;
}

export interface ApplyHooks {
  beforeCommit?: (() => void) | undefined;
  phase?: ((line: string) => void) | undefined;
}

interface StoredRow {
  id: number;
  session_id: string;
  seq: number;
  record_id: number;
  observed_at: string;
  publishable: number;
}

export class ChunkWriter {
  private readonly sessions: SessionCache;
  private readonly threads = new Map<string, number>();
  /** Sessions whose messages changed (new rows, closed groups) since `takeTouched`; `all` after idle closes. */
  private touched = { sessions: new Set<string>(), all: false };
  /** Messages inserted by the current chunk: usage anchors are nearly always among them (no query needed). */
  private readonly fresh = new Map<string, { id: number; sessionId: string; type: string }>();
  /** The last line stored per file, to recognise a line written twice in a row. */
  private readonly lastRaw = new Map<number, Buffer | undefined>();
  private readonly ranks: CopyRank;
  private readonly reread: RereadIndex;
  private readonly sentCheck: SentCheck;
  private readonly usage: UsageWriter;
  private nextRecordId = 0;
  /** The file and line being written, for the assistant default and for warnings raised while writing it. */
  private current: {
    file: ChunkFile;
    line: ChunkLine;
    now: string;
    totals: ChunkTotals;
    /** Response keys the output being written reports usage for. */
    usageKeys: ReadonlySet<string>;
    recordId: number;
  } | null = null;
  private readonly st;

  constructor(
    private readonly db: Db,
    private readonly files: SourceFiles,
  ) {
    this.sessions = new SessionCache(db);
    this.ranks = new CopyRank(db);
    this.reread = new RereadIndex(db);
    this.sentCheck = new SentCheck(db);
    this.usage = new UsageWriter(db, this.sentCheck);
    this.st = {
      record: db.prepare(
        `INSERT INTO records (id, source_file_id, generation, offset, line_no, kind, session_id, raw, raw_is_utf8,
           message_count, note, observed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      maxRecordId: db.prepare('SELECT coalesce(max(id), 0) FROM records').pluck(),
      lastRaw: db
        .prepare('SELECT raw FROM records WHERE source_file_id = ? ORDER BY id DESC LIMIT 1')
        .pluck(),
      message: db.prepare(
        `INSERT OR IGNORE INTO messages (session_id, thread_id, seq, identity, record_id, emitted_at, observed_at,
           message_type, author_role, content, tool_name, tool_use_id, tool_input, tool_result, is_error, model,
           stop_reason, group_key, content_key, publishable)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      stored: db.prepare(
        'SELECT id, session_id, seq, record_id, observed_at, publishable FROM messages WHERE identity = ?',
      ),
      update: db.prepare(
        `UPDATE messages SET record_id = ?, emitted_at = ?, content = ?, tool_name = ?, tool_use_id = ?,
           tool_input = ?, tool_result = ?, is_error = ?, model = ?, stop_reason = ? WHERE id = ?`,
      ),
      // Whether a newer version of a message says what the stored one says (an upsert that changes nothing).
      unchanged: db
        .prepare(
          `SELECT 1 FROM messages WHERE id = ? AND content IS ? AND tool_name IS ? AND tool_use_id IS ?
             AND tool_input IS ? AND tool_result IS ? AND is_error = ? AND model IS ? AND stop_reason IS ?`,
        )
        .pluck(),
      deleteMessage: db.prepare('DELETE FROM messages WHERE id = ?'),
      replayed: db.prepare('SELECT 1 FROM messages WHERE session_id = ? AND content_key = ? LIMIT 1').pluck(),
      closeAll: db.prepare('UPDATE messages SET publishable = 1 WHERE session_id = ? AND publishable = 0'),
      closeThread: db.prepare(
        'UPDATE messages SET publishable = 1 WHERE session_id = ? AND thread_id = ? AND publishable = 0',
      ),
      reopen: db.prepare(
        'UPDATE messages SET publishable = 0 WHERE session_id = ? AND group_key = ? AND publishable = 1',
      ),
      groupSeqs: db
        .prepare('SELECT seq FROM messages WHERE session_id = ? AND group_key = ? AND publishable = 1')
        .pluck(),
      groupKnown: db.prepare('SELECT 1 FROM responses WHERE key = ?').pluck(),
      thread: db.prepare('SELECT id FROM threads WHERE session_id = ? AND thread_key = ?').pluck(),
      threadInsert: db.prepare('INSERT INTO threads (session_id, thread_key) VALUES (?, ?)'),
      link: db.prepare(
        `INSERT INTO threads (session_id, thread_key, spawned_by_session_id, spawned_by_tool_use_id)
         VALUES (?, ?, ?, ?) ON CONFLICT(session_id, thread_key) DO UPDATE SET
           spawned_by_session_id = excluded.spawned_by_session_id,
           spawned_by_tool_use_id = excluded.spawned_by_tool_use_id`,
      ),
      warning: db.prepare(
        `INSERT INTO ingest_warnings (source_file_id, path, line_no, offset, reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      idleClose: db.prepare(
        `UPDATE messages SET publishable = 1 WHERE publishable = 0 AND record_id IN (
           SELECT r.id FROM messages m JOIN records r ON r.id = m.record_id
           JOIN source_files f ON f.id = r.source_file_id
           WHERE m.publishable = 0 AND f.mtime_ms < ?)`,
      ),
    };
  }

  /** Stored records compared while re-reading files (linear: at most about one per line re-read). */
  get rereadComparisons(): number {
    return this.reread.compared;
  }

  /**
   * Writes one chunk and its checkpoint atomically: `produce` calls `write` for each line of the chunk and
   * returns the checkpoint after its last line. If anything throws (a parser bug, SQLITE_BUSY or IOERR, a
   * full disk), the transaction rolls back and every cache is discarded, so the next chunk starts from what
   * is on disk.
   */
  apply(
    file: ChunkFile,
    now: string,
    produce: (write: (line: ChunkLine) => void) => Checkpoint,
    update: FileUpdate = {},
    hooks: ApplyHooks = {},
  ): ChunkTotals {
    const totals: ChunkTotals = { records: 0, messages: 0, duplicates: 0, warnings: 0 };
    this.fresh.clear();
    const touchedBefore = new Set(this.touched.sessions);
    const createdBefore = new Set(this.sessions.created);
    try {
      this.db
        .transaction(() => {
          // Test-only markers, written inside the transaction: an unmatched `B txn` proves a kill before COMMIT.
          hooks.phase?.('B txn');
          update.prelude?.();
          this.nextRecordId = (this.st.maxRecordId.get() as number) + 1;
          const checkpoint = produce((line) => this.writeLine(file, line, now, totals));
          this.sessions.flush();
          const identity = update.identity?.();
          if (identity) this.files.setIdentity(file.id, identity.id, identity.change, now);
          this.files.setCheckpoint(file.id, checkpoint, now);
          hooks.beforeCommit?.();
          hooks.phase?.('E txn');
        })
        .immediate();
    } catch (err) {
      this.discard();
      this.touched.sessions = touchedBefore;
      this.sessions.created.clear();
      for (const k of createdBefore) this.sessions.created.add(k);
      throw err;
    } finally {
      this.current = null;
      this.fresh.clear();
    }
    return totals;
  }

  /** Drops every cache: what they held belonged to a transaction that did not commit. */
  private discard(): void {
    this.sessions.discard();
    this.threads.clear();
    this.lastRaw.clear();
    this.ranks.discard();
    this.reread.discard();
  }

  private writeLine(file: ChunkFile, line: ChunkLine, now: string, totals: ChunkTotals): void {
    this.current = { file, line, now, totals, usageKeys: new Set(), recordId: 0 };
    for (const reason of line.warnings) this.warn(reason);
    if (line.outputs.length === 0) return;
    // After a truncation or rewrite the file is read again from the start: lines already stored from an
    // earlier generation of this file are recognised by their bytes and not stored a second time.
    if (line.offset < file.dedupeBelow && this.reread.seen(file.id, file.generation, line.raw)) {
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

  private warn(reason: string): void {
    const c = this.current!;
    this.st.warning.run(c.file.id, c.file.path, c.line.lineNo, c.line.offset, reason, c.now);
    c.totals.warnings++;
  }

  private previousRaw(fileId: number): Buffer | undefined {
    if (!this.lastRaw.has(fileId))
      this.lastRaw.set(fileId, this.st.lastRaw.get(fileId) as Buffer | undefined);
    return this.lastRaw.get(fileId);
  }

  private writeOutput(out: RecordOutput, recordId: number, now: string, totals: ChunkTotals): number {
    if (this.current) {
      this.current.usageKeys = new Set(out.usage.map((u) => u.responseKey));
      this.current.recordId = recordId;
    }
    for (const info of out.sessions) this.sessions.note(info, now);
    if (out.closesGroups && out.sessionKey) this.closeGroups(out.sessionKey, null);
    let stored = 0;
    for (const msg of out.messages) {
      if (this.insertMessage(msg, recordId, now) === 'inserted') stored++;
      else totals.duplicates++;
    }
    for (const u of out.usage) {
      this.session(u.sessionKey, now);
      this.usage.write(u, recordId, now, this.usageHost);
    }
    for (const link of out.links) this.writeLink(link);
    totals.messages += stored;
    return stored;
  }

  private readonly usageHost = {
    fresh: (identity: string) => this.fresh.get(identity),
    insert: (msg: ParsedMessage, recordId: number, now: string) => {
      this.insertMessage(msg, recordId, now);
      return (this.st.stored.get(msg.identity) as StoredRow | undefined)?.id ?? null;
    },
    warn: (reason: string) => this.warn(reason),
  };

  private session(key: string, now: string): SessionState {
    return this.sessions.get(key, this.current?.file.assistant ?? 'unknown', now);
  }

  /**
   * Inserts one message, or decides what its identity already being stored means: the same message read
   * again (a duplicate), a newer version of a message that may still change (`upsert`), or a copy of a record
   * another session holds (resume copies), which moves here if this session outranks the holder.
   */
  private insertMessage(msg: ParsedMessage, recordId: number, now: string): 'inserted' | 'duplicate' {
    // History replayed at the top of a forked Codex rollout is already stored under the thread it came from.
    if (msg.replayOf && this.st.replayed.get(msg.replayOf.threadKey, msg.replayOf.contentKey))
      return 'duplicate';
    const existing = this.st.stored.get(msg.identity) as StoredRow | undefined;
    let observedAt = now;
    if (existing) {
      if (existing.session_id === msg.sessionKey) {
        if (msg.upsert) this.upsert(existing, msg, recordId);
        return 'duplicate';
      }
      if (!this.takeOver(existing, msg)) return 'duplicate';
      observedAt = existing.observed_at;
    }
    const session = this.session(msg.sessionKey, now);
    const group = msg.groupKey ?? null;
    const threadId = this.thread(msg.sessionKey, msg.threadKey);
    if (group !== null) this.enterGroup(msg.sessionKey, session, msg.threadKey, threadId, group);
    const info = this.st.message.run(
      msg.sessionKey,
      threadId,
      session.nextSeq,
      msg.identity,
      recordId,
      msg.emittedAt ?? now,
      observedAt,
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
    if (info.changes === 0) return 'duplicate';
    this.touched.sessions.add(msg.sessionKey);
    const id = Number(info.lastInsertRowid);
    this.fresh.set(msg.identity, { id, sessionId: msg.sessionKey, type: msg.messageType });
    session.nextSeq++;
    session.dirty = true;
    touch(session, msg.emittedAt);
    return 'inserted';
  }

  /**
   * A message of group `group` in a thread: another group open in that thread is complete now. A group
   * that was closed already but not sent yet (closed by idle time while the model was still writing) opens
   * again, so it is published whole; if it was sent, the usage writer reports the late piece.
   */
  private enterGroup(
    sessionKey: string,
    session: SessionState,
    threadKey: string,
    threadId: number,
    group: string,
  ): void {
    const open = session.openGroups.get(threadKey);
    if (open === group) return;
    if (open !== undefined) this.closeGroups(sessionKey, { key: threadKey, id: threadId });
    if (this.st.groupKnown.get(group) !== undefined) {
      const seqs = this.st.groupSeqs.all(sessionKey, group) as number[];
      if (seqs.length > 0 && !seqs.some((s) => this.sentCheck.sent(sessionKey, s)))
        this.st.reopen.run(sessionKey, group);
    }
    session.openGroups.set(threadKey, group);
  }

  /** A mutable format (upsert) wrote a newer version of a message: it replaces the stored one until sent. */
  private upsert(existing: StoredRow, msg: ParsedMessage, recordId: number): void {
    // A row touched without a change to what we store (OpenCode marks parts compacted, Gemini re-appends a
    // message for its tokens) is the same message: nothing to update, and nothing to warn about once sent.
    const same = this.st.unchanged.get(
      existing.id,
      msg.content,
      msg.toolName ?? null,
      msg.toolUseId ?? null,
      msg.toolInput ?? null,
      msg.toolResult ?? null,
      msg.isError ? 1 : 0,
      msg.model ?? null,
      msg.stopReason ?? null,
    );
    if (same !== undefined) return;
    if (this.sentCheck.sent(existing.session_id, existing.seq)) {
      this.warn(
        `message ${msg.identity} changed after it was published; the server keeps the earlier version`,
      );
      return;
    }
    this.st.update.run(
      recordId,
      msg.emittedAt ?? null,
      msg.content,
      msg.toolName ?? null,
      msg.toolUseId ?? null,
      msg.toolInput ?? null,
      msg.toolResult ?? null,
      msg.isError ? 1 : 0,
      msg.model ?? null,
      msg.stopReason ?? null,
      existing.id,
    );
    this.touched.sessions.add(existing.session_id);
  }

  /**
   * Another session holds this record (a resume copy). The copy in the higher-ranked file owns it
   * (copy-rank.ts); if that is this one, the stored message is deleted so this session stores it — unless it
   * may already be on the server, which keeps it where it is and is reported.
   */
  private takeOver(existing: StoredRow, msg: ParsedMessage): boolean {
    const c = this.current!;
    const holderFile = this.ranks.fileOf(existing.record_id);
    if (holderFile === undefined) return false;
    const here = { fileId: c.file.id, sessionId: msg.sessionKey };
    const there = { fileId: holderFile, sessionId: existing.session_id };
    if (!this.ranks.outranks(here, msg.emittedAt, there)) return false;
    if (this.sentCheck.sent(existing.session_id, existing.seq)) {
      this.warn(
        `record ${msg.identity} is also in session ${existing.session_id}, which published it already; ` +
          `it stays there although ${msg.sessionKey} holds the older copy`,
      );
      return false;
    }
    this.usage.rehome(existing.id, msg.sessionKey, c.usageKeys, c.recordId, c.now, this.usageHost);
    this.st.deleteMessage.run(existing.id);
    this.touched.sessions.add(existing.session_id);
    return true;
  }

  /** Closes the open groups of a session (all threads, or one thread) and makes their messages publishable. */
  private closeGroups(sessionKey: string, thread: { key: string; id: number } | null): void {
    const session = this.session(sessionKey, this.current?.now ?? new Date().toISOString());
    if (session.openGroups.size === 0) return;
    if (thread === null) {
      this.st.closeAll.run(sessionKey);
      session.openGroups.clear();
    } else {
      if (!session.openGroups.has(thread.key)) return;
      this.st.closeThread.run(sessionKey, thread.id);
      session.openGroups.delete(thread.key);
    }
    this.touched.sessions.add(sessionKey);
  }

  private writeLink(link: AgentLink): void {
    const agentSession = link.agentSessionKey ?? `${link.parentSessionKey}:agent-${link.agentId}`;
    const thread = link.agentSessionKey !== undefined ? 'main' : `agent-${link.agentId}`;
    this.st.link.run(agentSession, thread, link.parentSessionKey, link.toolUseId);
    this.threads.delete(`${agentSession}\u0000${thread}`);
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

  /** Closes groups left open in sessions whose files have been quiet for the idle threshold (§3.2). */
  closeIdleGroups(idleBeforeMs: number): number {
    let changes = 0;
    try {
      changes = this.db.transaction(() => this.st.idleClose.run(idleBeforeMs).changes)();
      if (changes > 0) {
        this.touched.all = true;
        this.sessions.reloadOpenGroups();
      }
    } catch (err) {
      this.discard();
      throw err;
    }
    return changes;
  }

  /**
   * Sessions first stored since `forgetCreated` was last called (a live set: it grows as chunks commit). The
   * sync loop holds them back from publishing until the pass that created them ends, so a record that a
   * later file of the same pass takes over (resume copies) was never sent from the wrong session.
   */
  get createdSessions(): ReadonlySet<string> {
    return this.sessions.created;
  }

  forgetCreated(): void {
    this.sessions.created.clear();
  }

  /** The sessions changed since the last call, for the publisher (which then checks only those). */
  takeTouched(): { sessions: Set<string>; all: boolean } {
    const t = this.touched;
    this.touched = { sessions: new Set(), all: false };
    return t;
  }
}
