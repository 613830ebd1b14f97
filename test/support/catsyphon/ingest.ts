/**
 * CatSyphon's `IngestionService` for one validated batch (contract §6–§8), plus the legacy sequence-enforcing
 * variant (§12). A batch is all-or-nothing: every check that can fail (the "beyond the schema" 500s) runs before
 * the store is touched.
 *
 * Current server: sort by emitted_at (stable) → find/create the conversation (session_start's data, else the
 * earliest event's) → drop events whose hash is already among the conversation's *stored* rows (so in-batch
 * duplicates are both stored) → store message/tool_call/tool_result/thinking/error → `last_sequence += accepted`.
 */

import { randomUUID } from 'node:crypto';
import { isoformat, type PyDatetime } from './datetime.js';
import { serverEventHash } from './hash.js';
import { pyStrRepr } from './pyjson.js';
import type { AcceptedEvent, Conversation, Row, Store } from './store.js';
import { type DatetimeValue, withoutTopLevelNulls } from './validate.js';

export const STORED_TYPES = new Set(['message', 'tool_call', 'tool_result', 'thinking', 'error']);
export const AUTHOR_ROLES = new Set(['human', 'caller', 'assistant', 'agent', 'tool', 'system']);
export const MESSAGE_TYPES = new Set([
  'prompt',
  'response',
  'tool_call',
  'tool_result',
  'plan',
  'summary',
  'context',
  'error',
]);
/** varchar limits that make the DB (not the schema) refuse a batch. */
export const VARCHAR = { sessionId: 255, agentType: 50, agentVersion: 50 } as const;

interface ValidEvent {
  type: string;
  emitted_at: DatetimeValue;
  observed_at: DatetimeValue;
  event_hash?: string | null;
  sequence?: number;
  data: Record<string, unknown>;
}

export interface Batch {
  session_id: string;
  events: ValidEvent[];
}

export type IngestResult =
  | {
      status: 202;
      body: { accepted: number; last_sequence: number; conversation_id: string; warnings: [] };
      duplicates: number;
    }
  | { status: 500; detail: string }
  | { status: 409; body: { detail: Record<string, unknown> } };

function valueTooLong(n: number): string {
  return (
    `(psycopg2.errors.StringDataRightTruncation) value too long for type character varying(${n})\n\n` +
    '(Background on this error at: https://sqlalche.me/e/20/9h9h)'
  );
}

function cpLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

interface Prepared {
  ev: ValidEvent;
  dt: PyDatetime;
  data: Record<string, unknown>;
  hash: string;
  hashSource: 'client' | 'server';
}

function prepare(events: ValidEvent[]): Prepared[] | string {
  const list = events.map((ev) => {
    const data = withoutTopLevelNulls(ev.data);
    const dt = ev.emitted_at.dt;
    const client = typeof ev.event_hash === 'string' && ev.event_hash !== '' ? ev.event_hash : null;
    return {
      ev,
      dt,
      data,
      hash: client ?? serverEventHash(ev.type, dt, data),
      hashSource: client ? ('client' as const) : ('server' as const),
    };
  });
  // sorted(events, key=emitted_at): Python cannot order naive against aware datetimes
  if (list.length > 1) {
    const naive = list.some((p) => p.dt.offset === null);
    const aware = list.some((p) => p.dt.offset !== null);
    if (naive && aware) return "can't compare offset-naive and offset-aware datetimes";
  }
  return list;
}

/** Checks done by the DB / enums during apply; the first failure's text, or null. */
function beyondSchema(
  sessionId: string,
  existing: Conversation | undefined,
  creator: Prepared | undefined,
  applied: Prepared[],
): string | null {
  if (!existing) {
    if (cpLength(sessionId) > VARCHAR.sessionId) return valueTooLong(VARCHAR.sessionId);
    const d = creator?.data ?? {};
    const agentType = str(d.agent_type) ?? 'unknown';
    if (cpLength(agentType) > VARCHAR.agentType) return valueTooLong(VARCHAR.agentType);
    const agentVersion = str(d.agent_version);
    if (agentVersion && cpLength(agentVersion) > VARCHAR.agentVersion)
      return valueTooLong(VARCHAR.agentVersion);
  } else {
    for (const p of applied) {
      if (p.ev.type !== 'session_start') continue;
      const agentType = str(p.data.agent_type);
      if (existing.agentType === 'unknown' && agentType && cpLength(agentType) > VARCHAR.agentType) {
        return valueTooLong(VARCHAR.agentType);
      }
      const agentVersion = str(p.data.agent_version);
      if (
        (!existing.agentVersion || existing.agentVersion === 'unknown') &&
        agentVersion &&
        cpLength(agentVersion) > VARCHAR.agentVersion
      ) {
        return valueTooLong(VARCHAR.agentVersion);
      }
    }
  }
  for (const p of applied) {
    if (!STORED_TYPES.has(p.ev.type)) continue;
    const role = p.data.author_role;
    if (typeof role === 'string' && role !== '' && !AUTHOR_ROLES.has(role))
      return `${pyStrRepr(role)} is not a valid AuthorRole`;
  }
  return null;
}

function newConversation(
  store: Store,
  sessionId: string,
  workspaceId: string,
  collectorId: string,
  creator: Prepared | undefined,
  start: number,
  now: number,
): Conversation {
  const d = creator?.data ?? {};
  const meta: Record<string, unknown> = {};
  for (const k of [
    'working_directory',
    'git_branch',
    'parent_session_id',
    'slug',
    'summaries',
    'compaction_events',
  ]) {
    meta[k] = d[k] ?? null;
  }
  if (d.context_semantics !== undefined) meta.context_semantics = d.context_semantics;
  const conv: Conversation = {
    id: randomUUID(),
    sessionId,
    workspaceId,
    collectorId,
    agentType: str(d.agent_type) ?? 'unknown',
    agentVersion: str(d.agent_version),
    slug: str(d.slug),
    metadata: meta,
    startTime: start,
    endTime: null,
    lastEventAt: now,
    status: 'active',
    success: null,
    summary: null,
    lastSequence: 0,
    eventCount: 0,
    hashes: new Set(),
    lastEventSequence: 0,
  };
  store.conversations.set(sessionId, conv);
  return conv;
}

function outcomeSuccess(outcome: unknown, current: boolean | null): boolean | null {
  if (outcome === 'success') return true;
  if (outcome === 'failed' || outcome === 'abandoned') return false;
  return current;
}

function messageType(type: string, data: Record<string, unknown>): string {
  const given = str(data.message_type);
  if (given) return MESSAGE_TYPES.has(given) ? given : 'response';
  if (type === 'tool_call' || type === 'tool_result' || type === 'error') return type;
  return 'response';
}

/** Applies the events (already de-duplicated) to the conversation and appends rows. */
function apply(
  store: Store,
  conv: Conversation,
  collectorId: string,
  batch: number,
  applied: Prepared[],
  now: number,
): number {
  let stored = 0;
  const newHashes: string[] = [];
  for (const p of applied) {
    const { ev, data } = p;
    const isStored = STORED_TYPES.has(ev.type);
    const emittedAt = isoformat(p.dt);
    const accepted: AcceptedEvent = {
      batch,
      sessionId: conv.sessionId,
      collectorId,
      type: ev.type,
      emittedAt,
      hash: p.hash,
      stored: isStored,
      data,
    };
    if (ev.sequence !== undefined) accepted.sequence = ev.sequence;
    store.accepted.push(accepted);
    if (ev.type === 'session_start') {
      const agentType = str(data.agent_type);
      if (conv.agentType === 'unknown' && agentType) conv.agentType = agentType;
      const agentVersion = str(data.agent_version);
      if ((!conv.agentVersion || conv.agentVersion === 'unknown') && agentVersion)
        conv.agentVersion = agentVersion;
      const slug = str(data.slug);
      if (slug) conv.slug = slug;
    } else if (ev.type === 'session_end') {
      conv.status = 'completed';
      conv.endTime = p.dt.epochMicros;
      conv.success = outcomeSuccess(data.outcome, conv.success);
      const summary = str(data.summary);
      if (summary) conv.summary = summary;
    }
    if (conv.endTime === null || p.dt.epochMicros > conv.endTime) conv.endTime = p.dt.epochMicros;
    if (!isStored) continue;
    const row: Row = {
      index: store.rows.length,
      batch,
      sessionId: conv.sessionId,
      conversationId: conv.id,
      collectorId,
      type: ev.type,
      emittedAt,
      emittedAtMicros: p.dt.epochMicros,
      observedAt: isoformat(ev.observed_at.dt),
      hash: p.hash,
      hashSource: p.hashSource,
      data,
      authorRole: str(data.author_role) || 'assistant',
      messageType: messageType(ev.type, data),
      receivedAt: now,
    };
    if (ev.sequence !== undefined) row.sequence = ev.sequence;
    store.rows.push(row);
    newHashes.push(p.hash);
    stored++;
  }
  for (const h of newHashes) conv.hashes.add(h);
  conv.eventCount += stored;
  if (applied.length > 0) conv.lastEventAt = now;
  return stored;
}

export function ingestBatch(
  store: Store,
  batchBody: Batch,
  collector: { id: string; workspaceId: string },
  now: number,
): IngestResult {
  const prepared = prepare(batchBody.events);
  if (typeof prepared === 'string') return { status: 500, detail: prepared };
  const sorted = prepared
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.dt.epochMicros - b.p.dt.epochMicros || a.i - b.i)
    .map((x) => x.p);
  const sessionId = batchBody.session_id;
  const existing = store.conversations.get(sessionId);
  const creator = existing ? undefined : (sorted.find((p) => p.ev.type === 'session_start') ?? sorted[0]);
  const applied = existing ? sorted.filter((p) => !existing.hashes.has(p.hash)) : sorted;
  const failure = beyondSchema(sessionId, existing, creator, applied);
  if (failure) return { status: 500, detail: failure };
  const batch = store.nextBatch();
  const conv =
    existing ??
    newConversation(
      store,
      sessionId,
      collector.workspaceId,
      collector.id,
      creator,
      sorted[0]?.dt.epochMicros ?? now,
      now,
    );
  apply(store, conv, collector.id, batch, applied, now);
  conv.lastSequence += applied.length;
  return {
    status: 202,
    body: {
      accepted: applied.length,
      last_sequence: conv.lastSequence,
      conversation_id: conv.id,
      warnings: [],
    },
    duplicates: sorted.length - applied.length,
  };
}

/** The pre-2026-01-02 server: `sequence` drives ordering, gaps (409) and duplicates. */
export function ingestLegacyBatch(
  store: Store,
  batchBody: Batch,
  collector: { id: string; workspaceId: string },
  now: number,
): IngestResult {
  const prepared = prepare(batchBody.events);
  if (typeof prepared === 'string') return { status: 500, detail: prepared };
  const seq = (p: Prepared) => p.ev.sequence ?? 0;
  const sorted = prepared
    .map((p, i) => ({ p, i }))
    .sort((a, b) => seq(a.p) - seq(b.p) || a.i - b.i)
    .map((x) => x.p);
  const sessionId = batchBody.session_id;
  const existing = store.conversations.get(sessionId);
  if (existing) {
    const last = existing.lastEventSequence;
    const first = seq(sorted[0] as Prepared);
    if (first > last + 1) {
      return {
        status: 409,
        body: {
          detail: {
            error: 'sequence_gap',
            message: `Expected sequence ${last + 1}, got ${first}`,
            last_received_sequence: last,
            expected_sequence: last + 1,
          },
        },
      };
    }
  }
  const applied = existing ? sorted.filter((p) => seq(p) > existing.lastEventSequence) : sorted;
  const creator = existing ? undefined : (sorted.find((p) => p.ev.type === 'session_start') ?? sorted[0]);
  const failure = beyondSchema(sessionId, existing, creator, applied);
  if (failure) return { status: 500, detail: failure };
  const batch = store.nextBatch();
  const start = Math.min(...sorted.map((p) => p.dt.epochMicros));
  const conv =
    existing ?? newConversation(store, sessionId, collector.workspaceId, collector.id, creator, start, now);
  apply(store, conv, collector.id, batch, applied, now);
  for (const p of applied) conv.lastEventSequence = Math.max(conv.lastEventSequence, seq(p));
  conv.lastSequence = conv.lastEventSequence;
  return {
    status: 202,
    body: {
      accepted: applied.length,
      last_sequence: conv.lastSequence,
      conversation_id: conv.id,
      warnings: [],
    },
    duplicates: sorted.length - applied.length,
  };
}

/** `POST /collectors/sessions/{id}/complete` on an owned conversation. */
export function completeSession(
  conv: Conversation,
  body: { outcome: string; summary?: string | null; final_sequence?: number },
  now: number,
): void {
  conv.status = 'completed';
  conv.endTime = now;
  conv.success = outcomeSuccess(body.outcome, conv.success);
  if (body.summary) conv.summary = body.summary;
  if (body.final_sequence !== undefined) {
    conv.lastEventSequence = Math.max(conv.lastEventSequence, body.final_sequence);
    conv.lastSequence = conv.lastEventSequence;
  }
}
