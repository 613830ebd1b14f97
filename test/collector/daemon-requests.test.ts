/**
 * Issue 9, defect 5: every command that changes collector state takes the sync lock or asks the running
 * daemon, and each cursor remembers the server it refers to. A real `sync --watch` process, two test servers
 * (the old one and the new one), and `collector resume --reset-cursors` run as users run it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Credentials, RunningCatsyphonServer } from '../support/catsyphon/index.js';
import { startCatsyphonServer } from '../support/catsyphon/index.js';
import { exited, type Home, runAsync as run, start, waitFor } from '../support/cli.js';
import {
  collectorHome,
  expectPublishedOnce,
  query,
  writeCollectorConfig,
} from '../support/collector-home.js';
import { SPLIT_CLAUDE } from '../support/publish.js';

let servers: RunningCatsyphonServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function twoServers() {
  const [a, b] = await Promise.all([
    startCatsyphonServer({ host: '127.0.0.1', port: 0 }),
    startCatsyphonServer({ host: '127.0.0.1', port: 0 }),
  ]);
  servers = [a!, b!];
  return { a: a!, credsA: a!.admin.registerCollector(), b: b!, credsB: b!.admin.registerCollector() };
}

const pointAt = (home: Home, server: RunningCatsyphonServer, creds: Credentials) =>
  writeCollectorConfig(home, {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    batch_size: 10,
    timeout_secs: 2,
  });

const unacknowledged = (home: Home) =>
  query(
    home,
    `SELECT 1 FROM messages m LEFT JOIN collector_publish_state p USING (session_id)
     WHERE m.publishable = 1 AND m.seq > coalesce(p.last_published_seq, 0)`,
  ).length;

/** The daemon has published everything it ingested to `server` (false while it is still starting). */
const caughtUp = (home: Home, server: RunningCatsyphonServer, atLeast: number) =>
  server.admin.rows().length >= atLeast && unacknowledged(home) === 0;

/** One more prompt in the session file: the daemon ingests it and publishes a round for that session. */
function appendPrompt(home: Home): void {
  const file = path.join(home.claudeProjects, '-w', path.basename(SPLIT_CLAUDE));
  const line = {
    parentUuid: 'd107d4c0-ae71-4d3d-af3a-cf7a370bd21f',
    isSidechain: false,
    userType: 'external',
    cwd: '/home/user/project',
    sessionId: '03eb5929-52b3-4b13-ada3-b93ae35806b8',
    version: '2.1.42',
    type: 'user',
    message: { role: 'user', content: 'one more thing' },
    uuid: 'd107d4c0-ae71-4d3d-af3a-0000000000aa',
    timestamp: '2026-02-17T00:20:00.000Z',
  };
  fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
}

describe('collector resume --reset-cursors with sync --watch running on the old server_url', () => {
  it('is applied by the daemon after it re-read its config: the new server gets everything, the old one nothing more', async () => {
    const { a, credsA, b, credsB } = await twoServers();
    const home = collectorHome(a, credsA, [SPLIT_CLAUDE]);
    const daemon = start(home, ['sync', '--watch', '--poll', '200']);
    try {
      await waitFor(() => caughtUp(home, a, 20));
      const onA = a.admin.rows().length;
      // The user moves to a new server: the file changes, the daemon has not re-read it.
      pointAt(home, b, credsB);
      const resume = await run(home, ['collector', 'resume', '--reset-cursors']);
      expect(resume.stdout).toContain(`the running sync (PID ${daemon.pid}) applied it`);
      expect(resume.stdout).toContain(`cursors reset: everything is published again to ${b.url}`);
      expect(resume.code).toBe(0);
      appendPrompt(home);
      await waitFor(() => caughtUp(home, b, onA + 1));
    } finally {
      daemon.kill('SIGTERM');
      await exited(daemon);
    }
    expect(daemon.exitCode).toBe(0);
    // A restart publishes nothing more: the new server holds everything, the old one got nothing after the reset.
    const again = await run(home, ['sync', '--json']);
    expect(JSON.parse(again.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expectPublishedOnce(b, home);
    expect(a.admin.counters().duplicatesDropped).toBe(0);
    expect(a.admin.rows().some((r) => JSON.stringify(r.data).includes('one more thing'))).toBe(false);
  });

  it('is refused, with the reason, when the daemon publishes to another server than the command sees', async () => {
    const { a, credsA, b } = await twoServers();
    const home = collectorHome(a, credsA, [SPLIT_CLAUDE]);
    const daemon = start(home, ['sync', '--watch', '--poll', '200']);
    try {
      await waitFor(() => caughtUp(home, a, 20));
      // Only this shell says the server is B (the environment); the daemon's config file still says A.
      const resume = await run(home, ['collector', 'resume', '--reset-cursors'], {
        AIOBSCURA_COLLECTOR_SERVER_URL: b.url,
      });
      expect(resume.code).toBe(1);
      expect(resume.stdout).toContain(
        `nothing was done: the running sync publishes to ${a.url}, not to ${b.url}`,
      );
      expect(query(home, 'SELECT * FROM collector_publish_state WHERE last_published_seq > 0').length).toBe(
        1,
      );
    } finally {
      daemon.kill('SIGTERM');
      await exited(daemon);
    }
    expect(daemon.exitCode).toBe(0);
    expect(b.admin.requests()).toEqual([]);
  });
});

describe('collector register --force with sync --watch running', () => {
  it('registers with the new server; the daemon takes the new credentials and publishes everything there', async () => {
    const { a, credsA, b } = await twoServers();
    const home = collectorHome(a, credsA, [SPLIT_CLAUDE]);
    const daemon = start(home, ['sync', '--watch', '--poll', '200']);
    try {
      await waitFor(() => caughtUp(home, a, 20));
      const { workspaceId } = b.admin.setupWorkspace();
      const reg = await run(home, [
        'collector',
        'register',
        '--server',
        b.url,
        '--workspace-id',
        workspaceId,
        '--force',
        '--json',
      ]);
      expect(reg.code, reg.stderr).toBe(0);
      expect(JSON.parse(reg.stdout)).toMatchObject({ applied_by: daemon.pid, cursors_reset: true });
      await waitFor(() => caughtUp(home, b, a.admin.rows().length));
    } finally {
      daemon.kill('SIGTERM');
      await exited(daemon);
    }
    expect(daemon.exitCode).toBe(0);
    expectPublishedOnce(b, home);
    // Every events request to the new server carried the one new key.
    const events = b.admin.requests().filter((r) => r.route === 'POST /collectors/events');
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((r) => r.headers.authorization)).size).toBe(1);
  });
});

describe('a cursor remembers the server it refers to', () => {
  it('is ignored for another server: that server is sent everything', async () => {
    const { a, credsA, b, credsB } = await twoServers();
    const home = collectorHome(a, credsA, [SPLIT_CLAUDE]);
    expect((await run(home, ['sync'])).code).toBe(0);
    expectPublishedOnce(a, home);
    // What a daemon still on the old server left behind before this fix: the cursors acknowledged by A, and
    // the collector's state naming B (a reset made beside the daemon).
    pointAt(home, b, credsB);
    const db = (await import('better-sqlite3')).default(home.db);
    db.prepare('UPDATE collector_state SET server_url = ?').run(b.url);
    db.close();
    const r = await run(home, ['sync', '--json']);
    expect(JSON.parse(r.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(b.admin.rows().length).toBe(a.admin.rows().length);
    expectPublishedOnce(b, home);
  });
});
