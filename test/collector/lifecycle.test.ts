/** Opt-in completion (DESIGN.md §3.6) and a changed server_url. */
import { afterEach, expect, it } from 'vitest';
import { createPublisher } from '../../src/collector/index.js';
import { openDatabase } from '../../src/store/index.js';
import { type PublishEnv, publishEnv, SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

async function ingestThenPublisher(
  e: PublishEnv,
  collector: Record<string, number | boolean | string>,
  clock: () => Date,
) {
  e.addClaude(SPLIT_CLAUDE);
  // Ingest with the collector off, then let a publisher with an injected clock do the publishing.
  await e.sync({ enabled: false });
  const db = openDatabase(e.databasePath);
  const publisher = createPublisher(db, e.config(collector).collector);
  return { db, publisher: Object.assign(publisher, {}), clock };
}

shared.describe('session_end', () => {
  it('is never sent by default', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    await env.sync();
    await env.sync();
    expect(env.server.admin.events().filter((e) => e.type === 'session_end')).toEqual([]);
  });

  it('with complete_after_idle_minutes, is sent once for a fully published idle session, timed at its last message', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    // Enable the collector before ingesting, so the session is not backfilled history.
    const first = await env.sync({ complete_after_idle_minutes: 1 });
    expect(first.publish).toEqual({ remainingSessions: 0, reason: null });
    const db = openDatabase(env.databasePath);
    const later = new Date(Date.now() + 2 * 60_000);
    const { Publisher } = await import('../../src/collector/publisher.js');
    const { createClient } = await import('../../src/collector/client.js');
    const config = env.config({ complete_after_idle_minutes: 1 }).collector;
    const client = createClient({
      serverUrl: env.server.url,
      collectorId: env.creds.collectorId,
      apiKey: env.creds.apiKey,
      timeoutMs: 2000,
    });
    const publisher = new Publisher(db, config, { client, clock: () => later });
    await publisher.drain(5000);
    await publisher.drain(5000);
    const ends = env.server.admin.events().filter((e) => e.type === 'session_end');
    expect(ends).toHaveLength(1);
    const lastMessage = db
      .prepare('SELECT emitted_at FROM messages ORDER BY seq DESC LIMIT 1')
      .pluck()
      .get() as string;
    expect(Date.parse(ends[0]!.emittedAt)).toBe(Date.parse(lastMessage));
    expect(ends[0]!.data.outcome).toBe('partial');
    expect(env.server.admin.conversations()[0]!.status).toBe('completed');
    db.close();
  });

  it('is not sent for history backfilled before the collector was enabled', async () => {
    env = await publishEnv();
    const { db, publisher } = await ingestThenPublisher(
      env,
      { complete_after_idle_minutes: 1 },
      () => new Date(),
    );
    expect(await publisher.drain(5000)).toEqual({ remainingSessions: 0, reason: null });
    await publisher.drain(5000);
    expect(env.server.admin.rows().length).toBeGreaterThan(30);
    expect(env.server.admin.events().filter((e) => e.type === 'session_end')).toEqual([]);
    db.close();
  });
});

shared.describe('a changed server_url', () => {
  it('pauses until the user resets the cursors; then everything is sent again and deduplicated', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    await env.sync();
    const stored = env.server.admin.rows().length;
    // The same server under another name: cursors no longer prove what it holds.
    const other = env.server.url.replace('127.0.0.1', 'localhost');
    await env.sync({ server_url: other });
    const db = openDatabase(env.databasePath);
    expect(db.prepare('SELECT paused_reason FROM collector_state').pluck().get()).toBe('server-url-changed');
    const { SessionTracker } = await import('../../src/collector/tracker.js');
    const tracker = new SessionTracker(db);
    tracker.resetCursors(other);
    tracker.clearPause();
    db.close();
    const again = await env.sync({ server_url: other });
    expect(again.publish).toEqual({ remainingSessions: 0, reason: null });
    expect(env.server.admin.rows().length).toBe(stored);
    expect(env.server.admin.counters().duplicatesDropped).toBeGreaterThanOrEqual(stored);
  });
});
