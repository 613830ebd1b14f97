/**
 * Issue 11 §4 for the `collector …` commands: `--json` has one convention (snake_case keys everywhere, real
 * booleans, nested JSON as objects, never as strings holding JSON), and text mode never prints raw JSON. Every
 * collector command, run as users run it (the compiled CLI) against the test server, after a history that
 * leaves something in every report: a refused event, a failed round, a pause lifted, a completed session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { type Home, runAsync as run } from '../support/cli.js';
import { collectorHome } from '../support/collector-home.js';
import { SPLIT_CLAUDE } from '../support/publish.js';

const SESSION = '03eb5929';
const EVENTS = { method: 'POST', path: '/collectors/events' };

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

/** Every key snake_case, no string that is itself JSON of an object or array; `path` names the offender. */
function conventionProblems(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => conventionProblems(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(/^[a-z][a-z0-9_]*$/.test(k) ? [] : [`${path}: key "${k}" is not snake_case`]),
      ...conventionProblems(v, `${path}.${k}`),
    ]);
  }
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      JSON.parse(value);
      return [`${path}: a string holding JSON`];
    } catch {
      return [];
    }
  }
  return [];
}

/** Lines of text output that carry a JSON object or array (from its first `{` or `[` to the end). */
function jsonLines(text: string): string[] {
  return text.split('\n').filter((line) => {
    const at = line.search(/[[{]/);
    if (at < 0) return false;
    try {
      const v = JSON.parse(line.slice(at));
      return typeof v === 'object' && v !== null;
    } catch {
      return false;
    }
  });
}

async function history(): Promise<Home> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const home = collectorHome(server, creds, [SPLIT_CLAUDE]);
  const detail = [{ type: 'value_error', loc: ['body', 'events', 2], msg: 'Value error, x', input: {} }];
  server.admin.scriptFault({ kind: 'status', status: 422, body: { detail } }, { match: EVENTS });
  expect((await run(home, ['sync'])).code).toBe(0);
  return home;
}

/** Every collector command (register last: it makes this machine a new collector); `--json` is added for the JSON run. */
function commands(workspaceId: string): string[][] {
  return [
    ['collector', 'status'],
    ['collector', 'status', SESSION],
    ['collector', 'stats'],
    ['collector', 'sessions', '--all'],
    ['collector', 'rejections'],
    ['collector', 'preview', SESSION, '--limit', '5'],
    ['collector', 'flush'],
    ['collector', 'resume'],
    ['collector', 'resume', SESSION],
    ['collector', 'complete', SESSION],
    ['collector', 'register', '--server', server.url, '--workspace-id', workspaceId, '--force'],
  ];
}

describe('the collector commands', () => {
  it('--json: snake_case keys, real booleans, nested JSON as objects', async () => {
    const home = await history();
    const { workspaceId } = server.admin.setupWorkspace();
    // Before `register --force` (last in the list) makes this machine another collector.
    const status = JSON.parse((await run(home, ['collector', 'status', SESSION, '--json'])).stdout);
    expect(typeof status.settings.enabled).toBe('boolean');
    expect(typeof status.last_request.ok).toBe('boolean');
    expect(status.session).toMatchObject({ server: 'found', event_count: expect.any(Number) });
    const complete = JSON.parse((await run(home, ['collector', 'complete', SESSION, '--json'])).stdout);
    expect(complete.completed).toBe(true);
    for (const args of commands(workspaceId)) {
      const r = await run(home, [...args, '--json']);
      expect(r.stderr, args.join(' ')).toBe('');
      const out = JSON.parse(r.stdout);
      // `preview` shows events exactly as sent: their `data` is the server's payload, not our report.
      const report =
        args[1] === 'preview'
          ? { ...out, events: out.events.map((e: { data: unknown }) => ({ ...e, data: null })) }
          : out;
      expect(conventionProblems(report), args.join(' ')).toEqual([]);
    }
  });

  it('text mode never prints raw JSON', async () => {
    const home = await history();
    const { workspaceId } = server.admin.setupWorkspace();
    const probe = await run(home, ['collector', 'status', SESSION]);
    expect(probe.stdout).toMatch(/session 03eb5929-\S+: the server holds \d+ events?/);
    const complete = await run(home, ['collector', 'complete', SESSION]);
    expect(complete.stdout).toMatch(/^completed 03eb5929-\S+ on the server/);
    for (const args of commands(workspaceId)) {
      const r = await run(home, args);
      expect(jsonLines(r.stdout), args.join(' ')).toEqual([]);
      expect(jsonLines(r.stderr), args.join(' ')).toEqual([]);
    }
  });
});
