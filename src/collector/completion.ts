/**
 * Opt-in completion (DESIGN.md §3.6): one `session_end` with outcome `partial`, timed at the last published
 * message, once a session is fully published and idle past `complete_after_idle_minutes`. A failed attempt
 * is simply made again at the next round; a pause stops publishing as it does for batches.
 */
import type { PublishContext } from './context.js';
import { detailOf } from './context.js';
import { sessionEndEvent, wireSessionId } from './mapping.js';
import type { Pauses } from './pause.js';
import type { SessionSelector } from './selection.js';

export async function completeIdle(
  ctx: PublishContext,
  pauses: Pauses,
  selector: SessionSelector,
  signal: AbortSignal,
): Promise<void> {
  const idleBefore = new Date(
    ctx.clock().getTime() - ctx.config.completeAfterIdleMinutes * 60_000,
  ).toISOString();
  for (const s of ctx.tracker.idleCompleted(idleBefore)) {
    if (signal.aborted || pauses.reason()) return;
    if (!selector.publishes(s.sessionId)) continue;
    const wireId = wireSessionId(s.sessionId);
    const end = sessionEndEvent(s.lastEmittedAt, ctx.now(), wireId);
    // Numbered right before it is sent, like every event (issue 9 §4c).
    const [sequence] = ctx.tracker.assignSequences(
      s.sessionId,
      [{ hash: end.event_hash, type: end.type, messageSeq: s.lastSeq }],
      ctx.now(),
    );
    const outcome = await ctx.sendEvents({ session_id: wireId, events: [{ ...end, sequence }] }, signal);
    if (outcome.kind === 'accepted') ctx.tracker.markCompleted(s.sessionId, ctx.now());
    else if (outcome.kind === 'paused' || outcome.kind === 'redirect')
      pauses.pause(outcome, detailOf(outcome));
  }
}
