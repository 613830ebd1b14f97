/**
 * The outage soak's short version (issue 4, items 2 and 5): the real harness of `npm run soak` with a few
 * seconds of outage and a few thousand events, fixed seed. The compiled daemon ingests real corpus records
 * while the test server (its own process) refuses connections; once it is back, the backlog must drain with
 * every session's rows in the client's ordinal order and equal, as a multiset of hashes, to the events of
 * the local publishable messages. Memory is not asserted here: that figure comes from `npm run soak`.
 */
import { expect, it } from 'vitest';
import { runSoak } from '../../reliability/soak/soak.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

const EVENTS = 2_000;

shared.describe('outage soak (short)', () => {
  it('ingest continues during an outage; afterwards everything drains in order, once', async () => {
    const r = await runSoak({
      outageS: 3,
      events: EVENTS,
      seed: 7,
      sessions: 6,
      warmupS: 2,
      // The daemon's own round pause after a failed round is 30 s; `collector flush` starts a round at once.
      flushOnRecovery: true,
      settleS: 0,
      collector: { flush_interval_secs: 0 },
      log: () => undefined,
    });
    const v = r.verification;
    // The server was really down while the backlog grew, and it was really published afterwards.
    expect(r.backlogGrowth).toBeGreaterThanOrEqual(EVENTS);
    expect(r.backlogDrained).toBeGreaterThanOrEqual(EVENTS);
    expect(r.drainMs).not.toBeNull();
    expect(v.sessions).toBe(6);
    expect({
      missing: v.missing,
      twice: v.twice,
      unexpected: v.unexpected,
      unnumbered: v.unnumbered,
      outOfOrder: v.outOfOrder,
      gapsAtEnd: v.gapsAtEnd,
      refused: v.refused,
    }).toEqual({
      missing: 0,
      twice: 0,
      unexpected: 0,
      unnumbered: 0,
      outOfOrder: 0,
      gapsAtEnd: 0,
      refused: 0,
    });
    expect(v.stored).toBe(v.expected);
    expect(r.daemonExit).toEqual({ code: 0, signal: null });
  }, 180_000);
});
