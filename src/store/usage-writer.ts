/**
 * Token usage per API response (`responses`), and the one message that carries it for display and
 * publishing (DESIGN.md §3.2: each response's usage is sent exactly once, on a `message` event).
 *
 * A response written as several records reports its usage several times; counters combine with `max`
 * (Claude repeats input/cache and grows output). Usage rides on the response's text message once one
 * arrives, not on its thinking or tool call; a response without any message of its own gets an empty
 * system context message to carry it.
 */
import type { ParsedMessage, UsageReport } from '../parsers/index.js';
import type { Db } from './db.js';
import type { SentCheck } from './sent-check.js';

export interface UsageHost {
  /** Messages inserted by the current chunk, by identity: anchors are nearly always among them. */
  fresh(identity: string): { id: number; sessionId: string; type: string } | undefined;
  /** Inserts a message through the writer's normal path; returns the row id holding that identity. */
  insert(msg: ParsedMessage, recordId: number, now: string): number | null;
  /** A problem to report with the line being written. */
  warn(reason: string): void;
}

interface AnchoredRow {
  key: string;
  session_id: string;
  model: string | null;
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
  emitted_at: string | null;
}

interface UsageRow {
  anchor_message_id: number | null;
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
}

export class UsageWriter {
  private readonly st;

  constructor(
    db: Db,
    private readonly sent: SentCheck,
  ) {
    this.st = {
      before: db.prepare('SELECT input, output, cache_read, cache_creation FROM responses WHERE key = ?'),
      usage: db.prepare(
        `INSERT INTO responses (key, session_id, model, anchor_message_id, input, output, cache_read,
           cache_creation, reasoning, emitted_at)
         VALUES (@key, @sessionId, @model, @anchor, @input, @output, @cacheRead, @cacheCreation, @reasoning,
           @emittedAt)
         ON CONFLICT(key) DO UPDATE SET
           input = max(input, excluded.input), output = max(output, excluded.output),
           cache_read = max(cache_read, excluded.cache_read),
           cache_creation = max(cache_creation, excluded.cache_creation),
           reasoning = CASE WHEN reasoning IS NULL THEN excluded.reasoning
             WHEN excluded.reasoning IS NULL THEN reasoning ELSE max(reasoning, excluded.reasoning) END,
           model = coalesce(model, excluded.model),
           anchor_message_id = coalesce(anchor_message_id, excluded.anchor_message_id)
         RETURNING anchor_message_id, input, output, cache_read, cache_creation`,
      ),
      anchorCandidate: db.prepare('SELECT id, session_id FROM messages WHERE identity = ?'),
      anchorTaken: db
        .prepare('SELECT 1 FROM responses WHERE anchor_message_id = ? AND key != ? LIMIT 1')
        .pluck(),
      setAnchor: db.prepare('UPDATE responses SET anchor_message_id = ? WHERE key = ?'),
      messageType: db.prepare('SELECT message_type FROM messages WHERE id = ?').pluck(),
      anchorRow: db.prepare('SELECT session_id, seq FROM messages WHERE id = ?'),
      anchorTokens: db.prepare(
        `UPDATE messages SET tokens_input = ?, tokens_output = ?, tokens_cache_read = ?,
           tokens_cache_creation = ? WHERE id = ?`,
      ),
      anchoredOn: db.prepare('SELECT * FROM responses WHERE anchor_message_id = ?'),
      detach: db.prepare('UPDATE responses SET anchor_message_id = NULL, session_id = ? WHERE key = ?'),
    };
  }

  write(u: UsageReport, recordId: number, now: string, host: UsageHost): void {
    const candidate = this.anchorFor(u, host);
    const before = this.st.before.get(u.responseKey) as Omit<UsageRow, 'anchor_message_id'> | undefined;
    const row = this.st.usage.get({
      key: u.responseKey,
      sessionId: u.sessionKey,
      model: u.model,
      anchor: candidate,
      input: u.tokens.input,
      output: u.tokens.output,
      cacheRead: u.tokens.cacheRead,
      cacheCreation: u.tokens.cacheCreation,
      reasoning: u.tokens.reasoning ?? null,
      emittedAt: u.emittedAt,
    }) as UsageRow;
    if (row.anchor_message_id === null) row.anchor_message_id = this.carrier(u, recordId, now, host);
    else if (
      candidate !== null &&
      candidate !== row.anchor_message_id &&
      this.prefersText(row.anchor_message_id, candidate) &&
      !this.isSent(row.anchor_message_id)
    ) {
      // The tokens move to the text message while the response is still open, i.e. before anything of it
      // can have been published.
      this.st.anchorTokens.run(null, null, null, null, row.anchor_message_id);
      this.st.setAnchor.run(candidate, u.responseKey);
      row.anchor_message_id = candidate;
    }
    if (row.anchor_message_id === null) return;
    if (before && grew(before, row) && this.isSent(row.anchor_message_id)) {
      // A piece of the response arrived after the message carrying its usage was published (the group was
      // closed by idle time while the model was still writing): the local totals are right, the server's
      // are short by the difference. Named, so it is never a silent divergence.
      host.warn(
        `late piece of response ${u.responseKey}: its usage grew after it was published ` +
          `(output ${before.output} → ${row.output}, input ${before.input} → ${row.input}); the server keeps ` +
          'the earlier numbers',
      );
    }
    this.st.anchorTokens.run(
      row.input,
      row.output,
      row.cache_read,
      row.cache_creation,
      row.anchor_message_id,
    );
  }

  /**
   * A message is about to be deleted because another session's copy of its record takes it over. Responses
   * the copy reports again (`movingKeys`) move with it and are anchored anew by that report; any other
   * response that rode on it (hand-written logs reuse uuid and timestamp for unrelated records) stays in its
   * session on a usage carrier of its own, so its tokens are still stored and sent once.
   */
  rehome(
    messageId: number,
    newSessionId: string,
    movingKeys: ReadonlySet<string>,
    recordId: number,
    now: string,
    host: UsageHost,
  ): void {
    for (const r of this.st.anchoredOn.all(messageId) as AnchoredRow[]) {
      if (movingKeys.has(r.key)) {
        this.st.detach.run(newSessionId, r.key);
        continue;
      }
      this.st.setAnchor.run(null, r.key);
      const id = this.carrier(
        {
          responseKey: r.key,
          sessionKey: r.session_id,
          model: r.model,
          tokens: {
            input: r.input,
            output: r.output,
            cacheRead: r.cache_read,
            cacheCreation: r.cache_creation,
          },
          combine: 'max',
          anchorIdentity: null,
          emittedAt: r.emitted_at,
        },
        recordId,
        now,
        host,
      );
      if (id !== null) this.st.anchorTokens.run(r.input, r.output, r.cache_read, r.cache_creation, id);
    }
  }

  private isSent(messageId: number): boolean {
    const m = this.st.anchorRow.get(messageId) as { session_id: string; seq: number } | undefined;
    return m !== undefined && this.sent.sent(m.session_id, m.seq);
  }

  /**
   * The message that carries a response's usage: the one the parser named, if it is stored in the same
   * session and carries no other response (hand-written logs reuse record ids across unrelated sessions).
   */
  private anchorFor(u: UsageReport, host: UsageHost): number | null {
    if (!u.anchorIdentity) return null;
    const fresh = host.fresh(u.anchorIdentity);
    if (fresh) return fresh.sessionId === u.sessionKey ? fresh.id : null;
    const m = this.st.anchorCandidate.get(u.anchorIdentity) as { id: number; session_id: string } | undefined;
    if (!m || m.session_id !== u.sessionKey) return null;
    return this.st.anchorTaken.get(m.id, u.responseKey) ? null : m.id;
  }

  private prefersText(current: number, candidate: number): boolean {
    return this.typeOf(candidate) === 'response' && this.typeOf(current) !== 'response';
  }

  private typeOf(messageId: number): string {
    return this.st.messageType.get(messageId) as string;
  }

  /**
   * Usage with no message of its own to ride on (a Codex token count before any output of its turn) gets an
   * empty system context message, so every response's usage is stored, shown and published exactly once.
   */
  private carrier(u: UsageReport, recordId: number, now: string, host: UsageHost): number | null {
    const id = host.insert(
      {
        identity: `usage:${u.responseKey}`,
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
    if (id !== null) this.st.setAnchor.run(id, u.responseKey);
    return id;
  }
}

function grew(before: Omit<UsageRow, 'anchor_message_id'>, after: UsageRow): boolean {
  return (
    after.input > before.input ||
    after.output > before.output ||
    after.cache_read > before.cache_read ||
    after.cache_creation > before.cache_creation
  );
}
