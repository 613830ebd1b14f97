/**
 * Legacy 409 `sequence_gap` (contract §12): ask the server where it is and resend from its last sequence
 * + 1. Bounded: after `MAX_GAP_RECOVERIES` consecutive 409s without an acknowledgement, or when the server
 * cannot say where it is, the round ends with a backoff (issue 9 §4b: an ignored stop resent 1,058 batches
 * in 3 s). The count starts again with the next round.
 */
import type { Batch } from './buffer.js';
import { detailOf, type PublishContext } from './context.js';

/** Consecutive 409s without progress after which the gap is treated as a failed round. */
export const MAX_GAP_RECOVERIES = 3;

export async function recoverGap(
  ctx: PublishContext,
  batch: Batch,
  signal: AbortSignal,
): Promise<'again' | 'stop'> {
  const m = ctx.mem(batch.sessionId);
  if (++m.gapRecoveries > MAX_GAP_RECOVERIES) {
    m.gapRecoveries = 0;
    return ctx.failRound(batch, 'sequence gap persists after recovery', 'gap');
  }
  const status = await ctx.sessionStatus(batch.wireId, signal);
  let last: number;
  if (status.kind === 'status') last = status.lastSequence;
  else if (status.kind === 'notFound') last = 0;
  else if (status.kind === 'cancelled') return 'stop';
  else {
    m.gapRecoveries = 0;
    const detail = `sequence gap: the session status could not be read (${status.kind}: ${detailOf(status)})`;
    return ctx.failRound(batch, detail, 'gap');
  }
  if (!ctx.tracker.rewindTo(batch.sessionId, last)) {
    // Resending would send the same batch again: the round ends instead.
    m.gapRecoveries = 0;
    return ctx.failRound(
      batch,
      `sequence gap: the server expects ordinal ${last + 1}, which was never sent`,
      'gap',
    );
  }
  m.split = null;
  return 'again';
}
