/**
 * Found by the outage soak: a session whose publishing round failed during an outage must be retried once
 * its retry time has come, even when nothing new is ingested for it and a round ran meanwhile (while it was
 * still waiting). Before the fix such a session dropped out of the publisher's list of sessions to look at
 * and stayed unsent until the periodic full scan, minutes later. Real publisher, real SQLite, the real test
 * server; only the publisher's clock is driven by the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clientFor, Publisher } from '../../src/collector/index.js';
import { normalizeServerUrl } from '../../src/collector/url.js';
import { openDatabase } from '../../src/store/index.js';
import {
  duplicateHashes,
  expectedServerHashes,
  type PublishEnv,
  publishEnv,
  SPLIT_CLAUDE,
} from '../support/publish.js';

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

describe('recovery after an outage', () => {
  it('a session whose round failed is retried at its retry time without new ingest', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    await env.sync({ enabled: false }); // ingest only
    const config = env.config({ max_retries: 0 }).collector;
    const db = openDatabase(env.databasePath);
    let now = Date.now();
    const publisher = new Publisher(
      db,
      { ...config, serverUrl: normalizeServerUrl(config.serverUrl ?? '', false) },
      { client: clientFor(config), clock: () => new Date(now), random: () => 0 },
    );
    const signal = new AbortController().signal;
    try {
      await env.server.admin.setModes({ outage: true });
      expect(await publisher.runOnce(false, signal)).toBe(false); // refused: the round fails, 30 s pause
      now += 10_000;
      expect(await publisher.runOnce(false, signal)).toBe(false); // a round while the session still waits
      await env.server.admin.setModes({ outage: false });
      now += 25_000; // past the retry time, well before the periodic full scan
      expect(await publisher.runOnce(false, signal)).toBe(true);
      while (await publisher.runOnce(false, signal)) {
        // until nothing is left
      }
    } finally {
      db.close();
    }
    const rows = env.server.admin.rows();
    expect(rows.length).toBeGreaterThan(30);
    expect(duplicateHashes(rows)).toEqual([]);
    const expected = expectedServerHashes(env.databasePath);
    expect(expected.uncovered).toBe(0);
    expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expected.hashes);
  });
});
