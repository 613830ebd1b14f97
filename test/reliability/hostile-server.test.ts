/**
 * Issue 4 item 4, short version: a server that answers with garbage. For each hostile answer, the compiled CLI
 * (`aiobscura sync`, a real process) against the test server with the fault on for every events request:
 * classified as DESIGN.md §3.5 says, logged once (counted in the process's stderr), retried or paused as
 * the row says, nothing marked published; then the fault clears and everything is published exactly once.
 *
 * Unit-level rows of the same table (one response each, over real HTTP) are in test/collector/client.test.ts
 * and publish-responses.test.ts; this file adds the process, the log and the database.
 */
import { afterEach, expect, it } from 'vitest';
import { type Fault, type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { exited, type Home, runAsync as run, start, waitFor } from '../support/cli.js';
import { collectorHome, expectPublishedOnce, query } from '../support/collector-home.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

const EVENTS = { method: 'POST', path: '/collectors/events' };
/** Every events request for the rest of the first sync (more than any round makes). */
const ALWAYS = 1000;
const MAX_RETRIES = 1;

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

async function setup(): Promise<Home> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  // One session, so "logged once" is exactly one line; batches of 10, so it has several batches.
  return collectorHome(server, creds, [SPLIT_CLAUDE], { max_retries: MAX_RETRIES, timeout_secs: 1 });
}

const eventsRequests = () =>
  server.admin.requests().filter((r) => r.listener === 'main' && r.route === 'POST /collectors/events');

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.length > 0);

/** Nothing acknowledged: cursor at 0, session_start not acked, no latency sample, no accepted count. */
function expectNothingPublished(home: Home): void {
  const state = query<{ last_published_seq: number; session_start_acked: number }>(
    home,
    'SELECT last_published_seq, session_start_acked FROM collector_publish_state',
  );
  for (const s of state) expect(s).toEqual({ last_published_seq: 0, session_start_acked: 0 });
  expect(query(home, 'SELECT * FROM collector_latency')).toEqual([]);
  expect(query(home, `SELECT * FROM collector_counters WHERE name = 'accepted' AND value > 0`)).toEqual([]);
  expect(query(home, 'SELECT * FROM collector_rejections')).toEqual([]);
  expect(server.admin.rows()).toEqual([]);
}

interface Row {
  name: string;
  fault: Fault;
  /** What DESIGN.md §3.5 makes of it. */
  action: 'protocol: retry' | 'transient: retry' | 'client bug: halve' | 'redirect: pause';
  /** Events requests the failing sync makes. */
  requests: number;
  /** In the one log line and in the stored error. */
  detail: RegExp;
}

const ROWS: Row[] = [
  {
    name: 'malformed JSON with a JSON content type, 202',
    fault: { kind: 'malformed-json' },
    action: 'protocol: retry',
    requests: 1 + MAX_RETRIES,
    detail: /expected 202 with \{"accepted".*got 202 \(application\/json\).*check server_url/,
  },
  {
    name: 'malformed JSON with a JSON content type, 500',
    fault: { kind: 'malformed-json', status: 500 },
    action: 'transient: retry',
    requests: 1 + MAX_RETRIES,
    detail: /Internal Server Er/,
  },
  {
    name: 'malformed JSON with a JSON content type, 422',
    fault: { kind: 'malformed-json', status: 422 },
    action: 'client bug: halve',
    // batches of 10 → 5 → 2 → 1, then the round fails
    requests: 4,
    detail: /invalid \(a client bug\)/,
  },
  {
    name: '202 text/plain',
    fault: { kind: 'status', status: 202, body: 'Accepted', contentType: 'text/plain' },
    action: 'protocol: retry',
    requests: 1 + MAX_RETRIES,
    detail: /got 202 \(text\/plain\): Accepted/,
  },
  {
    name: '200 application/xml',
    fault: {
      kind: 'status',
      status: 200,
      body: '<?xml version="1.0"?><accepted>1</accepted>',
      contentType: 'application/xml',
    },
    action: 'protocol: retry',
    requests: 1 + MAX_RETRIES,
    detail: /expected 202, got 200 \(application\/xml\)/,
  },
  {
    name: '200 with the web UI index.html',
    fault: { kind: 'html200' },
    action: 'protocol: retry',
    requests: 1 + MAX_RETRIES,
    detail: /expected 202, got 200 \(text\/html\).*CatSyphon/,
  },
  {
    name: 'a never-ending body (headers, then a byte every 50 ms)',
    fault: { kind: 'trickle' },
    action: 'transient: retry',
    requests: 1 + MAX_RETRIES,
    detail: /no complete answer within 1000 ms/,
  },
  {
    name: 'a 50 MB 202 body',
    fault: { kind: 'oversized' },
    action: 'protocol: retry',
    requests: 1 + MAX_RETRIES,
    detail: /body cut off at the size limit/,
  },
  {
    name: 'a 50 MB 500 body',
    fault: { kind: 'oversized', status: 500 },
    action: 'transient: retry',
    requests: 1 + MAX_RETRIES,
    detail: /\[truncated\]/,
  },
  {
    name: 'a redirect to another host',
    fault: { kind: 'redirect' },
    action: 'redirect: pause',
    requests: 1,
    detail: /publishing paused \(redirect\)/,
  },
];

shared.describe('hostile answers to every events request, then the fault clears', () => {
  for (const row of ROWS) {
    it(`${row.name}: ${row.action}, logged once, nothing published; then published once`, async () => {
      const home = await setup();
      server.admin.scriptFault(row.fault, { match: EVENTS, times: ALWAYS });
      const failing = await run(home, ['sync', '--json']);
      expect(failing.code).toBe(0);
      const summary = JSON.parse(failing.stdout);
      expect(summary.messages).toBeGreaterThan(30); // ingest went on
      expect(summary.publish.remainingSessions).toBe(1);

      const lines = warnings(failing.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^warn: /);
      expect(lines[0]).toMatch(row.detail);
      expect(eventsRequests()).toHaveLength(row.requests);
      if (row.fault.kind === 'oversized') {
        // Bounded read: the client hangs up after 1 MiB; what the server got to write is socket buffers more.
        const sent = eventsRequests().map((r) => r.responseBytes ?? Number.NaN);
        for (const bytes of sent) expect(bytes).toBeLessThan(16 * 1024 * 1024);
      }
      expectNothingPublished(home);

      const stored = query<{ error_message: string | null }>(
        home,
        'SELECT error_message FROM collector_publish_state',
      );
      const global = query<{ paused_reason: string | null; location: string | null }>(
        home,
        'SELECT paused_reason, location FROM collector_state',
      )[0];
      if (row.action === 'redirect: pause') {
        const trap = await server.admin.trapUrl();
        expect(summary.publish.reason).toMatch(/paused: redirect/);
        expect(global).toEqual({ paused_reason: 'redirect', location: `${trap}/collectors/events` });
        const status = await run(home, ['collector', 'status', '--json']);
        expect(status.code).toBe(1);
        expect(status.stdout).toContain(`${trap}/collectors/events`);
        // Never followed: the other host never saw a request.
        expect(server.admin.requests().filter((r) => r.listener === 'trap')).toEqual([]);
      } else {
        expect(global?.paused_reason ?? null).toBeNull();
        expect(stored[0]?.error_message).toMatch(row.detail);
        // A client bug is never a reason to refuse events; nor is anything else here.
        expect(summary.publish.reason).toBe('waiting to retry');
      }

      server.admin.clearFaults();
      if (row.action === 'redirect: pause') {
        expect((await run(home, ['collector', 'resume'])).code).toBe(0);
      }
      const healed = await run(home, ['sync', '--json']);
      expect(healed.stderr).toBe('');
      expect(JSON.parse(healed.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
      expectPublishedOnce(server, home);
      expect(server.admin.requests().filter((r) => r.listener === 'trap')).toEqual([]);
    });
  }
});

shared.describe('sync --watch against a server answering HTML for a while', () => {
  it('logs the problem once, keeps ingesting, and publishes everything once after a flush', async () => {
    const home = await setup();
    server.admin.scriptFault({ kind: 'html200' }, { match: EVENTS, times: ALWAYS });
    const daemon = start(home, ['sync', '--watch', '--poll', '100']);
    let stderr = '';
    daemon.stderr?.on('data', (d) => {
      stderr += d;
    });
    await waitFor(() => eventsRequests().length >= 1 + MAX_RETRIES);
    // Several poll passes and publish wake-ups: the failed session waits for its round pause (30 s).
    await new Promise((r) => setTimeout(r, 1500));
    expect(warnings(stderr)).toHaveLength(1);
    // The first attempt and its retries (a protocol error is retried like a transient one), then the wait.
    expect(eventsRequests()).toHaveLength(1 + MAX_RETRIES);
    expectNothingPublished(home);

    server.admin.clearFaults();
    expect((await run(home, ['collector', 'flush'])).stdout).toContain(`PID ${daemon.pid}`);
    const unacknowledged = () =>
      query(
        home,
        `SELECT 1 FROM messages m JOIN collector_publish_state p USING (session_id)
         WHERE m.publishable = 1 AND m.seq > p.last_published_seq`,
      ).length;
    await waitFor(() => unacknowledged() === 0);
    daemon.kill('SIGTERM');
    expect((await exited(daemon)).code).toBe(0);
    expect(warnings(stderr)).toHaveLength(1);
    expectPublishedOnce(server, home);
  });
});
