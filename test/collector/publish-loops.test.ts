/**
 * Issue 9, defect 4: every publisher outcome either changes the batch or ends the round with a backoff, and
 * ordinals go only to events actually sent. Each test drives the real publisher against the test server and
 * bounds the number of requests: a publisher that resends an unchanged batch makes hundreds in a second.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createPublisher } from '../../src/collector/index.js';
import { openDatabase } from '../../src/store/index.js';
import { expectedServerHashes, type PublishEnv, publishEnv, SPLIT_CLAUDE } from '../support/publish.js';
import { BIG_SESSION, writeBigToolCallSession } from './fixtures.js';

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

function query<T>(e: PublishEnv, sql: string, ...args: unknown[]): T[] {
  const db = new Database(e.databasePath, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

const posts = (e: PublishEnv) =>
  e.server.admin.requests().filter((r) => r.route === 'POST /collectors/events').length;

/** Rows of the events that were rejected, with the type of the event they were refused as. */
const rejections = (e: PublishEnv) =>
  query<{ event_type: string; status: number | null; event_hash: string }>(
    e,
    'SELECT event_type, status, event_hash FROM collector_rejections',
  );

/** What the server stored equals what was numbered and not refused; nothing twice; nothing left unsent. */
function storedExactly(e: PublishEnv, { complete = true } = {}): void {
  const rows = e.server.admin.rows();
  const expected = expectedServerHashes(e.databasePath);
  if (complete) expect(expected.uncovered).toBe(0);
  expect(rows.length).toBe(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`)).size);
  expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expected.hashes);
}

describe('413 / 500 value error at batch limit 1', () => {
  it('a 413 for an oversized tool call rejects that tool call (not its usage carrier) and ends', async () => {
    env = await publishEnv();
    await env.server.admin.setModes({ limit413: true });
    // A 1.5 MB tool call that the limits let through unshrunk: only the server's 1 MiB proxy refuses it.
    writeBigToolCallSession(`${env.claudeDir}/projects`, { toolInputBytes: 1_500_000 });
    const r = await env.sync({
      max_event_bytes: 2 * 1024 * 1024,
      max_batch_bytes: 2 * 1024 * 1024,
      shutdown_timeout_secs: 30,
    });
    expect(r.publish).toEqual({ remainingSessions: 0, reason: null });
    const rejected = rejections(env);
    expect(rejected.map((x) => [x.event_type, x.status])).toEqual([['tool_call', 413]]);
    // The usage carrier of that response was delivered, so the session's tokens are all on the server.
    const carriers = env.server.admin
      .events(BIG_SESSION)
      .filter((ev) => (ev.data as { usage_carrier?: boolean }).usage_carrier === true);
    expect(carriers).toHaveLength(1);
    expect(posts(env)).toBeLessThanOrEqual(12);
    storedExactly(env);
  });

  it('a 500 value error aimed at one event is bisected down to that event on a legacy server', async () => {
    env = await publishEnv({ legacy: true });
    writeBigToolCallSession(`${env.claudeDir}/projects`, { inputMarker: 'POISON-7f3a' });
    env.server.admin.scriptFault(
      { kind: 'status', status: 500, body: { detail: 'value too long for type character varying(255)' } },
      { match: { path: '/collectors/events', bodyContains: 'POISON-7f3a' }, times: 100_000 },
    );
    const r = await env.sync({ batch_size: 10, shutdown_timeout_secs: 30 });
    expect(r.publish).toEqual({ remainingSessions: 0, reason: null });
    expect(rejections(env).map((x) => [x.event_type, x.status])).toEqual([['tool_call', 500]]);
    expect(posts(env)).toBeLessThanOrEqual(12);
    // The refused event's ordinal was kept by a filler: the legacy server never saw a gap.
    expect(env.server.admin.counters().statuses['409'] ?? 0).toBe(0);
    const stored = env.server.admin.rows().map((x) => (x as { sequence?: number }).sequence);
    expect(stored.length).toBe(new Set(stored).size);
  });

  it('a filler that the server refuses alone is never "rejected": the round ends with a backoff', async () => {
    env = await publishEnv();
    writeBigToolCallSession(`${env.claudeDir}/projects`);
    // The prompt is refused by a 422 naming it; from then on every batch holding its filler fails.
    env.server.admin.scriptFault(
      {
        kind: 'status',
        status: 422,
        body: {
          detail: [{ type: 'value_error', loc: ['body', 'events', 1], msg: 'Value error, x', input: {} }],
        },
      },
      { match: { path: '/collectors/events' }, times: 1 },
    );
    env.server.admin.scriptFault(
      { kind: 'status', status: 500, body: { detail: "'filler' is not a valid AuthorRole" } },
      { match: { path: '/collectors/events', bodyContains: 'aiobscura_filler_for' }, times: 100_000 },
    );
    const r = await env.sync({ shutdown_timeout_secs: 30 });
    expect(r.publish).toEqual({ remainingSessions: 1, reason: 'waiting to retry' });
    expect(rejections(env).map((x) => x.event_type)).toEqual(['message']);
    expect(posts(env)).toBeLessThanOrEqual(12);
    const state = query<{ next_retry_at: string | null; error_message: string }>(
      env,
      'SELECT next_retry_at, error_message FROM collector_publish_state',
    );
    expect(state[0]!.next_retry_at).not.toBeNull();
    expect(state[0]!.error_message).toMatch(/AuthorRole/);
  });
});

describe('legacy 409 that recovery cannot resolve', () => {
  it('after the recoveries the round ends with a backoff instead of looping', async () => {
    env = await publishEnv({ legacy: true });
    env.addClaude(SPLIT_CLAUDE);
    const gap = {
      error: 'sequence_gap',
      message: 'Expected sequence 1, got 5',
      last_received_sequence: 0,
      expected_sequence: 1,
    };
    env.server.admin.scriptFault(
      { kind: 'status', status: 409, body: { detail: gap } },
      { match: { path: '/collectors/events' }, times: 100_000 },
    );
    const r = await env.sync({ shutdown_timeout_secs: 30 });
    expect(r.publish).toEqual({ remainingSessions: 1, reason: 'waiting to retry' });
    expect(posts(env)).toBeLessThanOrEqual(8);
    const state = query<{ error_message: string; next_retry_at: string | null }>(
      env,
      'SELECT error_message, next_retry_at FROM collector_publish_state',
    );
    expect(state[0]!.error_message).toMatch(/sequence gap/);
    expect(state[0]!.next_retry_at).not.toBeNull();
  });
});

describe('ordinals', () => {
  it('go only to events actually sent: a batch built but not yet due is not numbered', async () => {
    env = await publishEnv();
    env.addClaude(SPLIT_CLAUDE);
    await env.sync({ enabled: false });
    const db = openDatabase(env.databasePath);
    try {
      // An hour-long flush interval: the full batches go, the partial last one is built and is not due.
      const publisher = createPublisher(
        db,
        env.config({ flush_interval_secs: 3600, batch_size: 10 }).collector,
      );
      await publisher.runOnce(false, new AbortController().signal);
      expect(posts(env)).toBeGreaterThan(0);
      storedExactly(env, { complete: false });
      // Sent, then numbered: every ordinal belongs to an event the server received (storedExactly).
      expect((await publisher.drain(10_000)).remainingSessions).toBe(0);
    } finally {
      db.close();
    }
    storedExactly(env);
  });
});
