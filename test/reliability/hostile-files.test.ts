/**
 * Hostile files (issue 4 item 3, short version): entries a log tree should not hold, files that change while
 * they are read, and a file growing fast under `sync --watch`. Each must end without a crash or a hang, with a
 * warning naming the file (and the line where there is one), and with the other files fully ingested and
 * published: their stored messages equal those of a tree without the hostile entries.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IdRewriter } from '../../bench/ids.js';
import { homePath, messageKeys, type SyncedHome, syncHome } from '../../reliability/hostile/e2e.js';
import { linesOf, SHORT_SET } from '../../reliability/hostile/lines.js';
import { openDatabase } from '../../src/store/index.js';
import { SyncPass } from '../../src/sync/index.js';
import { CLI, exited, fakeHome, start, waitFor } from '../support/cli.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { execFileSync, spawn } from '../support/spawn.js';
import { testConfig } from '../support/sync.js';

// Every test here needs the shared reference material; without it each one stands in, skipped with the reason
// (support/shared.ts).
const { describe, missing } = needs('corpus', 'catsyphon-openapi');

const AGENT = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/agent-a4ca7529859c158c2.jsonl',
);
const SESSION_DIR = path.join('.claude', 'projects', '-hostile', 'ef958aa1-0e93-49f0-bb71-150f63befcd1');
const AGENT_REL = path.join(SESSION_DIR, 'subagents', path.basename(AGENT));

/** The good files every scenario keeps: a Claude session, a Codex rollout, a sub-agent transcript. */
// Read only when the corpus is there: without it the tests that use this are skipped (support/shared.ts).
const GOOD = missing
  ? []
  : [
      ...SHORT_SET.map((f) => ({
        rel: homePath(linesOf(f)[0]!.assistant, path.basename(f)),
        bytes: fs.readFileSync(f),
      })),
      { rel: AGENT_REL, bytes: fs.readFileSync(AGENT) },
    ];

const sorted = (a: string[]) => [...a].sort();
let baseline: SyncedHome;
const servers: SyncedHome[] = [];

beforeAll(async () => {
  if (missing) return;
  baseline = await syncHome(GOOD);
  servers.push(baseline);
  expect(baseline.sync.code).toBe(0);
});

afterAll(async () => {
  for (const s of servers) await s.server.close();
});

function skippedOf(stdout: string): Map<string, string> {
  const summary = JSON.parse(stdout) as { skipped: { path: string; reason: string }[] };
  return new Map(summary.skipped.map((s) => [s.path, s.reason]));
}

function countRows(db: string, sql: string, ...args: unknown[]): number {
  const conn = new Database(db, { readonly: true });
  try {
    return conn
      .prepare(sql)
      .pluck()
      .get(...args) as number;
  } finally {
    conn.close();
  }
}

/** Rows of `records` stored for one file. */
function recordsOf(db: string, file: string): number {
  return countRows(
    db,
    'SELECT count(*) FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path = ?',
    file,
  );
}

describe('entries that are not readable log files', () => {
  it('a directory named like a log, FIFOs, symlink loops and links to a parent: named, skipped, no hang', async () => {
    const hostile: Record<string, string> = {};
    const run = await syncHome(GOOD, (home) => {
      const at = (rel: string) => path.join(home.root, rel);
      const claudeDir = at(path.join('.claude', 'projects', '-hostile'));
      const codexDir = at(path.join('.codex', 'sessions', '2026', '01', '01'));
      hostile.claudeDir = path.join(claudeDir, 'dir-session.jsonl');
      hostile.codexDir = path.join(codexDir, 'rollout-2026-01-01T00-00-00-dir.jsonl');
      for (const d of [hostile.claudeDir, hostile.codexDir]) {
        fs.mkdirSync(d);
        fs.writeFileSync(path.join(d, 'inside.jsonl'), '{"type":"user"}\n');
      }
      hostile.claudeFifo = path.join(claudeDir, 'fifo-session.jsonl');
      hostile.codexFifo = path.join(codexDir, 'rollout-2026-01-01T00-00-00-fifo.jsonl');
      hostile.agentFifo = path.join(at(SESSION_DIR), 'subagents', 'agent-fifo.jsonl');
      for (const f of [hostile.claudeFifo, hostile.codexFifo, hostile.agentFifo]) execFileSync('mkfifo', [f]);
      // a.jsonl → b.jsonl → a.jsonl: following either fails with ELOOP.
      hostile.loopA = path.join(claudeDir, 'loop-a.jsonl');
      hostile.loopB = path.join(claudeDir, 'loop-b.jsonl');
      fs.symlinkSync('loop-b.jsonl', hostile.loopA);
      fs.symlinkSync('loop-a.jsonl', hostile.loopB);
      // Directory links to a parent: walking them naively finds the same files again under longer paths.
      fs.symlinkSync('.', path.join(at(SESSION_DIR), 'subagents', 'self'));
      fs.symlinkSync('..', path.join(at(SESSION_DIR), 'subagents', 'up'));
      fs.symlinkSync('.', at(path.join('.claude', 'projects', 'root-again')));
      fs.symlinkSync('..', path.join(codexDir, 'up'));
      fs.symlinkSync('../../..', path.join(codexDir, 'sessions-again'));
    });
    servers.push(run);
    expect(run.sync.stderr).toBe('');
    expect(run.sync.code).toBe(0);
    const skipped = skippedOf(run.sync.stdout);
    for (const [what, p] of Object.entries(hostile)) {
      expect(skipped.get(p), `${what} (${p}) not reported`).toMatch(/named like a session log but is/);
    }
    expect(skipped.get(hostile.claudeFifo)).toMatch(/not a regular file/);
    expect(skipped.get(hostile.loopA)).toMatch(/loop or a dangling link/);
    expect(skipped.get(hostile.claudeDir)).toMatch(/a directory/);
    // Each real file is found once, under its own path, and read once.
    const summary = JSON.parse(run.sync.stdout);
    expect(summary.files).toBe(GOOD.length);
    expect(countRows(run.home.db, 'SELECT count(*) FROM source_files')).toBe(GOOD.length);
    expect(sorted(messageKeys(run.home.db))).toEqual(sorted(messageKeys(baseline.home.db)));
    expect(summary.publish).toEqual({ remainingSessions: 0, reason: null });
    expect(run.server.admin.rows().length).toBe(baseline.server.admin.rows().length);
  });

  it('an unreadable file and an unreadable project folder, synced by an unprivileged user', async () => {
    // Root reads everything, so the sync runs as `nobody` (65534) when the suite runs as root; as any other
    // user, mode 000 already denies reading.
    const asRoot = process.getuid?.() === 0;
    const home = fakeHome();
    const locked = path.join(home.claudeProjects, '-hostile', 'locked.jsonl');
    const lockedDir = path.join(home.claudeProjects, '-locked');
    for (const f of GOOD) {
      fs.mkdirSync(path.dirname(path.join(home.root, f.rel)), { recursive: true });
      fs.writeFileSync(path.join(home.root, f.rel), f.bytes);
    }
    fs.copyFileSync(SHORT_SET[0]!, locked);
    fs.mkdirSync(lockedDir);
    fs.copyFileSync(SHORT_SET[0]!, path.join(lockedDir, 'hidden.jsonl'));
    if (asRoot) execFileSync('chmod', ['-R', 'a+rwX', home.root]);
    fs.chmodSync(locked, 0o000);
    fs.chmodSync(lockedDir, 0o000);
    const child = spawn(process.execPath, [CLI, 'sync', '--json'], {
      env: home.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const end = await exited(child);
    expect(end, stderr).toEqual({ code: 0, signal: null });
    const skipped = skippedOf(stdout);
    expect(skipped.get(locked)).toMatch(/EACCES|permission denied/i);
    expect(skipped.get(lockedDir)).toMatch(/cannot list directory \(EACCES\)/);
    expect(stderr).toContain(`warning: ${locked}:`);
    expect(sorted(messageKeys(home.db))).toEqual(sorted(messageKeys(baseline.home.db)));
  });
});

const lineCount = (b: Buffer) => b.toString('latin1').split('\n').length - 1;

/** A long Claude file (several ingest chunks): copies of a real session with fresh ids per copy. */
function longClaudeFile(copies: number): Buffer {
  const source = fs.readFileSync(SHORT_SET[0]!).toString('latin1');
  const parts: string[] = [];
  for (let i = 0; i < copies; i++) parts.push(new IdRewriter().text(source));
  return Buffer.from(parts.join(''), 'latin1');
}

describe('files that change while a pass reads them (the sync pass in-process, hooked between chunks)', () => {
  async function passWithHook(data: Buffer, hook: (file: string) => void) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-midread-'));
    const claudeDir = path.join(root, 'claude');
    const codexDir = path.join(root, 'codex');
    const file = path.join(claudeDir, 'projects', '-w', 'long.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    const other = path.join(
      codexDir,
      'sessions',
      '2026',
      '01',
      '01',
      'rollout-2026-01-01T00-00-00-other.jsonl',
    );
    fs.mkdirSync(path.dirname(other), { recursive: true });
    fs.copyFileSync(SHORT_SET[1]!, other);
    const config = testConfig({ claudeDir, codexDir });
    const db = openDatabase(config.databasePath);
    const pass = new SyncPass(db, config);
    let fired = false;
    const first = await pass.run(() => false, {
      onProgress: (_bytes, p) => {
        if (p === file && !fired) {
          fired = true;
          hook(file);
        }
      },
    });
    expect(fired).toBe(true);
    return { file, other, db, pass, first, config };
  }

  it('deleted after its first chunk: the open descriptor still reads every line; the next pass copes', async () => {
    const data = longClaudeFile(80);
    const { db, pass, first, other } = await passWithHook(data, (f) => fs.unlinkSync(f));
    expect(first.skipped).toEqual([]);
    expect(
      countRows(
        db.name,
        'SELECT count(*) FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path LIKE ?',
        '%long.jsonl',
      ),
    ).toBe(lineCount(data));
    const second = await pass.run(() => false);
    expect(second.skipped).toEqual([]);
    expect(countRows(db.name, 'SELECT missing FROM source_files WHERE path LIKE ?', '%long.jsonl')).toBe(1);
    expect(recordsOf(db.name, other)).toBe(linesOf(SHORT_SET[1]!).length);
    db.close();
  });

  it('truncated after its first chunk: a warning names the file; rewritten, every line is stored once', async () => {
    const data = longClaudeFile(80);
    const { db, pass, file, other } = await passWithHook(data, (f) =>
      fs.truncateSync(f, Math.floor(data.length / 4)),
    );
    const second = await pass.run(() => false);
    expect(second.changes).toEqual({ truncated: 1 });
    expect(second.warnings).toBe(1);
    const warnings = db.prepare('SELECT path, line_no, reason FROM ingest_warnings').all();
    expect(warnings).toEqual([{ path: file, line_no: null, reason: expect.stringMatching(/truncated/) }]);
    // The writer puts the rest back: the whole file is stored, no line twice.
    fs.appendFileSync(file, data.subarray(Math.floor(data.length / 4)));
    await pass.run(() => false);
    const identities = db
      .prepare('SELECT count(*) AS n, count(DISTINCT identity) AS d FROM messages')
      .get() as { n: number; d: number };
    expect(identities.n).toBe(identities.d);
    expect(
      countRows(
        db.name,
        `SELECT count(DISTINCT r.line_no) FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path = ?`,
        file,
      ),
    ).toBe(lineCount(data));
    expect(recordsOf(db.name, other)).toBe(linesOf(SHORT_SET[1]!).length);
    db.close();
  });
});

describe('a file growing fast while sync --watch reads it', () => {
  it('every complete line is stored once, torn writes are never warned about', async () => {
    const home = fakeHome();
    for (const f of GOOD) {
      fs.mkdirSync(path.dirname(path.join(home.root, f.rel)), { recursive: true });
      fs.writeFileSync(path.join(home.root, f.rel), f.bytes);
    }
    const file = path.join(home.claudeProjects, '-grow', 'growing.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    // The watcher and every pass must also live with a FIFO and symlink loops in the tree.
    execFileSync('mkfifo', [path.join(home.claudeProjects, '-grow', 'fifo.jsonl')]);
    fs.symlinkSync('..', path.join(home.claudeProjects, '-grow', 'up'));
    fs.symlinkSync('.', path.join(home.claudeProjects, '-grow', 'self'));
    fs.symlinkSync('loop-b.jsonl', path.join(home.claudeProjects, '-grow', 'loop-a.jsonl'));
    fs.symlinkSync('loop-a.jsonl', path.join(home.claudeProjects, '-grow', 'loop-b.jsonl'));
    const daemon = start(home, ['sync', '--watch', '--poll', '50']);
    let stderr = '';
    let stdout = '';
    daemon.stderr!.on('data', (d) => {
      stderr += d;
    });
    daemon.stdout!.on('data', (d) => {
      stdout += d;
    });
    // Appends in pieces cut at arbitrary points, so the daemon often sees half a line.
    const data = longClaudeFile(40);
    const fd = fs.openSync(file, 'a');
    let at = 0;
    let step = 1;
    while (at < data.length) {
      const n = Math.min(data.length - at, 1 + ((step * 7919) % 9000));
      fs.writeSync(fd, data, at, n);
      at += n;
      step++;
      if (step % 8 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    fs.closeSync(fd);
    const expectedLines = lineCount(data);
    const stored = () => fs.existsSync(home.db) && recordsOf(home.db, file) === expectedLines;
    await waitFor(stored, 30_000);
    daemon.kill('SIGTERM');
    expect(await exited(daemon), `${stderr}\n${stdout.slice(-2000)}`).toEqual({ code: 0, signal: null });
    expect(stderr).toBe('');
    expect(
      countRows(
        home.db,
        'SELECT count(DISTINCT line_no) FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path = ?',
        file,
      ),
    ).toBe(expectedLines);
    expect(countRows(home.db, 'SELECT count(*) FROM ingest_warnings')).toBe(0);
    const identities = countRows(home.db, 'SELECT count(*) FROM messages');
    expect(countRows(home.db, 'SELECT count(DISTINCT identity) FROM messages')).toBe(identities);
    // The same content synced in one go gives the same messages.
    const ref = fakeHome();
    for (const f of GOOD) {
      fs.mkdirSync(path.dirname(path.join(ref.root, f.rel)), { recursive: true });
      fs.writeFileSync(path.join(ref.root, f.rel), f.bytes);
    }
    fs.mkdirSync(path.dirname(file.replace(home.root, ref.root)), { recursive: true });
    fs.writeFileSync(file.replace(home.root, ref.root), data);
    const r = spawn(process.execPath, [CLI, 'sync'], { env: ref.env, stdio: 'ignore' });
    expect(await exited(r)).toEqual({ code: 0, signal: null });
    expect(sorted(messageKeys(home.db))).toEqual(sorted(messageKeys(ref.db)));
  });
});
