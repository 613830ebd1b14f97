/**
 * Issue 9, defect 7: the retry policy that runs is the tested one (`retryDecision`, retry.test.ts). The
 * publisher is driven against the test server and the server's request log shows what it did: a 5xx
 * Retry-After is waited out, protocol errors are retried within the round like transient ones.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { clientFor } from '../../src/collector/index.js';
import { Publisher } from '../../src/collector/publisher.js';
import { openDatabase } from '../../src/store/index.js';
import { type PublishEnv, publishEnv, SPLIT_CLAUDE } from '../support/publish.js';

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

const eventPosts = (e: PublishEnv) =>
  e.server.admin.requests().filter((r) => r.route === 'POST /collectors/events');

function counters(e: PublishEnv): Record<string, number> {
  const db = new Database(e.databasePath, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, value FROM collector_counters').all() as {
      name: string;
      value: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  } finally {
    db.close();
  }
}

/** Ingests with the collector off, then drains with a publisher whose backoff jitter is always 0. */
async function drainWithoutJitter(e: PublishEnv, extra: Record<string, number> = {}) {
  e.addClaude(SPLIT_CLAUDE);
  await e.sync({ enabled: false });
  const db = openDatabase(e.databasePath);
  try {
    const config = e.config(extra).collector;
    const publisher = new Publisher(db, config, { client: clientFor(config), random: () => 0 });
    return await publisher.drain(30_000);
  } finally {
    db.close();
  }
}

describe('the publisher runs retryDecision', () => {
  it('waits out a 5xx Retry-After instead of its own (here zero) backoff', async () => {
    env = await publishEnv();
    env.server.admin.scriptFault(
      { kind: 'status', status: 503, body: { detail: 'maintenance' }, headers: { 'Retry-After': '2' } },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    expect(await drainWithoutJitter(env)).toEqual({ remainingSessions: 0, reason: null });
    const [first, second] = eventPosts(env);
    expect(first!.status).toBe(503);
    // A sleep never ends early: the resend cannot arrive before the server's 2 s.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
    expect(counters(env)).toMatchObject({ failures: 1, retries: 1 });
  });

  it('retries a protocol error within the round (a misrouted proxy answering once)', async () => {
    env = await publishEnv();
    env.server.admin.scriptFault({ kind: 'html200' }, { match: { path: '/collectors/events' }, times: 1 });
    expect(await drainWithoutJitter(env)).toEqual({ remainingSessions: 0, reason: null });
    expect(counters(env)).toMatchObject({ failures: 1, retries: 1 });
  });

  it('a protocol error that outlasts max_retries ends the round: first attempt + max_retries, then backoff', async () => {
    env = await publishEnv();
    env.server.admin.scriptFault({ kind: 'html200' }, { match: { path: '/collectors/events' }, times: 100 });
    const r = await drainWithoutJitter(env, { max_retries: 2 });
    expect(r).toEqual({ remainingSessions: 1, reason: 'waiting to retry' });
    expect(eventPosts(env)).toHaveLength(3);
    expect(counters(env)).toMatchObject({ failures: 3, retries: 2 });
    const db = new Database(env.databasePath, { readonly: true });
    const state = db.prepare('SELECT error_message, next_retry_at FROM collector_publish_state').get() as {
      error_message: string;
      next_retry_at: string | null;
    };
    db.close();
    expect(state.error_message).toMatch(/check server_url/);
    expect(state.next_retry_at).not.toBeNull();
  });
});
