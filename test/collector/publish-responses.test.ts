/**
 * The publisher against the CatSyphon-compatible test server: one test per row of DESIGN.md §3.5.
 * Every test ends by checking the server's append-only rows: nothing missing, nothing stored twice.
 */
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { alteredKey } from '../support/collector-home.js';
import {
  duplicateHashes,
  expectedServerHashes,
  type PublishEnv,
  publishEnv,
  SPLIT_CLAUDE,
} from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

function complete(e: PublishEnv, legacy = false) {
  const rows = e.server.admin.rows();
  const expected = expectedServerHashes(e.databasePath);
  expect(expected.uncovered).toBe(0);
  if (legacy) {
    // The legacy envelope has no event_hash (the server computes its own): ordinals identify events.
    const sequences = rows.map((r) => `${r.sessionId} ${(r as { sequence?: number }).sequence}`);
    expect(sequences.length).toBe(new Set(sequences).size);
    expect(new Set(sequences)).toEqual(expected.sequences);
    return rows;
  }
  expect(duplicateHashes(rows)).toEqual([]);
  expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expected.hashes);
  return rows;
}

function query<T>(e: PublishEnv, sql: string, ...args: unknown[]): T {
  const db = new Database(e.databasePath, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T;
  } finally {
    db.close();
  }
}

const counters = (e: PublishEnv) =>
  Object.fromEntries(
    query<{ name: string; value: number }[]>(e, 'SELECT * FROM collector_counters').map((r) => [
      r.name,
      r.value,
    ]),
  );

shared.describe('202 accepted', () => {
  it('advances the cursor; a second sync sends nothing', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    const first = await env.sync();
    expect(first.publish).toEqual({ remainingSessions: 0, reason: null });
    const rows = complete(env);
    expect(rows.length).toBeGreaterThan(30);
    const requests = env.server.admin.requests().length;
    await env.sync();
    expect(env.server.admin.requests().length).toBe(requests);
    expect(counters(env).duplicates ?? 0).toBe(0);
  });
});

shared.describe('other 2xx and bodies that are not the expected JSON', () => {
  it('a 200 index.html is a protocol error: never advances, retried later, stored once', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    // Retried within the round like a transient error (retryDecision): it outlasts the first attempt and
    // both retries, so the round fails.
    env.server.admin.scriptFault({ kind: 'html200' }, { match: { path: '/collectors/events' }, times: 3 });
    const first = await env.sync({ max_retries: 2 });
    expect(first.publish?.remainingSessions).toBe(1);
    const state = query<{ error_message: string }[]>(
      env,
      'SELECT error_message FROM collector_publish_state',
    );
    expect(state[0]!.error_message).toMatch(/check server_url/);
    await env.sync({ shutdown_timeout_secs: 15 });
    // Not yet due (backoff); `collector flush` semantics: force a round.
    const { createPublisher } = await import('../../src/collector/index.js');
    const { openDatabase } = await import('../../src/store/index.js');
    const db = openDatabase(env.databasePath);
    const publisher = createPublisher(db, env.config().collector);
    publisher.flushNow();
    expect(await publisher.drain(10_000)).toEqual({ remainingSessions: 0, reason: null });
    db.close();
    complete(env);
  });
});

shared.describe('3xx', () => {
  it('is never followed: publishing pauses and the status names the Location', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    const trap = await env.server.admin.trapUrl();
    env.server.admin.scriptFault(
      { kind: 'redirect', location: trap },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    const r = await env.sync();
    expect(r.publish?.reason).toMatch(/paused: redirect/);
    expect(r.messages).toBeGreaterThan(30); // ingest went on
    const state = query<{ paused_reason: string; location: string }[]>(env, 'SELECT * FROM collector_state');
    expect(state[0]).toMatchObject({ paused_reason: 'redirect', location: trap });
    // A followed redirect would be logged by the trap listener (its path is the same events path).
    expect(env.server.admin.requests().filter((q) => q.listener === 'trap')).toEqual([]);
    expect(env.server.admin.rows()).toEqual([]);
  });
});

shared.describe('configuration problems pause all publishing, ingest continues', () => {
  it('401: pauses; after registering again and resuming, everything is published once', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    const good = env.creds.apiKey;
    const r = await env.sync({ api_key: alteredKey(good) });
    expect(r.publish?.reason).toMatch(/paused: unauthorized/);
    expect(r.messages).toBeGreaterThan(30);
    // Changed credentials lift the pause at once (the config fingerprint changed).
    const again = await env.sync({ api_key: good });
    expect(again.publish).toEqual({ remainingSessions: 0, reason: null });
    complete(env);
  });

  it('403 Collector is disabled pauses; enabling it on the server and resuming publishes the backlog', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    env.server.admin.disableCollector(env.creds.collectorId);
    expect((await env.sync()).publish?.reason).toMatch(/paused: collector-disabled/);
    env.server.admin.enableCollector(env.creds.collectorId);
    // Same config: still paused (15 min) until `collector resume`.
    expect((await env.sync()).publish?.reason).toMatch(/paused/);
    const db = new Database(env.databasePath);
    db.prepare('UPDATE collector_state SET paused_reason = NULL').run();
    db.close();
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    complete(env);
  });

  it('400 Invalid collector ID format and 404/405 on the events route pause too', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    for (const [status, detail] of [
      [400, 'Invalid collector ID format'],
      [404, 'Not Found'],
      [405, 'Method Not Allowed'],
    ] as const) {
      env.server.admin.scriptFault(
        { kind: 'status', status, body: { detail } },
        { match: { path: '/collectors/events' }, times: 1 },
      );
      const r = await env.sync();
      expect(r.publish?.reason).toMatch(/paused/);
      const db = new Database(env.databasePath);
      db.prepare('UPDATE collector_state SET paused_reason = NULL').run();
      db.close();
    }
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    complete(env);
  });
});

shared.describe('422', () => {
  it('naming events rejects exactly those (recorded with the detail) and sends the rest at once', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    const detail = [
      { type: 'value_error', loc: ['body', 'events', 2], msg: 'Value error, synthetic', input: {} },
    ];
    env.server.admin.scriptFault(
      { kind: 'status', status: 422, body: { detail } },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    const r = await env.sync();
    expect(r.publish).toEqual({ remainingSessions: 0, reason: null });
    const rejected = query<{ detail: string; status: number }[]>(env, 'SELECT * FROM collector_rejections');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.detail).toMatch(/synthetic/);
    const rows = complete(env);
    expect(
      rows.some((row) => row.hash === (rejected[0] as unknown as { event_hash: string }).event_hash),
    ).toBe(false);
  });

  it('any other 422 halves the batch and never rejects', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    const detail = [{ type: 'missing', loc: ['body', 'session_id'], msg: 'Field required', input: {} }];
    env.server.admin.scriptFault(
      { kind: 'status', status: 422, body: { detail } },
      { match: { path: '/collectors/events' }, times: 2 },
    );
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(query<unknown[]>(env, 'SELECT * FROM collector_rejections')).toEqual([]);
    complete(env);
  });
});

shared.describe('500', () => {
  it('with a value error bisects down to the offending event and rejects only it', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    // The server fails every batch that contains the first batch's third event.
    const body = { detail: "'user' is not a valid AuthorRole" };
    env.server.admin.scriptFault(
      { kind: 'status', status: 500, body },
      { match: { path: '/collectors/events' }, times: 5 },
    );
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(query<unknown[]>(env, 'SELECT * FROM collector_rejections').length).toBeGreaterThanOrEqual(1);
    complete(env);
  });

  it('text/plain 500, 503, resets and timeouts are transient: retried with backoff, delivered once', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    const m = { match: { path: '/collectors/events' }, times: 1 };
    env.server.admin.scriptFault(
      { kind: 'status', status: 500, body: 'Internal Server Error', contentType: 'text/plain' },
      m,
    );
    env.server.admin.scriptFault({ kind: 'status', status: 503, body: { detail: 'busy' } }, m);
    env.server.admin.scriptFault({ kind: 'reset' }, m);
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(counters(env)).toMatchObject({ failures: 3, retries: 3 });
    complete(env);
  });

  it('a stall past the timeout after the server committed (stall-then-commit) is resent and deduplicated', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    env.server.admin.scriptFault(
      { kind: 'stall-commit', ms: 3000 },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    expect((await env.sync({ timeout_secs: 1 })).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(env.server.admin.counters().duplicatesDropped).toBeGreaterThan(0);
    complete(env);
  });
});

shared.describe('413 and 429', () => {
  it('413 halves the batch; the 1 MB corpus line is delivered shrunk through the 413 mode', async () => {
    env = await publishEnv();
    await env.server.admin.setModes({ limit413: true });
    env.addClaude(
      SPLIT_CLAUDE.replace(
        '-experiments-ideas/03eb5929-52b3-4b13-ada3-b93ae35806b8',
        '-Users-dain-workspace-claude-code-log-sample/0d3a8e6f-290f-4105-a327-a2496e5e2a83',
      ),
    );
    env.server.admin.scriptFault(
      { kind: 'status', status: 413, body: 'Request Entity Too Large', contentType: 'text/html' },
      { times: 1 },
    );
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    const rows = complete(env);
    const shrunk = rows.filter((r) => (r.data as { truncated?: boolean }).truncated === true);
    expect(shrunk.length).toBeGreaterThan(0);
    expect(query<unknown[]>(env, 'SELECT * FROM collector_rejections')).toEqual([]);
  });

  it('429 waits Retry-After and does not count as a failed retry', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    env.server.admin.scriptFault(
      { kind: 'status', status: 429, body: { detail: 'slow down' }, headers: { 'Retry-After': '1' } },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    const started = Date.now();
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(counters(env).failures ?? 0).toBe(0);
    complete(env);
  });
});

shared.describe('409 (legacy server)', () => {
  it('asks the server where it is and resends from its last sequence + 1, without looping', async () => {
    env = await publishEnv({ legacy: true });
    env.addClaude(SPLIT_CLAUDE);
    env.server.admin.scriptFault(
      {
        kind: 'status',
        status: 409,
        body: {
          detail: {
            error: 'sequence_gap',
            message: 'Expected sequence 1, got 5',
            last_received_sequence: 0,
            expected_sequence: 1,
          },
        },
      },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    complete(env, true);
  });

  it('a rejected event keeps its ordinal with a filler, so the legacy gap check passes', async () => {
    env = await publishEnv({ legacy: true });
    env.addClaude(SPLIT_CLAUDE);
    const detail = [
      { type: 'value_error', loc: ['body', 'events', 1], msg: 'Value error, synthetic', input: {} },
    ];
    env.server.admin.scriptFault(
      { kind: 'status', status: 422, body: { detail } },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    expect((await env.sync()).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(env.server.admin.counters().statuses['409'] ?? 0).toBe(0);
    complete(env, true);
  });
});
