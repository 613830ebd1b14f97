/**
 * EventBuffer: turns the messages after a session's cursor into the next batch (DESIGN.md §3.4).
 *
 * A batch holds at most `batchSize` events (session_start included) and `maxBatchBytes` of JSON. It holds
 * whole messages (a message may map to two events: its own and the usage carrier), except that a message
 * that does not fit the limits on its own is split between its events: that is what lets bisection reach a
 * single event (issue 9 §4). The cursor after a batch is the seq of its last whole message; how much of a
 * split message was acknowledged is the caller's memory (`SplitProgress`), since a resend after a restart
 * is deduplicated anyway.
 *
 * Building is pure with respect to the wire: ordinals are given by `numberForSend`, right before a send, so
 * only events actually sent are numbered (issue 9 §4c). Events the server refused for good go out as a
 * `metadata` filler with the refused event's ordinal, so a legacy server's gap check never loops (§3.3).
 */
import { messageEvents, sessionStartEvent, validateEvent, wireSessionId } from './mapping.js';
import { eventBytes } from './sanitize.js';
import type { PublishState, SessionTracker } from './tracker.js';
import type { CollectorEvent, LocalMessage, MappingOptions } from './types.js';

export interface Batch {
  sessionId: string;
  wireId: string;
  /** What goes on the wire (a refused event already swapped for its filler), without ordinals. */
  events: CollectorEvent[];
  /** What each event stands for: a filler is numbered and reported as the event it replaces. */
  slots: Slot[];
  /** Cursor once this batch is acknowledged. */
  cursorAfter: number;
  includesStart: boolean;
  /** The last message went in only partly: its seq and how many of its events are sent with this batch. */
  split: SplitProgress | null;
  /** True when a limit, not the end of the publishable messages, ended the batch. */
  full: boolean;
  bytes: number;
}

export interface Slot {
  /** The original event's hash and type (not the filler's). */
  hash: string;
  type: string;
  /** Message seq (0 for session_start). */
  messageSeq: number;
  /** To measure observed → acknowledged latency. */
  observedAt: string;
}

/** A message split between batches: the first `sent` of its events were (or are being) sent. */
export interface SplitProgress {
  seq: number;
  sent: number;
}

export interface BatchLimits {
  batchSize: number;
  maxBatchBytes: number;
  mapping: MappingOptions;
}

/** JSON envelope allowance per batch (`{"session_id": …, "events": […]}`). */
const ENVELOPE_BYTES = 64;

function filler(original: CollectorEvent): CollectorEvent {
  return {
    type: 'metadata',
    emitted_at: original.emitted_at,
    observed_at: original.observed_at,
    event_hash: `${original.event_hash.slice(0, 30)}ff`,
    data: { aiobscura_filler_for: original.event_hash, reason: 'event refused by the server; ordinal kept' },
  };
}

export function isFiller(e: CollectorEvent): boolean {
  return e.type === 'metadata' && typeof e.data.aiobscura_filler_for === 'string';
}

/**
 * Builds the next batch of a session (from its publish `state`), or null when nothing is publishable.
 * `split` is the progress of a message split by the previous acknowledged batch; it applies only while that
 * message is the next one.
 */
export function nextBatch(
  tracker: SessionTracker,
  state: PublishState,
  limits: BatchLimits,
  now: string,
  split: SplitProgress | null = null,
): Batch | null {
  const { sessionId } = state;
  const wireId = wireSessionId(sessionId);
  const messages = tracker.messagesAfter(sessionId, state.cursor, limits.batchSize);
  if (messages.length === 0) return null;
  const rejected = tracker.rejectedHashes(sessionId);
  const batch: Batch = {
    sessionId,
    wireId,
    events: [],
    slots: [],
    cursorAfter: state.cursor,
    includesStart: false,
    split: null,
    full: false,
    bytes: 0,
  };
  const push = (e: CollectorEvent, seq: number) => {
    const sent = rejected.has(e.event_hash) ? filler(e) : e;
    batch.events.push(sent);
    batch.slots.push({ hash: e.event_hash, type: e.type, messageSeq: seq, observedAt: e.observed_at });
    batch.bytes += eventBytes(sent);
  };
  const fits = (count: number, bytes: number) =>
    batch.events.length + count <= limits.batchSize &&
    batch.bytes + bytes + ENVELOPE_BYTES <= limits.maxBatchBytes;
  if (!state.sessionStartAcked) {
    const session = tracker.session(sessionId);
    if (session) {
      const { maxEventBytes, redact } = limits.mapping;
      push(sessionStartEvent(session, messages[0]!.observedAt, maxEventBytes, redact), 0);
      batch.includesStart = true;
    }
  }
  for (const msg of messages) {
    const skip = split !== null && split.seq === msg.seq && msg === messages[0] ? split.sent : 0;
    const events = checked(tracker, msg, messageEvents(msg, wireId, limits.mapping), rejected, now).slice(
      skip,
    );
    if (
      fits(
        events.length,
        events.reduce((n, e) => n + eventBytes(e), 0),
      )
    ) {
      for (const e of events) push(e, msg.seq);
      batch.cursorAfter = msg.seq;
      continue;
    }
    batch.full = true;
    // Whole messages stay together when the batch already has some; a message too large for the limits on
    // its own is split. The first event always goes in: each event was shrunk to fit on its own.
    if (batch.events.length === 0 || batch.cursorAfter === state.cursor) {
      const taken = takeWhileFits(
        events,
        (e) => batch.events.length === 0 || fits(1, eventBytes(e)),
        (e) => push(e, msg.seq),
      );
      if (taken === events.length) batch.cursorAfter = msg.seq;
      else if (taken > 0) batch.split = { seq: msg.seq, sent: skip + taken };
    }
    break;
  }
  if (!batch.full && messages.length === limits.batchSize) batch.full = true;
  return batch;
}

/** Pushes events while `fits` says the next one fits; returns how many went in. */
function takeWhileFits(
  events: CollectorEvent[],
  fits: (e: CollectorEvent) => boolean,
  push: (e: CollectorEvent) => void,
): number {
  let taken = 0;
  while (taken < events.length && fits(events[taken]!)) {
    push(events[taken]!);
    taken += 1;
  }
  return taken;
}

/**
 * The pre-send validator (DESIGN.md §3.2): an event the server would refuse or fail on is recorded as
 * refused here, with the reasons, and its ordinal is kept by a filler like any refused event.
 */
function checked(
  tracker: SessionTracker,
  msg: LocalMessage,
  events: CollectorEvent[],
  rejected: Set<string>,
  now: string,
): CollectorEvent[] {
  for (const e of events) {
    if (rejected.has(e.event_hash)) continue;
    const problems = validateEvent(e);
    if (problems.length === 0) continue;
    tracker.reject(
      {
        sessionId: msg.sessionId,
        seq: msg.seq,
        type: e.type,
        hash: e.event_hash,
        status: null,
        detail: `invalid: ${problems.join('; ')}`,
      },
      now,
    );
    rejected.add(e.event_hash);
  }
  return events;
}

/**
 * The batch as sent: each event with its ordinal, the one its original got when first sent, else the next
 * one. Called right before the request, so a batch that is built and not sent numbers nothing.
 */
export function numberForSend(tracker: SessionTracker, batch: Batch, now: string): CollectorEvent[] {
  const sequences = tracker.assignSequences(
    batch.sessionId,
    batch.slots.map((s) => ({ hash: s.hash, type: s.type, messageSeq: s.messageSeq })),
    now,
  );
  return batch.events.map((e, i) => ({ ...e, sequence: sequences[i]! }));
}
