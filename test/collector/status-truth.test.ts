/**
 * Issue 11 §14: `collector status` tells the truth. "healthy" only when the last request succeeded (not
 * while the server is down, not after `resume` with credentials still refused); latency in seconds with the
 * backfill counted apart; the privacy summary tells sessions never sent from sessions already partly sent;
 * the `register --force` hint carries `--workspace-id`; `resume` says what it resumed, or that nothing was
 * paused. The compiled CLI against the test server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { type Home, runAsync as run } from '../support/cli.js';
import {
  alteredKey,
  type CollectorValues,
  collectorHome,
  writeCollectorConfig,
} from '../support/collector-home.js';
import { writePlantedSession } from '../support/privacy.js';
import { SPLIT_CLAUDE } from '../support/publish.js';

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

async function setup(extra: CollectorValues = {}): Promise<{ home: Home; values: CollectorValues }> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const values: CollectorValues = {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    batch_size: 10,
    timeout_secs: 2,
    max_retries: 0,
    ...extra,
  };
  const home = collectorHome(server, creds, [SPLIT_CLAUDE], values);
  return { home, values };
}

const status = async (home: Home) => {
  const r = await run(home, ['collector', 'status', '--json']);
  return { code: r.code, report: JSON.parse(r.stdout) };
};

/** One more prompt in the session: something new to publish. */
function appendPrompt(home: Home, n: number): void {
  const file = path.join(home.claudeProjects, '-w', path.basename(SPLIT_CLAUDE));
  const line = {
    parentUuid: null,
    type: 'user',
    sessionId: '03eb5929-52b3-4b13-ada3-b93ae35806b8',
    cwd: '/home/user/project',
    message: { role: 'user', content: `one more thing #${n}` },
    uuid: `d107d4c0-ae71-4d3d-af3a-${String(n).padStart(12, '0')}`,
    timestamp: new Date(Date.UTC(2026, 1, 17, 1, 0, n)).toISOString(),
  };
  fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
}

describe('healthy only when the last request succeeded', () => {
  it('not while the server is down', async () => {
    const { home } = await setup();
    expect((await run(home, ['sync'])).code).toBe(0);
    const up = await status(home);
    expect(up).toMatchObject({ code: 0, report: { state: 'healthy', last_request: { ok: true } } });
    await server.admin.setModes({ outage: true });
    appendPrompt(home, 1);
    expect((await run(home, ['sync'])).code).toBe(0);
    const down = await status(home);
    expect(down.code).toBe(1);
    expect(down.report).toMatchObject({ state: 'failing', pause: null, last_request: { ok: false } });
    expect(down.report.last_request.detail).toMatch(/transient/);
    expect(down.report.last_request.last_success_at).toBe(up.report.last_request.at);
    const text = await run(home, ['collector', 'status']);
    expect(text.stdout).toMatch(/^collector: failing: the last request to the server did not succeed$/m);
    expect(text.stdout).toMatch(/^last request: .* failed: transient/m);
    await server.admin.setModes({ outage: false });
  });

  it('not after `resume` while the credentials are still refused; the hint names --workspace-id', async () => {
    const { home, values } = await setup();
    const key = String(values.api_key);
    writeCollectorConfig(home, { ...values, api_key: alteredKey(key) });
    expect((await run(home, ['sync'])).code).toBe(0);
    const paused = await status(home);
    expect(paused.report).toMatchObject({ state: 'paused', pause: { reason: 'unauthorized' } });
    expect(paused.report.pause.hint).toContain(
      `collector register --force --server-url ${server.url} --workspace-id <workspace uuid>`,
    );
    const resumed = await run(home, ['collector', 'resume']);
    expect(resumed.stdout).toMatch(/^lifted the pause \(unauthorized: .*\); publishing resumes/m);
    const after = await status(home);
    expect(after.code).toBe(1);
    expect(after.report).toMatchObject({ state: 'failing', pause: null, last_request: { ok: false } });
    expect(after.report.last_request.detail).toMatch(/unauthorized/);
  });
});

describe('collector resume says what it resumed', () => {
  it('or that nothing was paused; a session that was waiting retries now', async () => {
    const { home } = await setup();
    server.admin.scriptFault({ kind: 'status', status: 503, body: { detail: 'busy' } }, { times: 1 });
    expect((await run(home, ['sync'])).code).toBe(0);
    const nothing = await run(home, ['collector', 'resume']);
    expect(nothing.stdout).toBe('nothing was paused\n');
    const one = await run(home, ['collector', 'resume', '03eb5929']);
    expect(one.stdout).toMatch(/^session 03eb5929-\S+ retries now \(it had failed 1 round: busy\)$/m);
    const again = await run(home, ['collector', 'resume', '03eb5929', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({
      applied: true,
      pause_lifted: null,
      session: { was_waiting: false },
    });
  });
});

describe('latency', () => {
  it('is in seconds, with the backfill counted apart from live events', async () => {
    const { home } = await setup();
    // History ingested before publishing is enabled, then published: backfill.
    expect((await run(home, ['sync'], { AIOBSCURA_COLLECTOR_ENABLED: 'false' })).code).toBe(0);
    expect((await run(home, ['sync'])).code).toBe(0);
    const first = JSON.parse((await run(home, ['collector', 'stats', '--json'])).stdout);
    expect(first.latency_secs.live.count).toBe(0);
    expect(first.latency_secs.backfill.count).toBeGreaterThan(30);
    appendPrompt(home, 2);
    expect((await run(home, ['sync'])).code).toBe(0);
    const second = JSON.parse((await run(home, ['collector', 'stats', '--json'])).stdout);
    expect(second.latency_secs.live.count).toBe(1);
    expect(second.latency_secs.live.p50).toBeLessThan(60);
    const text = await run(home, ['collector', 'stats']);
    expect(text.stdout).toMatch(
      /latency observed → acknowledged: p50 [\d.]+ s, .* over 1 live event; backfill counted apart: \d+ events of history/,
    );
  });
});

describe('the privacy summary', () => {
  it('tells sessions excluded before anything was sent from those already sent', async () => {
    const { home, values } = await setup();
    expect((await run(home, ['sync'])).code).toBe(0);
    // A second session, never sent, and the first one excluded after it was published.
    writePlantedSession(home.claudeProjects, { cwd: '/work/internal' });
    writeCollectorConfig(home, { ...values, exclude_projects: ['/home/user/project', '/work/internal'] });
    expect((await run(home, ['sync'])).code).toBe(0);
    const { report } = await status(home);
    expect(report.excluded).toMatchObject({ sessions: 2, never_sent: 1, already_sent: 1 });
    const text = await run(home, ['collector', 'status']);
    expect(text.stdout).toContain(
      'excluded: 2 sessions kept local: 1 never sent, 1 partly sent before they were excluded',
    );
  });
});
