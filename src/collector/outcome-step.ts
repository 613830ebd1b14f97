/**
 * What the publisher does with a round's outcome (DESIGN §3.5), as one rule: every outcome either changes
 * the next batch of the session (acknowledged, events rejected, a smaller limit) or ends the session's round
 * with a backoff (issue 9 §4). Resending an unchanged batch at once would loop: that is why an event is
 * rejected only when it is the batch's only event and is not a filler (a filler stands for an event already
 * refused; refusing it again changes nothing), and why a halving happens only while the batch has more than
 * one event.
 */
import { type Batch, isFiller } from './buffer.js';
import { detailOf, type PublishContext, type Step } from './context.js';
import type { Outcome } from './outcome.js';
import type { Pauses } from './pause.js';

export function applyOutcome(
  ctx: PublishContext,
  pauses: Pauses,
  batch: Batch,
  outcome: Outcome,
  othersSucceeded: boolean,
): Step {
  switch (outcome.kind) {
    case 'accepted':
      acknowledge(ctx, batch, outcome.accepted);
      return 'acked';
    case 'rejectEvents': {
      const changed = outcome.indices.filter((i, j) =>
        rejectAt(ctx, batch, i, 422, outcome.reasons[j] ?? outcome.detail),
      );
      if (changed.length > 0) return 'again';
      return ctx.failRound(batch, `the server refused events already replaced: ${outcome.detail}`, 'reject');
    }
    case 'tooLarge':
    case 'valueError': {
      const status = outcome.kind === 'tooLarge' ? 413 : 500;
      // Bisect: the batch halves until the offending event is alone, then that event is refused.
      if (halve(ctx, batch)) return 'again';
      if (rejectAt(ctx, batch, 0, status, outcome.detail)) return 'again';
      return ctx.failRound(batch, `the server refused a filler (${status}): ${outcome.detail}`, outcome.kind);
    }
    case 'clientBug': {
      const detail = `server refused a batch of ${batch.wireId} as invalid (a client bug): ${outcome.detail}`;
      ctx.warnOnce(batch.sessionId, 'clientBug', detail);
      if (halve(ctx, batch)) return 'again';
      return ctx.failRound(batch, detail, 'clientBug');
    }
    case 'sequenceGap':
      return 'gap';
    case 'cancelled':
      return 'stop';
    case 'paused':
    case 'redirect':
      pauses.pause(outcome, detailOf(outcome));
      return 'stop';
    case 'protocol':
      return ctx.failRound(batch, `unexpected response (check server_url): ${outcome.detail}`, 'protocol');
    case 'transient':
    case 'throttled':
      return transientRoundFailed(ctx, batch, detailOf(outcome), othersSucceeded);
    default:
      return outcome satisfies never;
  }
}

/** The server accepted the batch: the cursor moves (one transaction), the session's memory resets. */
function acknowledge(ctx: PublishContext, batch: Batch, accepted: number): void {
  ctx.crashPoint('after-202-before-commit');
  const ackedAt = ctx.clock().getTime();
  const g = ctx.tracker.global();
  const liveSince = g.liveSince ?? g.enabledAt ?? '';
  ctx.tracker.acknowledge(
    {
      sessionId: batch.sessionId,
      cursor: batch.cursorAfter,
      startAcked: batch.includesStart,
      sent: batch.events.length,
      accepted,
      latencies: batch.slots.map((s) => ({
        ms: ackedAt - Date.parse(s.observedAt),
        backfill: s.observedAt < liveSince,
      })),
    },
    ctx.now(),
  );
  const m = ctx.mem(batch.sessionId);
  m.limit = ctx.config.batchSize;
  m.soloFailures = 0;
  m.gapRecoveries = 0;
  m.warned = null;
  m.split = batch.split ? { ...batch.split, cursor: batch.cursorAfter } : null;
  ctx.onAcked(batch.events.length);
  if (ctx.serverDown) {
    ctx.serverDown = false;
    ctx.onServerBack();
  }
}

/** Halves the session's limit below this batch's size; false when the batch is a single event already. */
function halve(ctx: PublishContext, batch: Batch): boolean {
  if (batch.events.length <= 1) return false;
  const m = ctx.mem(batch.sessionId);
  m.limit = Math.max(1, Math.floor(Math.min(m.limit, batch.events.length) / 2));
  return true;
}

/**
 * Records an event as refused for good (its filler goes out in its place from now on). False when there is
 * nothing to refuse: the slot holds a filler already.
 */
function rejectAt(ctx: PublishContext, batch: Batch, index: number, status: number, detail: string): boolean {
  const e = batch.events[index];
  const slot = batch.slots[index];
  if (!e || !slot || isFiller(e)) return false;
  ctx.tracker.reject(
    { sessionId: batch.sessionId, seq: slot.messageSeq, type: slot.type, hash: slot.hash, status, detail },
    ctx.now(),
  );
  ctx.log('warn', `event ${slot.hash} (${slot.type}) of ${batch.wireId} refused by the server: ${detail}`);
  return true;
}

/**
 * A failed round of transient errors. When other requests succeeded meanwhile, the batch itself is
 * suspect: the next round sends half of it, and a single event that fails alone twice is refused. When
 * nothing succeeded around it, the server itself is down or unreachable, not this batch.
 */
function transientRoundFailed(
  ctx: PublishContext,
  batch: Batch,
  detail: string,
  othersSucceeded: boolean,
): Step {
  const m = ctx.mem(batch.sessionId);
  if (othersSucceeded && batch.events.length === 1 && ++m.soloFailures >= 2) {
    m.soloFailures = 0;
    if (rejectAt(ctx, batch, 0, 0, `failed alone twice while other requests succeeded: ${detail}`))
      return 'again';
  } else if (othersSucceeded) {
    halve(ctx, batch);
  }
  if (!othersSucceeded) ctx.serverDown = true;
  return ctx.failRound(batch, detail, 'transient');
}
