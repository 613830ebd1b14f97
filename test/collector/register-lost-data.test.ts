/**
 * Issue 11 §15: registering again with a server that lost its data (same URL, an empty workspace). The
 * cursors say the history was published; `register` asks the server about published sessions, finds them
 * missing and offers the reset instead of leaving the history behind. The compiled CLI against the test
 * server; `admin.reset()` is the server losing everything (its database replaced by an empty one).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { type Home, runAsync as run } from '../support/cli.js';
import { collectorHome, expectPublishedOnce, query } from '../support/collector-home.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { onTerminal } from './terminal.js';

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

/** Published once; then the server loses everything and a new workspace is set up on it. */
async function publishedThenLost(): Promise<{ home: Home; workspaceId: string }> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const home = collectorHome(server, server.admin.registerCollector(), [SPLIT_CLAUDE]);
  expect((await run(home, ['sync'])).code).toBe(0);
  expect(server.admin.rows().length).toBeGreaterThan(30);
  server.admin.reset();
  return { home, workspaceId: server.admin.setupWorkspace().workspaceId };
}

const register = (workspaceId: string, ...extra: string[]) => [
  'collector',
  'register',
  '--server',
  server.url,
  '--workspace-id',
  workspaceId,
  '--force',
  ...extra,
];

const acknowledged = (home: Home) =>
  query(home, 'SELECT 1 FROM collector_publish_state WHERE last_published_seq > 0').length;

describe('collector register with a server that lost its data', () => {
  it('without a terminal: notices, keeps the cursors and says how to publish everything again', async () => {
    const { home, workspaceId } = await publishedThenLost();
    const r = await run(home, register(workspaceId));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/The server has no events for 1 of the 1 published session probed/);
    expect(r.stdout).toContain('`aiobscura collector resume --reset-cursors`');
    expect(acknowledged(home)).toBe(1);
    const json = await run(home, register(workspaceId, '--json'));
    expect(JSON.parse(json.stdout)).toMatchObject({
      server_check: { result: 'missing', probed: 1, missing: 1 },
      cursors_reset: false,
    });
  });

  it('on a terminal: offers the reset; "y" publishes the whole history again', async () => {
    const { home, workspaceId } = await publishedThenLost();
    const r = await onTerminal(home, register(workspaceId), {
      answers: [
        { prompt: 'Register and enable publishing? [y/N]', answer: 'y' },
        { prompt: 'Reset the cursors and publish everything again? [y/N]', answer: 'y' },
      ],
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('Cursors reset: everything is published again');
    expect(acknowledged(home)).toBe(0);
    const again = await run(home, ['sync', '--json']);
    expect(JSON.parse(again.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expectPublishedOnce(server, home);
  });

  it('--reset-cursors resets without asking', async () => {
    const { home, workspaceId } = await publishedThenLost();
    const r = await run(home, register(workspaceId, '--reset-cursors', '--json'));
    expect(JSON.parse(r.stdout)).toMatchObject({ server_check: { result: 'missing' }, cursors_reset: true });
    expect((await run(home, ['sync'])).code).toBe(0);
    expectPublishedOnce(server, home);
  });

  it('a server that kept its data: checked, nothing asked, nothing sent again', async () => {
    server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
    const home = collectorHome(server, server.admin.registerCollector(), [SPLIT_CLAUDE]);
    expect((await run(home, ['sync'])).code).toBe(0);
    const stored = server.admin.rows().length;
    const { workspaceId } = server.admin.setupWorkspace();
    const r = await run(home, register(workspaceId, '--json'));
    expect(JSON.parse(r.stdout)).toMatchObject({
      server_check: { result: 'ok', missing: 0 },
      cursors_reset: false,
    });
    expect((await run(home, ['sync'])).code).toBe(0);
    expect(server.admin.rows().length).toBe(stored);
  });
});
