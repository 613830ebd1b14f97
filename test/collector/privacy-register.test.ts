/**
 * `collector register` and the backfill: before enabling, it prints how many sessions and events already
 * stored would be published (respecting include/exclude_projects and backfill_since). Run by a script (stdin
 * not a terminal) it proceeds; on a terminal it asks y/N first, and "no" registers nothing. The compiled CLI
 * in its own process against the test server; the terminal is a real pseudo-terminal (`script`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { fakeHome, type Home, runAsync } from '../support/cli.js';
import { writePlantedSession } from '../support/privacy.js';
import { needs } from '../support/shared.js';
import { onTerminal } from './terminal.js';

const openapi = needs('catsyphon-openapi');

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

/** Three stored sessions, one of them in an excluded project; the collector not yet registered. */
async function setup(): Promise<{ home: Home; workspaceId: string; configPath: string }> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const { workspaceId } = server.admin.setupWorkspace();
  const home = fakeHome();
  const at = new Date('2026-11-01T10:00:00Z');
  writePlantedSession(home.claudeProjects, {
    sessionId: '4e9a0000-0000-4000-8000-000000000001',
    cwd: '/work/a',
    at,
  });
  writePlantedSession(home.claudeProjects, {
    sessionId: '4e9a0000-0000-4000-8000-000000000002',
    cwd: '/work/b',
    at,
  });
  writePlantedSession(home.claudeProjects, {
    sessionId: '4e9a0000-0000-4000-8000-000000000003',
    cwd: '/work/internal',
    at,
  });
  const configPath = path.join(home.root, 'config', 'aiobscura', 'config.toml');
  fs.mkdirSync(path.dirname(configPath), { recursive: true });
  fs.writeFileSync(
    configPath,
    '[collector]\nexclude_projects = ["/work/internal"]\nflush_interval_secs = 0\n',
  );
  const ingest = await runAsync(home, ['sync']);
  expect(ingest.code, ingest.stderr).toBe(0);
  return { home, workspaceId, configPath };
}

const BACKFILL =
  /Backfill: (\d+) sessions?, (\d+) events? already stored would be published to \S+; (\d+) sessions? \((\d+) events?\) stay local/;

openapi.describe('collector register', () => {
  it('without a terminal: prints the backfill numbers and proceeds; they are what the server then receives', async () => {
    const { home, workspaceId, configPath } = await setup();
    const reg = await runAsync(home, [
      'collector',
      'register',
      '--server',
      server.url,
      '--workspace-id',
      workspaceId,
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    const m = BACKFILL.exec(reg.stdout);
    expect(m, reg.stdout).not.toBeNull();
    const [, sessions, events, excludedSessions, excludedEvents] = m!.map(Number);
    expect([sessions, excludedSessions]).toEqual([2, 1]);
    expect(excludedEvents).toBe(events! / 2);
    expect(fs.readFileSync(configPath, 'utf8')).toMatch(/collector_id = "/);

    const published = await runAsync(home, ['sync', '--json']);
    expect(JSON.parse(published.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(new Set(server.admin.events().map((e) => e.sessionId)).size).toBe(sessions);
    expect(server.admin.events()).toHaveLength(events!);
  });

  it('--json carries the numbers', async () => {
    const { home, workspaceId } = await setup();
    const reg = await runAsync(home, [
      'collector',
      'register',
      '--server',
      server.url,
      '--workspace-id',
      workspaceId,
      '--json',
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    expect(JSON.parse(reg.stdout).backfill).toMatchObject({ sessions: 2, excluded_sessions: 1 });
  });

  it.each([
    ['n', 1, false],
    ['y', 0, true],
  ])('on a terminal: asks first; answering %s → exit %i, registered %s', async (answer, code, registered) => {
    const { home, workspaceId, configPath } = await setup();
    const collectorsBefore = server.admin.store.collectors.size;
    const r = await onTerminal(
      home,
      ['collector', 'register', '--server', server.url, '--workspace-id', workspaceId],
      { answers: [{ prompt: '[y/N]', answer }] },
    );
    expect(r.output).toMatch(BACKFILL);
    expect(r.output).toContain('Register and enable publishing? [y/N]');
    expect(r.code).toBe(code);
    expect(server.admin.store.collectors.size).toBe(collectorsBefore + (registered ? 1 : 0));
    expect(/collector_id = "/.test(fs.readFileSync(configPath, 'utf8'))).toBe(registered);
    if (!registered) expect(r.output).toContain('Nothing was registered.');
  });
});
