/**
 * Issue 9, defect 8: `collector flush` goes on while it makes progress. It stops only when a round makes no
 * progress, on a signal, or at an explicit `--timeout`; it shows progress on a terminal and nothing on a
 * pipe. The compiled CLI in its own process against the test server, whose every events request is slowed
 * down so the backlog takes longer than `shutdown_timeout_secs`.
 */

import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { CLI, exited, type Home, runAsync as run, waitFor } from '../support/cli.js';
import { collectorHome, expectPublishedOnce } from '../support/collector-home.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';
import { spawn } from '../support/spawn.js';
import { onTerminal } from './terminal.js';

const BIG_CLAUDE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl',
);
const EVENTS = { method: 'POST', path: '/collectors/events' };
const corpus = needs('corpus', 'catsyphon-openapi');

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

/** A home whose history is ingested with the collector off: flush then has the whole backlog to send. */
async function backlogHome(): Promise<Home> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const home = collectorHome(server, creds, [SPLIT_CLAUDE, BIG_CLAUDE], {
    batch_size: 10,
    shutdown_timeout_secs: 1,
  });
  const ingest = await run(home, ['sync'], { AIOBSCURA_COLLECTOR_ENABLED: 'false' });
  expect(ingest.code, ingest.stderr).toBe(0);
  // 100 ms per batch: more batches (about 20) than fit in shutdown_timeout_secs (1 s).
  server.admin.addRandomFault({ fault: { kind: 'latency', ms: 100 }, probability: 1, match: EVENTS });
  return home;
}

const eventPosts = () => server.admin.requests().filter((r) => r.route === 'POST /collectors/events');

corpus.describe('collector flush', () => {
  it('publishes a backlog that takes longer than shutdown_timeout_secs, and says so; nothing on stderr of a pipe', async () => {
    const home = await backlogHome();
    const r = await run(home, ['collector', 'flush']);
    expect(r.stdout).toMatch(/everything publishable was acknowledged/);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(eventPosts().length).toBeGreaterThan(5);
    expectPublishedOnce(server, home);
  });

  it('--json: one JSON object with the outcome, snake_case', async () => {
    const home = await backlogHome();
    const r = await run(home, ['collector', 'flush', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ remaining_sessions: 0, reason: null });
    expect(out.published_events).toBe(server.admin.counters().eventsAccepted);
  });

  it('--timeout SECS stops it there and says what is left', async () => {
    const home = await backlogHome();
    const r = await run(home, ['collector', 'flush', '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^(1 session|2 sessions) still queued: --timeout 1 s reached$/m);
    // What is left is sent by the next flush, once.
    server.admin.clearFaults();
    expect((await run(home, ['collector', 'flush'])).code).toBe(0);
    expectPublishedOnce(server, home);
  });

  it('stops on no progress: with the server down it ends at once with the reason', async () => {
    const home = await backlogHome();
    await server.admin.setModes({ outage: true });
    const r = await run(home, ['collector', 'flush']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/sessions? still queued: waiting to retry/);
    await server.admin.setModes({ outage: false });
  });

  it('stops on SIGINT with exit 130; nothing is lost', async () => {
    const home = await backlogHome();
    const child = spawn(process.execPath, [CLI, 'collector', 'flush'], {
      env: home.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    await waitFor(() => eventPosts().length >= 2);
    child.kill('SIGINT');
    expect((await exited(child)).code).toBe(130);
    expect(stdout).toMatch(/still queued: stopped/);
    server.admin.clearFaults();
    expect((await run(home, ['collector', 'flush'])).code).toBe(0);
    expectPublishedOnce(server, home);
  });

  it('on a terminal shows a counter of the events published', async () => {
    const home = await backlogHome();
    const r = await onTerminal(home, ['collector', 'flush']);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/\d+\/\d+ events/);
    expect(r.output).toMatch(/everything publishable was acknowledged/);
  });
});
