/**
 * Doctor and sessions that exist only in the database (issue 11, item 10): their logs are gone, so moving
 * the database aside would lose them. Real databases, real deleted logs, a real damaged page.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { fakeHome, type Home, run } from '../support/cli.js';
import { promptLines } from '../support/prompt-log.js';

interface Check {
  status: string;
  check: string;
  detail: string;
  fix?: string;
}

function doctor(home: Home): { code: number | null; by: (name: string) => Check } {
  const r = run(home, ['doctor', '--json']);
  const checks = JSON.parse(r.stdout).checks as Check[];
  return {
    code: r.code,
    by: (name) => {
      const c = checks.find((x) => x.check === name);
      if (!c) throw new Error(`no check ${name}: ${r.stdout}`);
      return c;
    },
  };
}

/** Three sessions, one file each. */
function threeSessions(): { home: Home; files: string[] } {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  const files = [1, 2, 3].map((i) => {
    const id = `5e550000-0000-4000-8000-00000000000${i}`;
    const file = path.join(dir, `${id}.jsonl`);
    fs.writeFileSync(file, promptLines(4, id));
    return file;
  });
  expect(run(home, ['sync']).code).toBe(0);
  return { home, files };
}

/**
 * Overwrites the root page of an index no check reads (the collector's event-hash index, empty here) with
 * garbage: `quick_check` fails while every table still reads.
 */
function damageAnIndex(db: string): void {
  const conn = new Database(db);
  const root = conn
    .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'collector_sent_hash'")
    .pluck()
    .get() as number;
  const pageSize = conn.pragma('page_size', { simple: true }) as number;
  conn.close(); // checkpoints the WAL into the file
  const fd = fs.openSync(db, 'r+');
  fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
  fs.closeSync(fd);
}

describe('sessions that exist only in the database', () => {
  it('are counted: every log on disk, then one and two deleted', () => {
    const { home, files } = threeSessions();
    expect(doctor(home).by('sessions')).toEqual({
      status: 'ok',
      check: 'sessions',
      detail: '3 sessions; every one still has its log files on disk',
    });
    fs.rmSync(files[0]!);
    expect(doctor(home).by('sessions').detail).toBe(
      '3 sessions; 1 session only in this database (their log files are gone; back it up)',
    );
    fs.rmSync(files[1]!);
    expect(doctor(home).by('sessions').detail).toBe(
      '3 sessions; 2 sessions only in this database (their log files are gone; back it up)',
    );
  });

  it('a damaged database: moving it aside is advised only when no session would be lost', () => {
    const { home, files } = threeSessions();
    damageAnIndex(home.db);
    const whole = doctor(home);
    expect(whole.code).toBe(1);
    expect(whole.by('database').status).toBe('fail');
    expect(whole.by('database').detail).toContain('fails quick_check');
    expect(whole.by('database').fix).toContain(`move ${home.db} aside and run \`aiobscura sync\``);
    fs.rmSync(files[2]!);
    const lossy = doctor(home);
    expect(lossy.by('database').status).toBe('fail');
    expect(lossy.by('database').fix).toBe(
      `do not move it aside: 1 session exists only in this database (their logs are gone). Copy it first, ` +
        `then try \`sqlite3 ${home.db} .recover | sqlite3 ${home.db}.recovered\``,
    );
    expect(lossy.by('sessions').detail).toContain('1 session only in this database');
  });
});
