/**
 * One round of one batch (DESIGN §3.4): the first attempt plus the retries `retryDecision` allows, and only
 * those. The decision is the tested pure policy of retry.ts; this layer only sleeps (abortably) and counts.
 * A 429 waits as long as the server asks and does not count as a failed attempt; a 5xx with Retry-After waits
 * the server's delay instead of the backoff; transient and protocol errors are retried up to `max_retries`.
 */
import type { Batch } from './buffer.js';
import type { PublishContext } from './context.js';
import type { Outcome } from './outcome.js';
import { retryDecision } from './retry.js';
import type { CollectorEvent } from './types.js';

export interface RoundResult {
  outcome: Outcome;
  /** Other requests succeeded while this round ran: a failure is then the batch's, not the server's. */
  othersSucceeded: boolean;
}

export async function sendRound(
  ctx: PublishContext,
  batch: Batch,
  events: CollectorEvent[],
  signal: AbortSignal,
): Promise<RoundResult> {
  const before = ctx.successes;
  let failed = 0;
  for (;;) {
    const outcome = await ctx.sendEvents({ session_id: batch.wireId, events }, signal);
    if (outcome.kind === 'transient' || outcome.kind === 'protocol') {
      failed += 1;
      ctx.tracker.count('failures', 1);
    }
    const decision = retryDecision(outcome, failed, ctx.config.maxRetries, ctx.random);
    if (!decision.retry || signal.aborted) return { outcome, othersSucceeded: ctx.successes > before };
    if (decision.countsAsAttempt) ctx.tracker.count('retries', 1);
    await sleep(decision.delayMs, signal);
    if (signal.aborted) return { outcome, othersSucceeded: ctx.successes > before };
  }
}

/** A sleep that ends early (never late) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
