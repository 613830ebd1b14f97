/**
 * The 5-hour billing windows that ccusage shows as `blocks` (its `identifySessionBlocks`):
 * - a block starts at its first response, floored to the full UTC hour, and lasts 5 hours;
 * - a response more than 5 hours after the block's start, or more than 5 hours after the previous
 *   response, starts a new block;
 * - a pause longer than 5 hours between two blocks is a gap, from the last response + 5 h to the next one;
 * - a block is active while fewer than 5 hours passed since its last response and it has not ended.
 * Responses must arrive in time order; each assistant has its own sequence (their limits are separate).
 */

export const BLOCK_MS = 5 * 3_600_000;

export interface BlockSpan {
  start: number;
  end: number;
  first: number;
  last: number;
}

export interface GapSpan {
  start: number;
  end: number;
}

export function floorToUtcHour(ms: number): number {
  return ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000);
}

export class BlockCutter {
  readonly blocks: BlockSpan[] = [];

  /** The index of the block `at` belongs to; `at` must not be earlier than the previous call's. */
  assign(at: number): number {
    const cur = this.blocks.at(-1);
    if (cur && at - cur.start <= BLOCK_MS && at - cur.last <= BLOCK_MS) {
      cur.last = at;
      return this.blocks.length - 1;
    }
    const start = floorToUtcHour(at);
    this.blocks.push({ start, end: start + BLOCK_MS, first: at, last: at });
    return this.blocks.length - 1;
  }
}

/** The gap between two blocks, when the pause between their responses is longer than 5 hours. */
export function gapBetween(prevLast: number, nextFirst: number): GapSpan | null {
  return nextFirst - prevLast > BLOCK_MS ? { start: prevLast + BLOCK_MS, end: nextFirst } : null;
}

export function isActive(b: BlockSpan, now: number): boolean {
  return now - b.last < BLOCK_MS && now < b.end;
}

export interface BurnRate {
  tokens_per_minute: number;
  cost_per_hour_usd: number | null;
}

/** Tokens and dollars per unit of time between a block's first and last response; null if they coincide. */
export function burnRate(b: BlockSpan, tokens: number, cost: number | null): BurnRate | null {
  const minutes = (b.last - b.first) / 60_000;
  if (minutes <= 0) return null;
  return {
    tokens_per_minute: tokens / minutes,
    cost_per_hour_usd: cost === null ? null : (cost / minutes) * 60,
  };
}
