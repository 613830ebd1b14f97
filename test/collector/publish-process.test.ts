/**
 * Publishing as users run it: the compiled CLI in its own process against the test server. Crashes at the
 * deterministic points, backfill, `collector flush` during `sync --watch`, and a disabled collector.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import {
  exited,
  fakeHome,
  type Home,
  runAsync as run,
  start,
  syncLoadedModules,
  waitFor,
} from '../support/cli.js';
import { writeCollectorConfig } from '../support/collector-home.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { duplicateHashes, expectedServerHashes, SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

const BIG_CLAUDE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl',
);

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

async function setup(
  collector: Record<string, string | number | boolean> = {},
  files = [SPLIT_CLAUDE, BIG_CLAUDE],
) {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  // Old logs keep their mtime: finished history, whose last responses are final at once (idle).
  for (const f of files) fs.cpSync(f, path.join(dir, path.basename(f)), { preserveTimestamps: true });
  const values = {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    batch_size: 10,
    timeout_secs: 2,
    ...collector,
  };
  writeCollectorConfig(home, values);
  return home;
}

function assertComplete(home: Home) {
  const rows = server.admin.rows();
  expect(duplicateHashes(rows)).toEqual([]);
  const expected = expectedServerHashes(home.db);
  expect(expected.uncovered).toBe(0);
  expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expected.hashes);
}

shared.describe('crash recovery at deterministic points', () => {
  for (const point of ['after-202-before-commit', 'between-batches', 'after-message-insert-before-commit']) {
    it(`${point}: a restart loses nothing and stores nothing twice`, async () => {
      const home = await setup();
      const crashed = await run(home, ['sync'], { AIOBSCURA_CRASH_AT: point });
      expect(crashed.signal).toBe('SIGKILL');
      const again = await run(home, ['sync', '--json']);
      expect(again.stderr).toBe('');
      expect(JSON.parse(again.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
      assertComplete(home);
      if (point === 'after-202-before-commit')
        expect(server.admin.counters().duplicatesDropped).toBeGreaterThan(0);
    });
  }
});

shared.describe('backfill', () => {
  it('sessions ingested before the collector was enabled are published when it is', async () => {
    const home = await setup({ enabled: false });
    expect((await run(home, ['sync'])).code).toBe(0);
    expect(server.admin.requests()).toEqual([]);
    const config = path.join(home.root, 'config', 'aiobscura', 'config.toml');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('enabled = false', 'enabled = true'));
    const r = await run(home, ['sync', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ messages: 0, publish: { remainingSessions: 0 } });
    assertComplete(home);
  });
});

shared.describe('a disabled collector', () => {
  it('makes no request to a live server and loads no collector module', async () => {
    const home = await setup({ enabled: false });
    const loaded = async (enabled: boolean) =>
      (await syncLoadedModules(home, enabled)).filter((u) => u.includes('/dist/bundle/collector/'));
    expect(await loaded(false)).toEqual([]);
    expect(server.admin.requests()).toEqual([]);
    // The same check sees the collector when it is enabled, so it can fail.
    expect((await loaded(true)).length).toBeGreaterThan(0);
    expect(server.admin.requests().length).toBeGreaterThan(0);
  });
});

shared.describe('collector flush during sync --watch', () => {
  it('asks the daemon to publish now; a second flush sends nothing twice', async () => {
    const home = await setup({ flush_interval_secs: 3600, batch_size: 50 }, [SPLIT_CLAUDE]);
    const daemon = start(home, ['sync', '--watch', '--poll', '200']);
    await waitFor(() => fs.existsSync(`${home.db}.lock.pid`));
    // Once the first pass has committed, there is less than a full batch and an hour-long flush interval:
    // nothing is due yet.
    await waitFor(() => messagesStored(home) > 0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.admin.rows()).toEqual([]);
    const flush = await run(home, ['collector', 'flush']);
    expect(flush.stdout).toContain(`PID ${daemon.pid}`);
    await waitFor(() => server.admin.rows().length > 20);
    const count = server.admin.rows().length;
    await run(home, ['collector', 'flush']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.admin.rows().length).toBe(count);
    daemon.kill('SIGTERM');
    expect((await exited(daemon)).code).toBe(0);
    assertComplete(home);
  });
});

/** Messages the daemon has stored so far (a read-only look at its database; 0 before it has any). */
function messagesStored(home: Home): number {
  if (!fs.existsSync(home.db)) return 0;
  const db = new Database(home.db, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'messages'").pluck().get()
      ? (db.prepare('SELECT count(*) FROM messages').pluck().get() as number)
      : 0;
  } finally {
    db.close();
  }
}

shared.describe('the collector commands', () => {
  it('401 → register --force → publishing resumes; every command answers --json and never shows the key', async () => {
    const home = await setup();
    const { workspaceId } = server.admin.setupWorkspace();
    // Register through the CLI, as a user does (replacing the test credentials).
    const reg = await run(home, [
      'collector',
      'register',
      '--server',
      server.url,
      '--workspace-id',
      workspaceId,
      '--force',
      '--json',
    ]);
    expect(reg.code).toBe(0);
    const registered = JSON.parse(reg.stdout);
    expect(registered.api_key_prefix).toMatch(/^cs_live_.{4}…$/);
    const config = fs.readFileSync(registered.config, 'utf8');
    expect(fs.statSync(registered.config).mode & 0o777).toBe(0o600);
    const key = /api_key = "([^"]+)"/.exec(config)![1]!;
    // The server forgets the collector: 401 pauses publishing, ingest goes on.
    server.admin.reset();
    const paused = await run(home, ['sync', '--json']);
    expect(JSON.parse(paused.stdout).publish.reason).toMatch(/paused: unauthorized/);
    const status = await run(home, ['collector', 'status', '--json']);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'paused', pause: { reason: 'unauthorized' } });
    const ws = server.admin.setupWorkspace().workspaceId;
    expect(
      (await run(home, ['collector', 'register', '--server', server.url, '--workspace-id', ws, '--force']))
        .code,
    ).toBe(0);
    const resumed = await run(home, ['sync', '--json']);
    expect(JSON.parse(resumed.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    assertComplete(home);

    const outputs: string[] = [
      reg.stdout,
      reg.stderr,
      paused.stdout,
      paused.stderr,
      status.stdout,
      resumed.stdout,
    ];
    const healthy = await run(home, ['collector', 'status', '--json', '--max-age', '1h']);
    expect(healthy.code).toBe(0);
    outputs.push(healthy.stdout);
    const stats = JSON.parse((await run(home, ['collector', 'stats', '--json'])).stdout);
    expect(stats.counters.accepted).toBeGreaterThan(30);
    expect(stats.latency_secs.live.count).toBeGreaterThan(30);
    const sessions = JSON.parse((await run(home, ['collector', 'sessions', '--all', '--json'])).stdout);
    expect(sessions.every((s: { pending: number }) => s.pending === 0)).toBe(true);
    const preview = JSON.parse((await run(home, ['collector', 'preview', '03eb5929', '--json'])).stdout);
    expect(preview.events[0].type).toBe('session_start');
    expect(JSON.parse((await run(home, ['collector', 'rejections', '--json'])).stdout)).toEqual([]);
    const done = await run(home, ['collector', 'complete', '03eb5929', '--json']);
    expect(JSON.parse(done.stdout)).toMatchObject({ completed: true, status: 'completed' });
    for (const o of outputs) {
      expect(o).not.toContain(key);
      expect(o).not.toContain(key.slice(12));
    }
  });
});
