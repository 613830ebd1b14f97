/**
 * `aiobscura doctor` as users run it: the compiled CLI against real files, a real database (healthy,
 * corrupt, locked by a running sync) and the test server (up, down, 401, a skewed Date header).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkClock } from '../../src/doctor/index.js';
import {
  type Credentials,
  type RunningCatsyphonServer,
  startCatsyphonServer,
} from '../support/catsyphon/index.js';
import { exited, fakeHome, type Home, runAsync, start, waitFor } from '../support/cli.js';
import { writeCollectorConfig } from '../support/collector-home.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');
const shared = needs('corpus', 'catsyphon-openapi');

let server: RunningCatsyphonServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const LINE = /^(ok|warn|fail) {2,}\S.*?\S {2,}\S.*$/;

interface Check {
  status: 'ok' | 'warn' | 'fail';
  check: string;
  detail: string;
  fix?: string;
}

/** A home with a session on disk and (optionally) ingested, and the collector section given. */
async function setup(collector?: Record<string, string | number | boolean>, ingest = true): Promise<Home> {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  fs.copyFileSync(SPLIT_CLAUDE, path.join(dir, path.basename(SPLIT_CLAUDE)));
  if (ingest) expect((await runAsync(home, ['sync'])).code).toBe(0);
  if (collector) writeCollectorConfig(home, collector);
  return home;
}

async function withServer(): Promise<{
  server: RunningCatsyphonServer;
  creds: Credentials;
  collector: Record<string, string | boolean | number>;
}> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const collector = {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    timeout_secs: 2,
  };
  return { server, creds, collector };
}

/**
 * Runs `doctor --json` and reads the checks from it; with `text`, also the human form, which must have one
 * line per check in the documented shape (the JSON run goes first: a run can change state, e.g. remove a
 * stale PID file).
 */
async function doctor(home: Home, opts: { text?: boolean } = {}) {
  const json = await runAsync(home, ['doctor', '--json']);
  const parsed = JSON.parse(json.stdout) as { ok: boolean; checks: Check[] };
  let stdout = json.stdout;
  if (opts.text) {
    const text = await runAsync(home, ['doctor']);
    expect(text.code).toBe(json.code);
    expect(text.stderr).toBe('');
    const lines = text.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(parsed.checks.length);
    for (const [i, l] of lines.entries()) {
      expect(l).toMatch(LINE);
      const c = parsed.checks[i]!;
      // Details can differ between the two runs (timings), the checks and their order cannot.
      expect(l.startsWith(`${c.status.padEnd(4)}  ${c.check} `)).toBe(true);
      expect(l.includes('[fix: ')).toBe(c.fix !== undefined);
    }
    stdout += text.stdout;
  }
  const by = (name: string) => {
    const c = parsed.checks.find((x) => x.check === name);
    if (!c) throw new Error(`no check ${name}: ${json.stdout}`);
    return c;
  };
  return { code: json.code, ok: parsed.ok, checks: parsed.checks, stdout, stderr: json.stderr, by };
}

shared.describe('doctor against the test server', () => {
  it('a healthy setup: every check ok, exit 0, the key shown only as its prefix', async () => {
    const { creds, collector } = await withServer();
    const home = await setup(collector);
    const d = await doctor(home, { text: true });
    expect(d.code).toBe(0);
    expect(d.ok).toBe(true);
    expect(d.checks.map((c) => `${c.status} ${c.check}`)).toEqual(
      [
        'config',
        'claude logs',
        'codex logs',
        // The other agents' default places do not exist in this home: not used here, which is fine.
        'gemini logs',
        'opencode logs',
        'copilot logs',
        'pi logs',
        'qwen logs',
        'database',
        'schema',
        'access',
        'sessions',
        'lock',
        'server',
        'credentials',
        'clock',
      ].map((c) => `ok ${c}`),
    );
    expect(d.by('credentials').detail).toContain(`${creds.apiKey.slice(0, 12)}…`);
    expect(d.by('database').detail).toMatch(/\d+\.\d (KiB|MiB).*passes quick_check/);
    expect(d.stdout).not.toContain(creds.apiKey);
    expect(d.stderr).toBe('');
  });

  it('server down: server fails with the URL, credentials and clock are not checked, exit 1', async () => {
    const { server: s, collector } = await withServer();
    const home = await setup(collector);
    await s.admin.setModes({ outage: true });
    const d = await doctor(home);
    expect(d.code).toBe(1);
    expect(d.by('server')).toMatchObject({ status: 'fail' });
    expect(d.by('server').detail).toContain(`${s.url}/health`);
    expect(d.by('server').fix).toContain('collector.server_url');
    expect(d.by('credentials')).toMatchObject({ status: 'warn', detail: 'not checked: server unreachable' });
  });

  it('a wrong key: credentials fail with 401 and the register fix, without the key', async () => {
    const { creds, collector } = await withServer();
    const wrong = `${creds.apiKey.slice(0, -6)}ZZZZZZ`;
    const home = await setup({ ...collector, api_key: wrong });
    const d = await doctor(home, { text: true });
    expect(d.code).toBe(1);
    expect(d.by('server').status).toBe('ok');
    expect(d.by('credentials')).toMatchObject({ status: 'fail' });
    expect(d.by('credentials').detail).toContain('401');
    expect(d.by('credentials').fix).toContain('aiobscura collector register');
    expect(d.stdout).not.toContain(wrong);
  });

  it('a Date header 5 minutes behind: clock warns, exit 0', async () => {
    const { server: s, collector } = await withServer();
    const home = await setup(collector);
    const skewed = (ms: number) =>
      s.admin.scriptFault(
        {
          kind: 'status',
          status: 200,
          body: { status: 'ok' },
          headers: { date: new Date(Date.now() + ms).toUTCString() },
        },
        { match: { path: '/health' } },
      );
    skewed(-5 * 60_000);
    const d = await doctor(home);
    expect(d.code).toBe(0);
    expect(d.by('clock').status).toBe('warn');
    expect(d.by('clock').detail).toMatch(/^server clock behind this machine by \d+ s \(more than 60 s\)$/);
    expect(d.by('clock').fix).toContain('NTP');
    expect(d.by('server').status).toBe('ok');
  });
});

describe('the clock rule', () => {
  // The Date header has whole seconds; the request's midpoint is compared with it.
  const sent = Date.parse('2026-11-27T10:00:00.000Z');
  const received = sent + 400;
  it('within 60 s (plus the header rounding) is ok; beyond warns; no header warns', () => {
    expect(checkClock('Fri, 27 Nov 2026 10:01:01 GMT', sent, received)).toMatchObject({
      status: 'ok',
      detail: 'server clock ahead of this machine by 61 s',
    });
    expect(checkClock('Fri, 27 Nov 2026 10:01:02 GMT', sent, received)).toMatchObject({
      status: 'warn',
      detail: 'server clock ahead of this machine by 62 s (more than 60 s)',
    });
    expect(checkClock('Fri, 27 Nov 2026 09:58:30 GMT', sent, received)).toMatchObject({
      status: 'warn',
      detail: 'server clock behind this machine by 90 s (more than 60 s)',
    });
    expect(checkClock(null, sent, received).status).toBe('warn');
    expect(checkClock('yesterday', sent, received).detail).toContain('no usable Date header');
  });
});

describe('doctor on local state', () => {
  corpus.it('a corrupt database file fails with the way out', async () => {
    const home = await setup();
    fs.rmSync(`${home.db}-wal`, { force: true });
    fs.rmSync(`${home.db}-shm`, { force: true });
    const fd = fs.openSync(home.db, 'r+');
    // Keep the header (so it opens as SQLite), overwrite the pages after it.
    fs.writeSync(fd, Buffer.alloc(16 * 4096, 0x5a), 0, 16 * 4096, 4096);
    fs.closeSync(fd);
    const d = await doctor(home);
    expect(d.code).toBe(1);
    expect(d.by('database').status).toBe('fail');
    expect(d.by('database').fix).toContain('run `aiobscura sync`');
    fs.writeFileSync(home.db, 'this is not a database at all, just text that is long enough for a header...');
    const text = await doctor(home);
    expect(text.by('database').status).toBe('fail');
    expect(text.by('database').detail).toMatch(/not a database|file is not/i);
  });

  corpus.it('the lock: held by a running sync (its PID), free, and a stale PID file', async () => {
    const home = await setup();
    const daemon = start(home, ['sync', '--watch', '--poll', '60000']);
    await waitFor(() => fs.existsSync(`${home.db}.lock.pid`));
    const held = await doctor(home, { text: true });
    expect(held.by('lock')).toMatchObject({
      status: 'ok',
      detail: `held by PID ${daemon.pid} (running): a sync is active`,
    });
    daemon.kill('SIGTERM');
    await exited(daemon);
    expect((await doctor(home)).by('lock')).toMatchObject({
      status: 'ok',
      detail: 'free: no sync is running',
    });
    // A PID file left by a process that died without releasing (kill -9 leaves it behind).
    const gone = start(home, ['--version']);
    await exited(gone);
    fs.writeFileSync(`${home.db}.lock.pid`, `${gone.pid}\n`);
    const stale = await doctor(home);
    expect(stale.by('lock').detail).toBe(`free; removed the stale PID file of PID ${gone.pid} (not running)`);
    expect(fs.existsSync(`${home.db}.lock.pid`)).toBe(false);
  });

  corpus.it('an invalid config names the file and key; the local checks still run', async () => {
    const home = await setup({ batch_size: 500 });
    const d = await doctor(home);
    expect(d.code).toBe(1);
    expect(d.by('config').status).toBe('fail');
    expect(d.by('config').detail).toContain(path.join(home.root, 'config', 'aiobscura', 'config.toml'));
    expect(d.by('config').detail).toContain('collector.batch_size');
    expect(d.by('database').status).toBe('ok');
    expect(d.by('server')).toMatchObject({ status: 'warn', detail: 'not checked: the config is invalid' });
  });

  it('no logs anywhere and no database yet', async () => {
    const home = fakeHome();
    fs.rmSync(path.join(home.root, '.claude'), { recursive: true });
    fs.rmSync(path.join(home.root, '.codex'), { recursive: true });
    const d = await doctor(home, { text: true });
    expect(d.code).toBe(1);
    expect(d.by('claude logs')).toMatchObject({ status: 'fail' });
    expect(d.by('claude logs').fix).toContain('sources.<agent>_dir');
    expect(d.by('database')).toMatchObject({ status: 'warn', fix: 'run `aiobscura sync`' });
    expect(fs.existsSync(home.db)).toBe(false);
  });
});
