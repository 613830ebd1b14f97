/**
 * A database this user cannot write (issue 11, item 10), for real: as root the CLI runs as uid 65534 on
 * root's files, otherwise the files lose their write permission (test/support/read-only.ts), and each test
 * first proves that a write really fails. Every reading command must answer exactly as for the owner and leave
 * every byte and file name beside the database as it was; `sync` must name the path that refuses.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../src/store/index.js';
import { fakeHome, type Home, run } from '../support/cli.js';
import { PROMPT_SOURCE } from '../support/prompt-log.js';
import {
  type LockDown,
  lockDown,
  openForReading,
  runUnprivileged,
  unlock,
  writeAttempt,
} from '../support/read-only.js';
import { downgradeTo } from '../support/schema.js';

const SESSION = path.basename(PROMPT_SOURCE, '.jsonl');

const READERS: string[][] = [
  ['sessions', '--json'],
  ['show', SESSION.slice(0, 8), '--json'],
  ['stats', '--json'],
  ['warnings', '--json'],
  ['collector', 'status', '--json'],
  ['collector', 'stats', '--json'],
  ['collector', 'sessions', '--all', '--json'],
  ['collector', 'preview', SESSION.slice(0, 8), '--json'],
  ['collector', 'rejections', '--json'],
];

let locked: string | null = null;
afterEach(() => {
  if (locked) unlock(locked);
  locked = null;
});

function syncedHome(): Home {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  fs.copyFileSync(PROMPT_SOURCE, path.join(dir, path.basename(PROMPT_SOURCE)));
  expect(run(home, ['sync']).code).toBe(0);
  return home;
}

/** Every file beside the database with a digest of its bytes: reading must not change one. */
function snapshot(db: string): Record<string, string> {
  const dir = path.dirname(db);
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((n) => [
        n,
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(dir, n)))
          .digest('hex'),
      ]),
  );
}

/** The answer without what changes from one second to the next (the backlog's age). */
function comparable(stdout: string): unknown {
  // Ages count from the moment of the call, which differs between the two runs.
  return JSON.parse(stdout, (k, v) => (k === 'age_ms' || k === 'age_secs' ? undefined : v));
}

function readOnly(what: LockDown): { home: Home; before: Record<string, string> } {
  const home = syncedHome();
  openForReading(home);
  lockDown(home.db, what);
  locked = home.db;
  const target = what === 'file' ? home.db : path.dirname(home.db);
  // Honest setup: the identity the CLI runs as really cannot write here.
  expect(writeAttempt(target)).toMatch(/^E(ACCES|PERM|ROFS)$/);
  return { home, before: snapshot(home.db) };
}

describe.each(['directory', 'file'] as const)('a database whose %s is not writable', (what) => {
  it('serves every reading command as for its owner and changes nothing', () => {
    const home = syncedHome();
    const owner = READERS.map((args) => run(home, args));
    for (const [i, r] of owner.entries()) expect(r.code, READERS[i]!.join(' ')).toBe(0);
    openForReading(home);
    lockDown(home.db, what);
    locked = home.db;
    expect(writeAttempt(what === 'file' ? home.db : path.dirname(home.db))).toMatch(/^E(ACCES|PERM|ROFS)$/);
    const before = snapshot(home.db);
    for (const [i, args] of READERS.entries()) {
      const r = runUnprivileged(home, args);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code, args.join(' ')).toBe(0);
      expect(comparable(r.stdout), args.join(' ')).toEqual(comparable(owner[i]!.stdout));
    }
    expect(snapshot(home.db)).toEqual(before);
  });

  it('sync says which path it cannot write and why, in one line without a stack trace', () => {
    const { home, before } = readOnly(what);
    for (const args of [['sync'], ['sync', '--json'], ['--log-format', 'json', 'sync']]) {
      const r = runUnprivileged(home, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      const refused = what === 'file' ? home.db : path.dirname(home.db);
      expect(r.stderr).toContain(`${refused} is not writable: permission denied (EACCES`);
      expect(r.stderr).toContain('Reading commands');
      expect(r.stderr).not.toContain('    at ');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      if (args[0] === '--log-format')
        expect(JSON.parse(r.stderr)).toMatchObject({ level: 'error', exit_code: 1 });
    }
    expect(snapshot(home.db)).toEqual(before);
  });

  it('doctor reads it without advice to move it, and says sync cannot write', () => {
    const { home, before } = readOnly(what);
    const r = runUnprivileged(home, ['doctor', '--json']);
    expect(r.code).toBe(0);
    const { checks } = JSON.parse(r.stdout) as {
      checks: { status: string; check: string; detail: string }[];
    };
    const by = (name: string) => checks.find((c) => c.check === name);
    expect(by('database')).toMatchObject({ status: 'ok' });
    expect(by('database')!.detail).toContain('passes quick_check');
    expect(by('access')).toMatchObject({ status: 'warn' });
    expect(by('access')!.detail).toContain('sync cannot write');
    expect(by('sessions')).toMatchObject({
      status: 'ok',
      detail: '1 session; every one still has its log files on disk',
    });
    expect(r.stdout).not.toContain('aside');
    expect(snapshot(home.db)).toEqual(before);
  });
});

describe('an older schema in a database this user cannot write', () => {
  it('is not migrated: the reader says to run sync once with write access, and nothing changes', () => {
    const home = syncedHome();
    downgradeTo(home.db, 1);
    openForReading(home);
    lockDown(home.db, 'directory');
    locked = home.db;
    expect(writeAttempt(path.dirname(home.db))).toMatch(/^E(ACCES|PERM|ROFS)$/);
    const before = snapshot(home.db);
    const r = runUnprivileged(home, ['sessions']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `has schema version 1 and this aiobscura reads version ${latestSchemaVersion()}`,
    );
    expect(r.stderr).toContain('Run `aiobscura sync` once as a user who can write it');
    expect(r.stderr).not.toContain('    at ');
    expect(snapshot(home.db)).toEqual(before);
    // With write access the same command upgrades it, as it always did (keeping a copy).
    unlock(home.db);
    locked = null;
    const owner = run(home, ['sessions', '--json']);
    expect(owner.code).toBe(0);
    expect(JSON.parse(owner.stdout)).toHaveLength(1);
    expect(fs.readdirSync(path.dirname(home.db)).some((n) => n.startsWith('data.db.bak-v1-'))).toBe(true);
  });
});
