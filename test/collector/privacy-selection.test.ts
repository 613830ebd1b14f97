/**
 * Which sessions are published: `include_projects` / `exclude_projects` (globs on the working directory) and
 * `backfill_since`. The rule and the glob matcher on their own, then against the test server with real session
 * files: an excluded session is never published (not even `session_start`), stays in the local database, and
 * `collector sessions` / `status` / `preview` show it as excluded with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { previewCommand, sessionsCommand, statusCommand } from '../../src/cli/commands/collector.js';
import type { Out } from '../../src/cli/output.js';
import { globMatcher, globToRegExp } from '../../src/collector/glob.js';
import { sessionRule } from '../../src/collector/selection.js';
import { wireSessionId } from '../../src/collector/wire.js';
import { resolveCollector } from '../../src/config/collector.js';
import { type ResolvedConfig, resolveConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/store/index.js';
import { runSync } from '../../src/sync/index.js';
import { writePlantedSession } from '../support/privacy.js';
import { type PublishEnv, publishEnv } from '../support/publish.js';
import { needs } from '../support/shared.js';

const openapi = needs('catsyphon-openapi');

describe('the glob matcher', () => {
  it.each([
    ['/work/client-*', '/work/client-a', true],
    ['/work/client-*', '/work/client-a/src/deep', true],
    ['/work/client-*', '/work/client', false],
    ['/work/client-*', '/work/other/client-a', false],
    ['/work/*/app', '/work/x/app', true],
    ['/work/*/app', '/work/x/y/app', false],
    ['/work/**/app', '/work/x/y/app', true],
    ['/work/**/app', '/work/app', true],
    ['**/secret', '/home/me/secret/sub', true],
    ['**/secret', '/home/me/secretive', false],
    ['/work/secret/**', '/work/secret', true],
    ['/work/v?', '/work/v2', true],
    ['/work/v?', '/work/v10', false],
    ['/work/a.b+(c)', '/work/a.b+(c)', true],
    ['/work/a.b+(c)', '/work/aXb+(c)', false],
    ['/work/', '/work/x', true],
  ])('%s ~ %s → %s', (glob, dir, expected) => {
    expect(globToRegExp(glob).test(dir)).toBe(expected);
  });

  it('names the first pattern that matches', () => {
    const m = globMatcher(['/a/*', '/b/**']);
    expect(m('/b/c/d')).toBe('/b/**');
    expect(m('/c')).toBeNull();
  });
});

describe('the selection rule', () => {
  const rule = sessionRule({
    includeProjects: ['/work/client-*'],
    excludeProjects: ['**/secret'],
    backfillSince: '2026-06-01T00:00:00.000Z',
  });
  const recent = { startedAt: '2026-07-01T00:00:00Z', lastActivityAt: '2026-07-02T00:00:00Z' };
  it.each([
    ['an included project', { cwd: '/work/client-a/app', ...recent }, null],
    [
      'an excluded folder inside an included one (exclude wins)',
      { cwd: '/work/client-a/secret', ...recent },
      'exclude_projects: **/secret',
    ],
    ['a project outside include_projects', { cwd: '/work/internal', ...recent }, 'not in include_projects'],
    [
      'no working directory while include_projects is set',
      { cwd: null, ...recent },
      'no working directory (include_projects is set)',
    ],
    [
      'last activity before backfill_since',
      { cwd: '/work/client-a', startedAt: '2026-01-01T00:00:00Z', lastActivityAt: '2026-05-31T23:59:59Z' },
      'backfill_since: last activity 2026-05-31T23:59:59Z is older',
    ],
    [
      'started before, active after backfill_since (resumed)',
      { cwd: '/work/client-a', startedAt: '2026-01-01T00:00:00Z', lastActivityAt: '2026-06-01T00:00:00Z' },
      null,
    ],
  ])('%s', (_what, facts, reason) => {
    const v = rule(facts);
    expect(v.publish ? null : v.reason).toBe(reason);
  });

  it('without include_projects, a session without a working directory is published', () => {
    expect(
      sessionRule({ includeProjects: [], excludeProjects: ['/x'], backfillSince: null })({
        cwd: null,
        startedAt: null,
        lastActivityAt: null,
      }),
    ).toEqual({ publish: true });
  });

  it('config: ~ expands to the home folder; backfill_since takes ISO dates and durations', () => {
    const now = new Date('2026-11-27T12:00:00.000Z');
    const { config, problems } = resolveCollector(
      { include_projects: ['~/work/*'], exclude_projects: ['~'], backfill_since: '30d' },
      { HOME: '/home/me' },
      {},
      now,
    );
    expect(problems).toEqual([]);
    expect(config.includeProjects).toEqual(['/home/me/work/*']);
    expect(config.excludeProjects).toEqual(['/home/me']);
    expect(config.backfillSince).toBe('2026-10-28T12:00:00.000Z');
    const since = (v: string) => resolveCollector({ backfill_since: v }, {}, {}, now).config.backfillSince;
    // A date alone is that day's local midnight, as for every flag that takes a date (config/time-spec.ts).
    expect(since('2026-01-31')).toBe(new Date(2026, 0, 31).toISOString());
    expect(since('2026-01-31T10:00:00+02:00')).toBe('2026-01-31T08:00:00.000Z');
    expect(since('2w')).toBe('2026-11-13T12:00:00.000Z');
    expect(resolveCollector({ backfill_since: 'last tuesday' }, {}).problems).toEqual([
      expect.stringMatching(/^collector\.backfill_since: expected an ISO date .* got "last tuesday"$/),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------

const SESSIONS = {
  clientA: '5e1ec700-0000-4000-8000-00000000000a',
  clientSecret: '5e1ec700-0000-4000-8000-00000000000b',
  internal: '5e1ec700-0000-4000-8000-00000000000c',
  noCwd: '5e1ec700-0000-4000-8000-00000000000d',
  oldClient: '5e1ec700-0000-4000-8000-00000000000e',
};

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

async function fiveSessions(): Promise<PublishEnv> {
  env = await publishEnv();
  const projects = path.join(env.claudeDir, 'projects');
  const at = new Date('2026-11-01T10:00:00Z');
  writePlantedSession(projects, { sessionId: SESSIONS.clientA, cwd: '/work/client-a/app', at });
  writePlantedSession(projects, { sessionId: SESSIONS.clientSecret, cwd: '/work/client-b/secret', at });
  writePlantedSession(projects, { sessionId: SESSIONS.internal, cwd: '/work/internal', at });
  writePlantedSession(projects, { sessionId: SESSIONS.noCwd, cwd: null, at });
  writePlantedSession(projects, {
    sessionId: SESSIONS.oldClient,
    cwd: '/work/client-a',
    at: new Date('2025-03-01T10:00:00Z'),
  });
  return env;
}

function capture(): Out & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    isTTY: false,
    stdout: (s: string) => {
      o.out += s;
    },
    stderr: (s: string) => {
      o.err += s;
    },
  };
  return o;
}

/** One-shot sync with the test server's `[collector]` keys plus `lines` (TOML); returns the config used. */
async function syncWith(lines: string): Promise<ResolvedConfig> {
  env.config();
  fs.appendFileSync(env.configPath, `${lines}\n`);
  const config = resolveConfig(
    {
      configPath: env.configPath,
      databasePath: env.databasePath,
      claudeDir: env.claudeDir,
      codexDir: env.codexDir,
    },
    { HOME: env.root },
  );
  const result = await runSync(config, { watch: false });
  // Excluded sessions are not "remaining": they are never going to be sent.
  expect(result.publish?.remainingSessions).toBe(0);
  return config;
}

const sentSessions = (e: PublishEnv) => new Set(e.server.admin.events().map((x) => x.sessionId));

openapi.describe('against the test server', () => {
  it('include_projects + exclude_projects + backfill_since publish only the selected session', async () => {
    await fiveSessions();
    const resolved = await syncWith(
      'include_projects = ["/work/client-*"]\nexclude_projects = ["**/secret"]\nbackfill_since = "2026-06-01"',
    );
    expect(resolved.collector.backfillSince).toBe('2026-06-01T00:00:00.000Z');
    expect(sentSessions(env)).toEqual(new Set([wireSessionId(SESSIONS.clientA)]));
    expect(env.server.admin.events().filter((e) => e.type === 'session_start')).toHaveLength(1);
    // Everything stays local.
    const db = openDatabase(env.databasePath);
    expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(5);
    db.close();

    const sessions = capture();
    await sessionsCommand(resolved, true, true, sessions);
    const rows = JSON.parse(sessions.out) as {
      session_id: string;
      status: string;
      excluded_reason: string | null;
    }[];
    const byId = Object.fromEntries(rows.map((r) => [r.session_id, [r.status, r.excluded_reason]]));
    expect(byId).toEqual({
      [SESSIONS.clientA]: ['active', null],
      [SESSIONS.clientSecret]: ['excluded', 'exclude_projects: **/secret'],
      [SESSIONS.internal]: ['excluded', 'not in include_projects'],
      [SESSIONS.noCwd]: ['excluded', 'no working directory (include_projects is set)'],
      [SESSIONS.oldClient]: [
        'excluded',
        expect.stringMatching(/^backfill_since: last activity 2025-03-01T.* is older$/),
      ],
    });
    const table = capture();
    await sessionsCommand(resolved, false, false, table);
    expect(table.out).toMatch(new RegExp(`${SESSIONS.internal}\\s+excluded .*not in include_projects`));

    const status = capture();
    await statusCommand(resolved, { json: true }, status);
    const report = JSON.parse(status.out);
    expect(report.excluded).toEqual({
      sessions: 4,
      // None of them was ever sent: the selection held from the start.
      never_sent: 4,
      already_sent: 0,
      reasons: {
        'exclude_projects: **/secret': 1,
        'not in include_projects': 1,
        'no working directory (include_projects is set)': 1,
        backfill_since: 1,
      },
    });
    // Nothing is waiting: the selected session is fully sent, the others are not backlog.
    expect(report.backlog.sessions).toBe(0);
    const text = capture();
    await statusCommand(resolved, {}, text);
    expect(text.out).toContain('excluded: 4 sessions kept local: 4 never sent');

    const preview = capture();
    await previewCommand(resolved, { session: SESSIONS.internal, limit: 50 }, preview);
    expect(preview.out).toBe('');
    expect(preview.err).toContain('is excluded (not in include_projects): nothing is sent');
  });

  it('exclude_projects alone: a session without a working directory is published', async () => {
    await fiveSessions();
    await syncWith('exclude_projects = ["/work/internal", "/work/client-a"]');
    expect(sentSessions(env)).toEqual(
      new Set([wireSessionId(SESSIONS.noCwd), wireSessionId(SESSIONS.clientSecret)]),
    );
  });
});
