/**
 * Retry policy, pure (STYLE rule 3): delays are computed from the attempt number, an injected `random` and an
 * injected clock, so tests need no timers. The sleeping itself lives in the retry layer, which must make every
 * sleep abortable (STYLE rule 8).
 *
 * How the layers above use this (DESIGN §3.4–3.5):
 * - A *round* is the first attempt plus up to `max_retries` retries. `retryDecision` says whether to try the
 *   same request again and after how long; `countsAsAttempt: false` (a 429) means the caller waits the
 *   server's delay and retries WITHOUT incrementing its attempt counter: throttling is the server asking for
 *   patience, not a failure, so it never exhausts a round or triggers bisection.
 * - When a round ends without success the session waits `roundPause(k)`, k = the failed rounds before it;
 *   k resets to 0 on any success, and `collector flush` starts a round at once.
 * - Paused publishing (auth, redirect, wrong endpoint) is retried every `PAUSED_RETRY_MS`.
 */
import type { EventsOutcome } from './outcome.js';

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 30_000;
export const ROUND_PAUSE_BASE_MS = 30_000;
/** Cap for round pauses and for any server-given delay (Retry-After): 15 min. */
export const MAX_WAIT_MS = 15 * 60_000;
export const PAUSED_RETRY_MS = MAX_WAIT_MS;
/** A 429 without a usable Retry-After: long enough to matter, short enough not to stall a live session. */
export const DEFAULT_THROTTLE_MS = 30_000;

/**
 * Full jitter (AWS "Exponential Backoff and Jitter"): uniform in [0, min(cap, 500 ms × 2^attempt)).
 * `attempt` is 0 for the first retry. Full jitter spreads many collectors retrying after one outage.
 */
export function backoffDelay(attempt: number, random: () => number): number {
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^n overflows to Infinity for huge n; min() still yields the cap.
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n);
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return Math.min(Math.floor(unit * ceiling), ceiling);
}

/**
 * Pause after a failed round: min(30 s × 2ᵏ, 15 min) where k = `failedRounds` = the consecutive failed rounds
 * BEFORE the one that just failed (0 at the first failure → 30 s, then 60 s, 120 s, … 15 min from k = 5).
 */
export function roundPause(failedRounds: number): number {
  const k = Number.isFinite(failedRounds) && failedRounds > 0 ? Math.floor(failedRounds) : 0;
  return Math.min(MAX_WAIT_MS, ROUND_PAUSE_BASE_MS * 2 ** k);
}

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC_850 =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Retry-After (RFC 9110 §10.2.3) → milliseconds to wait from `now`, capped at 15 min; null when absent or not
 * one of the four legal forms (the caller then uses its default). A date in the past means "now" (0).
 * Parsed by hand rather than with `Date.parse`, which accepts many non-HTTP forms and reads some as local time.
 */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const v = value.trim();
  // delta-seconds is 1*DIGIT: no sign, no fraction. Long digit strings are just "very long" → the cap.
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_WAIT_MS);
  const at = parseHttpDate(v, now);
  if (at === null) return null;
  return Math.min(Math.max(at - now.getTime(), 0), MAX_WAIT_MS);
}

/** An HTTP-date in any of its three forms → epoch ms, or null. */
export function parseHttpDate(v: string, now: Date): number | null {
  let m = IMF_FIXDATE.exec(v);
  if (m) return utc(Number(m[4]), m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  m = RFC_850.exec(v);
  if (m) {
    const year = fullYear(Number(m[4]), now);
    return utc(year, m[3]!, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  }
  m = ASCTIME.exec(v);
  if (m) return utc(Number(m[7]), m[2]!, Number(m[3]!.trim()), Number(m[4]), Number(m[5]), Number(m[6]));
  return null;
}

/** RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the previous century. */
function fullYear(twoDigits: number, now: Date): number {
  const thisYear = now.getUTCFullYear();
  let year = Math.floor(thisYear / 100) * 100 + twoDigits;
  if (year > thisYear + 50) year -= 100;
  return year;
}

function utc(year: number, monthName: string, day: number, h: number, min: number, s: number): number | null {
  const month = MONTHS.indexOf(monthName);
  // Seconds may be 60 (leap second); Date.UTC rolls it into the next minute, which is what we want.
  if (month < 0 || day < 1 || h > 23 || min > 59 || s > 60) return null;
  const t = Date.UTC(year, month, day, h, min, s);
  // Reject Feb 30 and friends instead of letting Date roll them over.
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return null;
  return t;
}

export type RetryDecision = { retry: false } | { retry: true; delayMs: number; countsAsAttempt: boolean };

/**
 * Whether to resend the *same* request. `attempt` is the number of counted attempts already failed in this
 * round (1 after the first failure); `maxRetries` is the config's `max_retries`.
 * Only transient and protocol outcomes are retried as-is; every other kind needs the caller to change
 * something first (halve, bisect, reject, pause, query status), so it is `retry: false` here.
 * A server-given delay is honored unjittered (it is already capped); otherwise full-jitter backoff.
 */
export function retryDecision(
  outcome: EventsOutcome,
  attempt: number,
  maxRetries: number,
  random: () => number,
): RetryDecision {
  switch (outcome.kind) {
    case 'throttled':
      return { retry: true, delayMs: outcome.delayMs, countsAsAttempt: false };
    case 'transient':
    case 'protocol': {
      if (attempt > maxRetries) return { retry: false };
      const serverDelay = outcome.kind === 'transient' ? outcome.retryAfterMs : undefined;
      const delayMs = serverDelay ?? backoffDelay(attempt - 1, random);
      return { retry: true, delayMs, countsAsAttempt: true };
    }
    case 'accepted':
    case 'redirect':
    case 'paused':
    case 'rejectEvents':
    case 'clientBug':
    case 'valueError':
    case 'tooLarge':
    case 'sequenceGap':
    case 'cancelled':
      return { retry: false };
    default:
      return outcome satisfies never;
  }
}
