import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventsOutcome } from '../../src/collector/outcome.js';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffDelay,
  DEFAULT_THROTTLE_MS,
  MAX_WAIT_MS,
  PAUSED_RETRY_MS,
  parseRetryAfter,
  retryDecision,
  roundPause,
} from '../../src/collector/retry.js';

describe('backoffDelay', () => {
  it('is full jitter: 0 ≤ delay ≤ min(cap, base·2ⁿ), an integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const d = backoffDelay(n, () => r);
        const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it.each([
    [0, 0, 0],
    [0, 0.5, 250],
    [0, 0.999999, 499],
    [1, 0.5, 500],
    [5, 0.5, 8000],
    [6, 0.999999, 29_999], // 500·2⁶ = 32 s → capped at 30 s
    [1000, 0.5, 15_000], // 2^1000 overflows to Infinity: still the cap
    [-3, 0.5, 250], // nonsense attempt → first retry
    [Number.NaN, 0.5, 250],
  ])('attempt %d, random %d → %d ms', (attempt, r, want) => {
    expect(backoffDelay(attempt, () => r)).toBe(want);
  });

  it('tolerates a random() outside [0, 1)', () => {
    expect(backoffDelay(2, () => 1.5)).toBe(2000);
    expect(backoffDelay(2, () => -1)).toBe(0);
    expect(backoffDelay(2, () => Number.NaN)).toBe(0);
  });
});

describe('roundPause', () => {
  it.each([
    [0, 30_000],
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [4, 480_000],
    [5, 900_000], // 960 s → 15 min cap
    [10, 900_000],
    [10_000, 900_000],
    [-1, 30_000],
  ])('after %d earlier failed rounds → %d ms', (k, want) => {
    expect(roundPause(k)).toBe(want);
  });

  it('pausedRetryMs is 15 min', () => {
    expect(PAUSED_RETRY_MS).toBe(15 * 60_000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-03-01T12:00:00Z'); // a Sunday
  it.each<[string, string | null, number | null]>([
    ['absent', null, null],
    ['empty', '', null],
    ['0 seconds', '0', 0],
    ['seconds', '5', 5000],
    ['seconds with spaces', ' 120 ', 120_000],
    ['just under the cap', '899', 899_000],
    ['at the cap', '900', 900_000],
    ['over the cap', '3600', MAX_WAIT_MS],
    ['absurdly long digits', '99999999999999999999999', MAX_WAIT_MS],
    ['negative', '-5', null],
    ['fraction', '1.5', null],
    ['unit', '5s', null],
    ['words', 'soon', null],
    ['IMF-fixdate', 'Sun, 01 Mar 2026 12:01:00 GMT', 60_000],
    ['IMF-fixdate over the cap', 'Sun, 01 Mar 2026 13:00:00 GMT', MAX_WAIT_MS],
    ['RFC 850', 'Sunday, 01-Mar-26 12:02:00 GMT', 120_000],
    ['asctime (space-padded day)', 'Sun Mar  1 12:03:00 2026', 180_000],
    ['asctime (two-digit day)', 'Tue Mar 10 12:00:00 2026', MAX_WAIT_MS],
    ['past IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', 0],
    ['past RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT', 0],
    ['past asctime', 'Sun Nov  6 08:49:37 1994', 0],
    ['RFC 850 year 76 = 2076 (≤ 50 years ahead)', 'Sunday, 01-Mar-76 12:00:00 GMT', MAX_WAIT_MS],
    ['RFC 850 year 77 = 1977 (> 50 years ahead)', 'Sunday, 01-Mar-77 12:00:00 GMT', 0],
    ['far future', 'Fri, 01 Jan 2100 00:00:00 GMT', MAX_WAIT_MS],
    ['February 30', 'Mon, 30 Feb 2026 12:00:00 GMT', null],
    ['unknown month', 'Sun, 01 Foo 2026 12:01:00 GMT', null],
    ['hour 24', 'Sun, 01 Mar 2026 24:00:00 GMT', null],
    ['lowercase day name', 'sun, 01 Mar 2026 12:01:00 GMT', null],
    ['no GMT', 'Sun, 01 Mar 2026 12:01:00', null],
    ['other zone', 'Sun, 01 Mar 2026 12:01:00 PST', null],
    ['ISO 8601 (not an HTTP-date)', '2026-03-01T12:05:00Z', null],
    ['one-digit IMF day', 'Sun, 1 Mar 2026 12:01:00 GMT', null],
  ])('%s: %j → %j', (_name, value, want) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});

describe('retryDecision', () => {
  const half = () => 0.5;
  const transient: EventsOutcome = { kind: 'transient', reason: 'reset', status: null, detail: 'x' };

  it('a 429 waits the server delay and does not count as an attempt', () => {
    const throttled: EventsOutcome = { kind: 'throttled', delayMs: 7000, detail: '' };
    expect(retryDecision(throttled, 99, 3, half)).toEqual({
      retry: true,
      delayMs: 7000,
      countsAsAttempt: false,
    });
  });

  it('transient and protocol back off with jitter until max_retries retries are spent', () => {
    expect(retryDecision(transient, 1, 3, half)).toEqual({
      retry: true,
      delayMs: 250,
      countsAsAttempt: true,
    });
    expect(retryDecision(transient, 3, 3, half)).toEqual({
      retry: true,
      delayMs: 1000,
      countsAsAttempt: true,
    });
    expect(retryDecision(transient, 4, 3, half)).toEqual({ retry: false });
    const protocol: EventsOutcome = { kind: 'protocol', status: 200, detail: 'html' };
    expect(retryDecision(protocol, 2, 3, half)).toEqual({ retry: true, delayMs: 500, countsAsAttempt: true });
    expect(retryDecision(transient, 1, 0, half)).toEqual({ retry: false });
  });

  it('a 5xx Retry-After is used as is, without jitter', () => {
    const withDelay: EventsOutcome = { ...transient, reason: 'server', status: 503, retryAfterMs: 12_000 };
    expect(retryDecision(withDelay, 1, 3, half)).toEqual({
      retry: true,
      delayMs: 12_000,
      countsAsAttempt: true,
    });
  });

  it.each<EventsOutcome>([
    { kind: 'accepted', accepted: 1, lastSequence: 1 },
    { kind: 'redirect', status: 307, location: null },
    { kind: 'paused', reason: 'unauthorized', status: 401, detail: '' },
    { kind: 'rejectEvents', indices: [0], reasons: [''], detail: '' },
    { kind: 'clientBug', status: 422, detail: '' },
    { kind: 'valueError', detail: '' },
    { kind: 'tooLarge', detail: '' },
    { kind: 'sequenceGap', lastReceived: 2, expected: 3, detail: '' },
    { kind: 'cancelled', detail: '' },
  ])('$kind is not resent as is', (outcome) => {
    expect(retryDecision(outcome, 1, 3, half)).toEqual({ retry: false });
  });

  it('the default throttle delay is 30 s', () => {
    expect(DEFAULT_THROTTLE_MS).toBe(30_000);
  });
});
