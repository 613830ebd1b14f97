/**
 * Found by the outage soak: a session whose publishing round failed during an outage must be retried once
 * its retry time has come, even when nothing new is ingested for it and a round ran meanwhile (while it was
 * still waiting). Before the fix such a session dropped out of the publisher's list of sessions to look at
 * and stayed unsent until the periodic full scan, minutes later. Real publisher, real SQLite, the real test
 * server; only the publisher's clock is driven by the test.
 */
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { clientFor, Publisher } from '../../src/collector/index.js';
import { normalizeServerUrl } from '../../src/collector/url.js';
import { type Db, openDatabase } from '../../src/store/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import {
  duplicateHashes,
  expectedServerHashes,
  type PublishEnv,
  publishEnv,
  SPLIT_CLAUDE,
} from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

const SAMPLE = path.join(CORPUS_DIR, 'claude-code-log/test/test_data/real_projects');
const OTHER_SESSIONS = [
  '-src-deep-manifest/a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl',
  '-Users-dain-workspace-coderabbit-review-helper/cb2e607c-c758-415a-8b45-c49e4631906a.jsonl',
].map((f) => path.join(SAMPLE, f));

/** The server holds every publishable local message's events, each once. */
function expectAllPublishedOnce(env: PublishEnv): void {
  const rows = env.server.admin.rows();
  expect(duplicateHashes(rows)).toEqual([]);
  const expected = expectedServerHashes(env.databasePath);
  expect(expected.uncovered).toBe(0);
  expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expected.hashes);
}

/** The real publisher on the env's database, its clock driven by the test, retries within a round off. */
function publisherAt(env: PublishEnv, db: Db, now: () => number): Publisher {
  const config = env.config({ max_retries: 0 }).collector;
  return new Publisher(
    db,
    { ...config, serverUrl: normalizeServerUrl(config.serverUrl ?? '', false) },
    { client: clientFor(config), clock: () => new Date(now()), random: () => 0 },
  );
}

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

shared.describe('recovery after an outage', () => {
  it('a session whose round failed is retried at its retry time without new ingest', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    await env.sync({ enabled: false }); // ingest only
    const db = openDatabase(env.databasePath);
    let now = Date.now();
    const publisher = publisherAt(env, db, () => now);
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
    expect(env.server.admin.rows().length).toBeGreaterThan(30);
    expectAllPublishedOnce(env);
  });

  it('the first acknowledgement after an outage makes every waiting session due at once', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    env.addClaude(OTHER_SESSIONS[0]!);
    await env.sync({ enabled: false });
    const db = openDatabase(env.databasePath);
    let now = Date.now();
    const publisher = publisherAt(env, db, () => now);
    const signal = new AbortController().signal;
    const waiting = () =>
      db
        .prepare('SELECT count(*) FROM collector_publish_state WHERE next_retry_at IS NOT NULL')
        .pluck()
        .get();
    try {
      await env.server.admin.setModes({ outage: true });
      expect(await publisher.runOnce(false, signal)).toBe(false);
      now += 31_000;
      expect(await publisher.runOnce(false, signal)).toBe(false); // two failed rounds each: 60 s to wait
      expect(waiting()).toBe(2);
      await env.server.admin.setModes({ outage: false });
      // A new session has no backoff: it is sent first, and its acknowledgement ends the others' wait.
      env.addClaude(OTHER_SESSIONS[1]!);
      await env.sync({ enabled: false });
      publisher.notify();
      now += 1_000;
      expect(await publisher.runOnce(false, signal)).toBe(true);
      expect(waiting()).toBe(0);
      while (await publisher.runOnce(false, signal)) {
        // the clock stands still: nothing may need to wait out its backoff
      }
    } finally {
      db.close();
    }
    expectAllPublishedOnce(env);
  });
});
