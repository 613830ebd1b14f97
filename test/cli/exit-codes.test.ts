/**
 * Exit codes mean one thing each (issue 11, items 11 and 12), checked on the built CLI: usage errors (64)
 * are one line pointing at --help (a JSON record under --log-format json), never the backlog code (2) of
 * `collector status`; the time grammar and `--poll` are usage errors with the config's own words; and a
 * one-shot sync interrupted by a real SIGINT or SIGTERM exits 130 or 143 after committing what it read.
 */

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CLI, fakeHome, type Home, run, waitFor } from '../support/cli.js';
import { writeCollectorConfig } from '../support/collector-home.js';
import { PROMPT_SOURCE, promptLines } from '../support/prompt-log.js';
import { spawn } from '../support/spawn.js';

const EXIT_TABLE = ['0 ', '1 ', '2 ', '3 ', '4 ', '64 ', '70 ', '78 ', '130 '];

function homeWithSession(): Home {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  fs.copyFileSync(PROMPT_SOURCE, path.join(dir, path.basename(PROMPT_SOURCE)));
  return home;
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('usage errors', () => {
  it('are one line with the pointer to the command’s --help, exit 64, and never print the help text', () => {
    const home = fakeHome();
    const cases: [string[], string][] = [
      [['sync', '--bogus'], "aiobscura: unknown option '--bogus' (see `aiobscura sync --help`)"],
      [
        ['sync', '--wach'],
        "aiobscura: unknown option '--wach' (Did you mean --watch?) (see `aiobscura sync --help`)",
      ],
      [['frobnicate'], "aiobscura: unknown command 'frobnicate' (see `aiobscura --help`)"],
      [['show'], "aiobscura: missing required argument 'session' (see `aiobscura show --help`)"],
      [
        ['--db', '/tmp/x.db', 'collector', 'status', '--nope'],
        "aiobscura: unknown option '--nope' (see `aiobscura collector status --help`)",
      ],
      [
        ['sessions', '-n', 'many'],
        "aiobscura: option '-n, --limit <n>' argument 'many' is invalid. Expected a positive whole number (see `aiobscura sessions --help`)",
      ],
    ];
    for (const [args, expected] of cases) {
      const r = run(home, args);
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr)).toBe(expected);
    }
    expect(fs.existsSync(home.db)).toBe(false);
  });

  it('is one JSON record under --log-format json, wherever the flag is', () => {
    const home = fakeHome();
    for (const args of [
      ['--log-format', 'json', 'sync', '--wach'],
      ['sync', '--wach', '--log-format=json'],
    ]) {
      const r = run(home, args);
      expect(r.code).toBe(64);
      const rec = JSON.parse(oneLine(r.stderr));
      expect(rec).toMatchObject({
        level: 'error',
        error: 'UsageError',
        exit_code: 64,
        help: 'aiobscura sync --help',
      });
      expect(rec.msg).toContain("unknown option '--wach' (Did you mean --watch?)");
      expect(Number.isNaN(Date.parse(rec.ts))).toBe(false);
    }
  });

  it('--help and --version exit 0; the help lists every exit code; a bare group shows its help, exit 64', () => {
    const home = fakeHome();
    const help = run(home, ['--help']);
    expect(help.code).toBe(0);
    const table = help.stdout.slice(help.stdout.indexOf('Exit codes'));
    for (const code of EXIT_TABLE) expect(table).toMatch(new RegExp(`\\n {2}${code}`));
    expect(table).toContain('143 the same for SIGTERM');
    expect(run(home, ['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const syncHelp = run(home, ['sync', '--help']);
    expect(syncHelp.code).toBe(0);
    expect(syncHelp.stdout).toContain('130/143');
    const group = run(home, ['collector']);
    expect(group.code).toBe(64);
    expect(group.stderr).toContain('Usage: aiobscura collector');
  });
});

describe('the time grammar on the command line', () => {
  it('a bare number or an impossible date is a usage error naming the flag and the forms, not exit 2', () => {
    const home = homeWithSession();
    expect(run(home, ['sync']).code).toBe(0);
    for (const [args, flag, why] of [
      [['sessions', '--since', '7'], '--since <when>', 'Expected an ISO date or date-time'],
      [['sessions', '--since', '2026-02-30'], '--since <when>', 'February 2026 has 28 days'],
      [
        ['collector', 'status', '--max-age', '5'],
        '--max-age <duration>',
        'Expected an ISO date or date-time',
      ],
      [['collector', 'status', '--max-age', '2026-13-01'], '--max-age <duration>', 'there is no month 13'],
    ] as const) {
      const r = run(home, [...args]);
      expect(r.code, args.join(' ')).toBe(64);
      const line = oneLine(r.stderr);
      expect(line).toContain(`option '${flag}' argument '${args[args.length - 1]}' is invalid`);
      expect(line).toContain(why);
      expect(line).toContain('or a duration back from now (45s, 30m, 12h, 7d, 2w)');
    }
  });

  it('every form selects by the instant it names, read in the local time zone when it has no offset', () => {
    const home = homeWithSession();
    expect(run(home, ['sync']).code).toBe(0);
    const [session] = JSON.parse(run(home, ['sessions', '--json']).stdout) as { last_activity_at: string }[];
    const last = Date.parse(session!.last_activity_at);
    const count = (since: string, tz = 'UTC') =>
      (JSON.parse(run(home, ['sessions', '--since', since, '--json'], { TZ: tz }).stdout) as unknown[])
        .length;
    expect(count(new Date(last).toISOString())).toBe(1);
    expect(count(new Date(last + 1000).toISOString())).toBe(0);
    // One second before the last activity, written as Kiritimati's wall clock (UTC+14, no offset given):
    // that instant in Kiritimati, 14 hours later (after the activity) in UTC.
    const wall = new Date(last - 1000 + 14 * 3_600_000).toISOString().slice(0, 19);
    expect(count(wall, 'Pacific/Kiritimati')).toBe(1);
    expect(count(wall, 'UTC')).toBe(0);
    // The logs are from 2026-02: every duration reaches back less far than that... except a long one.
    for (const d of ['45s', '30m', '12h', '7d', '2w'])
      expect(count(d)).toBe(Date.now() - last < 1_209_600_000 ? 1 : 0);
    expect(count('5200w')).toBe(1);
  });

  it('--max-age: exit 2 means the backlog is older, and nothing else', () => {
    const home = homeWithSession();
    expect(run(home, ['sync']).code).toBe(0);
    writeCollectorConfig(home, {
      enabled: true,
      server_url: 'http://127.0.0.1:9',
      collector_id: '00000000-0000-4000-8000-000000000000',
      api_key: 'cs_test_0000000000000000',
    });
    const status = (maxAge: string) => run(home, ['collector', 'status', '--max-age', maxAge, '--json']);
    const old = status('0s');
    expect(old.code).toBe(2);
    expect(JSON.parse(old.stdout).state).toBe('backlog-too-old');
    const fresh = status('2w');
    expect(fresh.code).toBe(0);
    // Nothing has been sent to the server yet, which is not an error either.
    expect(JSON.parse(fresh.stdout).state).toBe('not-contacted');
    // A date: "older than that date"; the backlog was observed just now, so it is not.
    expect(status('2026-01-01T00:00:00Z').code).toBe(0);
    expect(status('2w ago').code).toBe(64);
  });

  it('a bare number in backfill_since is a config error (78) naming the key', () => {
    const home = homeWithSession();
    writeCollectorConfig(home, { backfill_since: '30' });
    const r = run(home, ['sync']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(
      'collector.backfill_since: expected an ISO date or date-time (2026-01-31, 2026-01-31T09:30, ' +
        '2026-01-31T09:30:00Z) or a duration back from now (45s, 30m, 12h, 7d, 2w), got "30"',
    );
  });
});

describe('--poll', () => {
  it('is checked like sync.poll_ms, with the same words, and needs --watch', () => {
    const home = homeWithSession();
    const flag = run(home, ['sync', '--watch', '--poll', '5']);
    expect(flag.code).toBe(64);
    const rule = 'must be a whole number of milliseconds from 50 to 3600000 (one hour), got 5';
    expect(oneLine(flag.stderr).toLowerCase()).toContain(rule);
    const configFile = path.join(home.root, 'config', 'aiobscura', 'config.toml');
    fs.mkdirSync(path.dirname(configFile), { recursive: true });
    fs.writeFileSync(configFile, '[sync]\npoll_ms = 5\n');
    const key = run(home, ['sync']);
    expect(key.code).toBe(78);
    expect(key.stderr).toContain(`sync.poll_ms: ${rule}`);
    for (const v of ['3600001', '1.5', 'fast']) {
      const r = run(home, ['sync', '--watch', '--poll', v]);
      expect(r.code, v).toBe(64);
      expect(r.stderr).toContain(`got ${v}, as for sync.poll_ms`);
    }
    fs.rmSync(configFile);
    const alone = run(home, ['sync', '--poll', '500']);
    expect(alone.code).toBe(64);
    expect(oneLine(alone.stderr)).toBe(
      'aiobscura: --poll needs --watch: a one-shot sync does not rescan (see `aiobscura sync --help`)',
    );
    expect(fs.existsSync(home.db)).toBe(false);
  });
});

/** Messages stored, and the newline-ended lines below each file's checkpoint (one message per line here). */
function storedVersusCheckpoint(db: string): { messages: number; linesBelowCheckpoint: number } {
  const conn = new Database(db, { readonly: true });
  try {
    const files = conn.prepare('SELECT path, checkpoint_offset FROM source_files').all() as {
      path: string;
      checkpoint_offset: number;
    }[];
    let lines = 0;
    for (const f of files) {
      const bytes = fs.readFileSync(f.path).subarray(0, f.checkpoint_offset);
      for (const b of bytes) if (b === 0x0a) lines++;
    }
    return {
      messages: conn.prepare('SELECT count(*) FROM messages').pluck().get() as number,
      linesBelowCheckpoint: lines,
    };
  } finally {
    conn.close();
  }
}

describe('an interrupted one-shot sync', () => {
  const LINES = 40_000;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: exits ${code} so \`sync && …\` stops, after committing the chunk it was writing`, async () => {
      const home = fakeHome();
      const dir = path.join(home.claudeProjects, '-big');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, '5e550000-0000-4000-8000-000000000001.jsonl'), promptLines(LINES));
      // A file a stopped sync left half read is opened again by the next pass only once it has been idle for
      // idle_close_secs (its size and mtime match what was recorded); 0 makes that the very next pass.
      const configFile = path.join(home.root, 'config', 'aiobscura', 'config.toml');
      fs.mkdirSync(path.dirname(configFile), { recursive: true });
      fs.writeFileSync(configFile, '[sync]\nidle_close_secs = 0\n');
      const phases = path.join(home.root, 'phases');
      fs.writeFileSync(phases, '');
      const marker = path.join(home.root, 'sync-succeeded');
      const child = spawn(
        'sh',
        ['-c', `"$0" "$1" sync --json && touch "$2"`, process.execPath, CLI, marker],
        {
          env: { ...home.env, AIOBSCURA_PHASE_FILE: phases },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
      });
      child.stderr!.on('data', (d) => {
        stderr += d;
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      try {
        // The first chunk is committed; the sync is (stopped) mid-file when the signal arrives, whatever the
        // machine's speed: SIGSTOP holds it while the signal is queued.
        await waitFor(
          () => fs.readFileSync(phases, 'utf8').includes('E txn') && fs.existsSync(`${home.db}.lock.pid`),
        );
        const pid = Number(fs.readFileSync(`${home.db}.lock.pid`, 'utf8'));
        process.kill(pid, 'SIGSTOP');
        process.kill(pid, signal);
        process.kill(pid, 'SIGCONT');
        expect(await closed, stderr).toBe(code);
      } finally {
        child.kill('SIGKILL');
      }
      expect(fs.existsSync(marker)).toBe(false);
      expect(stderr).not.toContain('    at ');
      const summary = JSON.parse(stdout);
      expect(summary).toMatchObject({ stopped: true, stopped_by: signal });
      // What was committed is whole: exactly the lines below the checkpoint, fewer than the file holds.
      const partial = storedVersusCheckpoint(home.db);
      expect(partial.messages).toBe(partial.linesBelowCheckpoint);
      expect(partial.messages).toBeGreaterThan(0);
      expect(partial.messages).toBeLessThan(LINES);
      expect(fs.existsSync(`${home.db}.lock.pid`)).toBe(false);
      // The next sync continues where it stopped.
      const again = run(home, ['sync', '--json']);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout).messages).toBe(LINES - partial.messages);
      expect(storedVersusCheckpoint(home.db)).toEqual({ messages: LINES, linesBelowCheckpoint: LINES });
    });
  }
});
