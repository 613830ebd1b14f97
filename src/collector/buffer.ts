/**
 * EventBuffer: turns the messages after a session's cursor into the next batch (DESIGN.md §3.4).
 *
 * A batch holds whole messages only (a message may map to two events: its own and the usage carrier), at
 * most `batchSize` events (session_start included) and `maxBatchBytes` of JSON. The cursor after the batch
 * is the seq of its last message. Events the server refused for good are replaced by a `metadata` filler
 * with the same ordinal, so a legacy server's gap check never loops (§3.3).
 */
import { messageEvents, sessionStartEvent, validateEvent, wireSessionId } from './mapping.js';
import { eventBytes } from './sanitize.js';
import type { SessionTracker } from './tracker.js';
import type { CollectorEvent, MappingOptions } from './types.js';

export interface Batch {
  sessionId: string;
  wireId: string;
  events: CollectorEvent[];
  /** Message seq of each event (0 for session_start and fillers of it). */
  messageSeqs: number[];
  /** observed_at of each event, to measure observed → acknowledged latency. */
  observedAts: string[];
  /** Cursor once this batch is acknowledged. */
  cursorAfter: number;
  includesStart: boolean;
  /** True when a limit, not the end of the publishable messages, ended the batch. */
  full: boolean;
  bytes: number;
}

export interface BatchLimits {
  batchSize: number;
  maxBatchBytes: number;
  mapping: MappingOptions;
}

function filler(original: CollectorEvent): CollectorEvent {
  return {
    type: 'metadata',
    emitted_at: original.emitted_at,
    observed_at: original.observed_at,
    event_hash: `${original.event_hash.slice(0, 30)}ff`,
    data: { aiobscura_filler_for: original.event_hash, reason: 'event refused by the server; ordinal kept' },
  };
}

/** Builds (and numbers, durably) the next batch of a session, or null when nothing is publishable. */
export function nextBatch(
  tracker: SessionTracker,
  sessionId: string,
  limits: BatchLimits,
  serverUrl: string,
  backfilled: boolean,
  now: string,
): Batch | null {
  const state = tracker.state(sessionId, serverUrl, backfilled);
  const wireId = wireSessionId(sessionId);
  const messages = tracker.messagesAfter(sessionId, state.cursor, limits.batchSize);
  if (messages.length === 0) return null;
  const rejected = tracker.rejectedHashes(sessionId);
  const batch: Batch = {
    sessionId,
    wireId,
    events: [],
    messageSeqs: [],
    observedAts: [],
    cursorAfter: state.cursor,
    includesStart: false,
    full: false,
    bytes: 0,
  };
  const push = (e: CollectorEvent, seq: number) => {
    batch.events.push(e);
    batch.messageSeqs.push(seq);
    batch.observedAts.push(e.observed_at);
    batch.bytes += eventBytes(e);
  };
  if (!state.sessionStartAcked) {
    const session = tracker.session(sessionId);
    if (session) {
      push(
        sessionStartEvent(
          session,
          messages[0]!.observedAt,
          limits.mapping.maxEventBytes,
          limits.mapping.redact,
        ),
        0,
      );
      batch.includesStart = true;
    }
  }
  for (const msg of messages) {
    const events = messageEvents(msg, wireId, limits.mapping);
    const bytes = events.reduce((n, e) => n + eventBytes(e), 0);
    const fits =
      batch.events.length + events.length <= limits.batchSize &&
      batch.bytes + bytes + 64 <= limits.maxBatchBytes;
    // The first message always goes in, even alone over a limit: shrinking made each event fit on its own.
    if (!fits && batch.cursorAfter > state.cursor) {
      batch.full = true;
      break;
    }
    for (const e of events) {
      // The pre-send validator (DESIGN.md §3.2): an event the server would refuse or fail on is recorded as
      // refused here, with the reasons, and its ordinal is kept by a filler like any refused event.
      const problems = rejected.has(e.event_hash) ? [] : validateEvent(e);
      if (problems.length > 0) {
        tracker.reject(
          {
            sessionId,
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
      push(e, msg.seq);
    }
    batch.cursorAfter = msg.seq;
  }
  if (!batch.full && messages.length === limits.batchSize) batch.full = true;
  const sequences = tracker.assignSequences(
    sessionId,
    batch.events.map((e, i) => ({ hash: e.event_hash, type: e.type, messageSeq: batch.messageSeqs[i]! })),
    now,
  );
  // Ordinals belong to the original events (by hash); a refused one is then swapped for its filler.
  batch.events = batch.events.map((e, i) => ({
    ...(rejected.has(e.event_hash) ? filler(e) : e),
    sequence: sequences[i]!,
  }));
  return batch;
}
