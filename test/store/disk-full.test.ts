/**
 * A full disk during ingest, for real: SQLite's `max_page_count` (set through the test hook
 * AIOBSCURA_MAX_PAGE_COUNT) makes writes fail with SQLITE_FULL exactly as a full file system does.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { startCatsyphonServer } from '../support/catsyphon/index.js';
import { CLI, exited, fakeHome, type Home, run, runAsync } from '../support/cli.js';
import { collectorHome, expectPublishedOnce } from '../support/collector-home.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { spawn } from '../support/spawn.js';

const shared = needs('corpus', 'catsyphon-openapi');

const SAMPLE = path.join(CORPUS_DIR, 'claude-code-log/test/test_data/real_projects');
const BIG = [
  '-Users-dain-workspace-claude-code-log-sample/0d3a8e6f-290f-4105-a327-a2496e5e2a83.jsonl',
  '-Users-dain-workspace-claude-code-log-sample/37f83ec9-f2ea-42a9-925e-0d5c105cb6e8.jsonl',
  '-src-deep-manifest/a7da6a22-facc-4fcd-8bab-f83c87862004.jsonl',
  '-Users-dain-workspace-coderabbit-review-helper/cb2e607c-c758-415a-8b45-c49e4631906a.jsonl',
].map((f) => path.join(SAMPLE, f));

interface FileRow {
  id: number;
  path: string;
  checkpoint_offset: number;
}

/** Per file: is what is stored exactly the lines below its checkpoint, neither more nor less? */
function checkpointsMatchRows(dbPath: string): { files: number; behind: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, path, checkpoint_offset FROM source_files').all() as FileRow[];
    let behind = 0;
    for (const row of rows) {
      const bytes = fs.readFileSync(row.path);
      const text = bytes.subarray(0, row.checkpoint_offset).toString('utf8');
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const stored = db
        .prepare('SELECT raw FROM records WHERE source_file_id = ? ORDER BY offset')
        .pluck()
        .all(row.id) as Buffer[];
      expect(stored.map((b) => b.toString('utf8'))).toEqual(lines);
      // A last line without its newline waits (the file is not idle yet): complete lines are what counts.
      if (row.checkpoint_offset < bytes.lastIndexOf(0x0a) + 1) behind++;
    }
    return { files: rows.length, behind };
  } finally {
    db.close();
  }
}

function contents(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      records: db.prepare('SELECT count(*) FROM records').pluck().get() as number,
      identities: db.prepare('SELECT identity FROM messages ORDER BY identity').pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

function pageCount(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.pragma('page_count', { simple: true }) as number;
  } finally {
    db.close();
  }
}

shared.describe('a full disk during ingest', () => {
  it('stops with a clear message, keeps each checkpoint with its rows, and the next run catches up', () => {
    const home: Home = fakeHome();
    const project = path.join(home.claudeProjects, '-w');
    fs.mkdirSync(project);
    // A file half written, synced; then it grows and new files arrive.
    const growing = path.join(project, path.basename(BIG[0]!));
    const full = fs.readFileSync(BIG[0]!);
    const half = full.indexOf(0x0a, Math.floor(full.length / 2)) + 1;
    fs.writeFileSync(growing, full.subarray(0, half));
    expect(run(home, ['sync', '--json']).code).toBe(0);
    const before = contents(home.db);

    fs.appendFileSync(growing, full.subarray(half));
    for (const f of BIG.slice(1)) fs.copyFileSync(f, path.join(project, path.basename(f)));
    // Room for about 400 KiB more: far less than the 3.5 MB of new lines need.
    const limit = String(pageCount(home.db) + 100);
    const failed = run(home, ['sync'], { AIOBSCURA_MAX_PAGE_COUNT: limit });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('disk full while storing');
    expect(failed.stderr).toContain('nothing is lost');
    expect(failed.stderr).toContain('run `aiobscura sync` again');
    expect(failed.stderr).not.toContain('    at '); // a message, not a stack trace
    // Whatever committed before the failure is whole: each checkpoint covers exactly its stored rows.
    const partial = checkpointsMatchRows(home.db);
    expect(partial.behind).toBeGreaterThan(0);
    expect(contents(home.db).records).toBeGreaterThanOrEqual(before.records);

    // Space is back: the next run stores the rest, nothing twice.
    const resumed = run(home, ['sync', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).duplicates).toBe(0);
    expect(checkpointsMatchRows(home.db)).toEqual({ files: BIG.length, behind: 0 });

    // The same tree ingested in one go, without any failure, stores the same.
    const fresh = fakeHome();
    fs.cpSync(project, path.join(fresh.claudeProjects, '-w'), { recursive: true });
    expect(run(fresh, ['sync']).code).toBe(0);
    expect(contents(home.db)).toEqual(contents(fresh.db));
  });

  it('sync --watch exits with the same message (for a service manager to restart it later)', async () => {
    const home = fakeHome();
    const project = path.join(home.claudeProjects, '-w');
    fs.mkdirSync(project);
    expect(run(home, ['sync']).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'sync', '--watch', '--poll', '200'], {
      env: { ...home.env, AIOBSCURA_MAX_PAGE_COUNT: String(pageCount(home.db) + 100) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    for (const f of BIG) fs.copyFileSync(f, path.join(project, path.basename(f)));
    const end = await exited(child);
    expect(end.code).toBe(1);
    expect(stderr).toContain('disk full while storing');
    expect(checkpointsMatchRows(home.db).behind).toBeGreaterThan(0);
    expect(run(home, ['sync']).code).toBe(0);
    expect(checkpointsMatchRows(home.db)).toEqual({ files: BIG.length, behind: 0 });
  });

  it('refuses a malformed AIOBSCURA_MAX_PAGE_COUNT by name', () => {
    const home = fakeHome();
    const r = run(home, ['sync'], { AIOBSCURA_MAX_PAGE_COUNT: 'lots' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('AIOBSCURA_MAX_PAGE_COUNT');
  });

  it('under the publisher is logged once; sync --watch keeps running, and everything publishes once later', async () => {
    const server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
    try {
      const home = collectorHome(server, server.admin.registerCollector(), [BIG[1]!]);
      // Ingest with the collector off: the backlog is stored, and the publisher's first write needs a new page.
      expect((await runAsync(home, ['sync'], { AIOBSCURA_COLLECTOR_ENABLED: 'false' })).code).toBe(0);
      const child = spawn(process.execPath, [CLI, 'sync', '--watch', '--poll', '200'], {
        env: { ...home.env, AIOBSCURA_MAX_PAGE_COUNT: String(pageCount(home.db)) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const reported = new Promise<void>((resolve) => {
        child.stderr!.on('data', (d) => {
          stderr += d;
          if (stderr.includes('publishing: local database error')) resolve();
        });
        child.once('exit', () => resolve());
      });
      await reported;
      // Still alive well after the failure (a rejected loop would have crashed it at once).
      await new Promise((r) => setTimeout(r, 1500));
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      await exited(child);
      expect(stderr.match(/publishing: local database error/g)).toHaveLength(1);
      expect(stderr).not.toContain('    at ');

      // Space is back: the next run publishes the whole backlog, nothing twice.
      expect((await runAsync(home, ['sync'])).code).toBe(0);
      expectPublishedOnce(server, home);
    } finally {
      await server.close();
    }
  });
});
