/**
 * The chaos run (issue 4, item 1): a generator appends real records to many Claude Code and Codex session
 * files while `aiobscura sync --watch` publishes them to the test server (its own process) under seeded random
 * faults and one full outage; the daemon is killed with SIGKILL again and again (timed to land inside ingest
 * transactions and HTTP requests, proven by its phase markers) and restarted, some lives with a deterministic
 * crash point. Then faults off, generator stopped: the backlog must drain, and the final comparisons must hold.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { mulberry32 } from '../../test/support/catsyphon/faults.js';
import type { Row } from '../../test/support/catsyphon/index.js';
import { CRASH_POINTS, type CrashPoint, type Life, startDaemon } from './daemon.js';
import { Generator } from './generator.js';
import { faultMix, startChaosServer } from './server.js';
import { checkLedger, checkServer, type LedgerCheck, type ServerCheck } from './verify.js';

export interface ChaosOptions {
  /** Seconds of chaos (generator + faults + kills) before the drain. */
  durationSec: number;
  seed: number;
  /** Keep artefacts here (default: a temp dir, removed after a passing run). */
  dir?: string | undefined;
  /** Session files written at the same time. */
  sessions: number;
  minimums: Minimums;
  /** Keep going past `durationSec` (at most this many seconds more) until the kill minimums are met. */
  graceSec: number;
  outageSec: number;
  stallMs: number;
  burstBytes: number;
  /** Milliseconds between two generator steps (a step appends 1–4 lines or tears one). */
  stepMs: number;
  log: (line: string) => void;
}

export interface Minimums {
  kills: number;
  killsInHttp: number;
  killsInTxn: number;
  /** Each deterministic crash point. */
  crashPoint: number;
  /** Each fault kind (and the outage) answering requests; 0 = reported, not required. */
  faultKind: number;
  deduplicated: number;
  /** Ingest commits failed by `AIOBSCURA_FAIL_COMMITS` (SQLITE_IOERR) in the lives that run with it. */
  failedCommits: number;
  drainSec: number;
}

export const FULL_MINIMUMS: Minimums = {
  kills: 30,
  killsInHttp: 5,
  killsInTxn: 5,
  crashPoint: 1,
  faultKind: 1,
  deduplicated: 1,
  failedCommits: 5,
  drainSec: 60,
};

export interface Check {
  name: string;
  value: number;
  /** `>= n`, `<= n` or `= 0`. */
  want: string;
  pass: boolean;
}

export interface ChaosResult {
  seed: number;
  dir: string;
  elapsedSec: number;
  lives: number;
  kills: number;
  killsInHttp: number;
  killsInTxn: number;
  crashPoints: Record<CrashPoint, number>;
  failedCommits: number;
  faultsAnswered: Record<string, number>;
  deduplicated: number;
  drainSec: number | null;
  generator: Generator['stats'];
  ledger: LedgerCheck;
  server: ServerCheck;
  unexpectedExits: string[];
  checks: Check[];
  pass: boolean;
}

/** What the daemon's warning names when `AIOBSCURA_FAIL_COMMITS` failed one of its commits. */
const COMMIT_FAULT = 'test fault AIOBSCURA_FAIL_COMMITS';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function writeConfig(file: string, server: string, creds: { collector_id: string; api_key: string }): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      '[sync]',
      // Idle groups close (become publishable) soon after the generator stops; the rescan is the safety net.
      'poll_ms = 1000',
      'idle_close_secs = 3',
      '[collector]',
      'enabled = true',
      `server_url = ${JSON.stringify(server)}`,
      `collector_id = ${JSON.stringify(creds.collector_id)}`,
      `api_key = ${JSON.stringify(creds.api_key)}`,
      // Batches sent at once (default size): publishing is busy, so kills find requests in flight.
      'batch_size = 20',
      'flush_interval_secs = 0',
      'timeout_secs = 5',
      // Faults hit 45 % of requests: long rounds keep a session from waiting out 30 s round pauses.
      'max_retries = 12',
      'shutdown_timeout_secs = 10',
      '',
    ].join('\n'),
  );
}

/** The crash point of the n-th life (1-based): lives 2, 4 and 6 take one each, then every fifth life. */
function crashPointOf(life: number): CrashPoint | null {
  if (life === 2 || life === 4 || life === 6) return CRASH_POINTS[life / 2 - 1]!;
  if (life > 6 && life % 5 === 0) return CRASH_POINTS[(life / 5) % 3]!;
  return null;
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-chaos-'));
  const home = path.join(dir, 'home');
  const runs = path.join(dir, 'lives');
  fs.mkdirSync(runs, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
  };
  const dbPath = path.join(home, 'data', 'aiobscura', 'data.db');
  const server = await startChaosServer(opts.seed);
  let life: Life | null = null;
  try {
    const creds = await server.admin<{ collector_id: string; api_key: string }>('POST', 'collectors', {});
    writeConfig(path.join(home, 'config', 'aiobscura', 'config.toml'), server.url, creds);
    await server.admin('POST', 'seed', { seed: opts.seed });
    await server.admin('POST', 'faults/random', faultMix(opts.stallMs));
    const gen = new Generator(
      path.join(home, '.claude'),
      path.join(home, '.codex'),
      opts.sessions,
      opts.seed,
    );
    for (let i = 0; i < opts.sessions * 3; i++) gen.step(0);

    // The generator: a step every `stepMs`, torn lines completed up to 300 ms later.
    let generating = true;
    const generator = (async () => {
      while (generating) {
        gen.step(300);
        await sleep(opts.stepMs);
      }
      await gen.settle();
    })();

    const r = {
      lives: 0,
      kills: 0,
      killsInHttp: 0,
      killsInTxn: 0,
      crashPoints: Object.fromEntries(CRASH_POINTS.map((p) => [p, 0])) as Record<CrashPoint, number>,
      outageRequests: 0,
      failedCommits: 0,
      unexpectedExits: [] as string[],
    };
    let outage: 'before' | 'on' | 'done' = 'before';
    const outageAt = started + opts.durationSec * 400;
    let exited = false;
    /** Polls the current life's markers every 2 ms until `until()` or `ms`; false if the process ended. */
    const watch = async (l: Life, until: () => boolean, ms: number): Promise<boolean> => {
      const end = Date.now() + ms;
      while (!exited && Date.now() < end) {
        const began = l.marker.poll();
        if (outage === 'on') r.outageRequests += began;
        if (until()) return true;
        await sleep(2);
      }
      return !exited;
    };
    const mins = opts.minimums;
    const random = mulberry32(opts.seed);
    const enough = () =>
      r.kills >= mins.kills &&
      r.killsInHttp >= mins.killsInHttp &&
      r.killsInTxn >= mins.killsInTxn &&
      r.failedCommits >= mins.failedCommits &&
      CRASH_POINTS.every((p) => r.crashPoints[p] >= mins.crashPoint);
    const chaosEnd = started + opts.durationSec * 1000;
    const hardEnd = chaosEnd + opts.graceSec * 1000;
    let lastReport = Date.now();

    while (Date.now() < chaosEnd || (!enough() && Date.now() < hardEnd)) {
      if (outage === 'before' && Date.now() >= outageAt) {
        await server.admin('POST', 'modes', { outage: true, outage_ms: opts.outageSec * 1000 });
        await sleep(50); // the server closes its listener 20 ms after answering
        outage = 'on';
        // Ends a little before the server reopens, so every request counted met a closed listener.
        setTimeout(
          () => {
            outage = 'done';
          },
          opts.outageSec * 1000 - 100,
        );
      }
      r.lives++;
      const crash = crashPointOf(r.lives);
      // Every third ordinary life's disk fails about a third of its ingest commits (SQLITE_IOERR at COMMIT): the
      // writer must roll back its memory with the transaction, and the next pass read those lines again.
      const failing = !crash && r.lives % 3 === 0;
      const l = startDaemon(
        env,
        runs,
        r.lives,
        crash,
        failing ? { AIOBSCURA_FAIL_COMMITS: `${opts.seed + r.lives}:0.3` } : {},
      );
      life = l;
      exited = false;
      void l.exit.then(() => {
        exited = true;
      });
      if (crash) {
        gen.burst(opts.burstBytes / 4); // enough for several batches of one session (between-batches)
        await watch(l, () => false, 20_000);
        if (!exited) l.child.kill('SIGKILL');
        const end = await l.exit;
        // Only the process itself sends SIGKILL before the 20 s are up: the crash point was reached.
        if (end.signal === 'SIGKILL' && !l.child.killed) r.crashPoints[crash]++;
        else if (end.signal !== 'SIGKILL')
          r.unexpectedExits.push(
            `life ${r.lives} (${crash}): ${JSON.stringify(end)} ${l.stderr().slice(0, 500)}`,
          );
      } else {
        const target = r.kills % 2 === 0 ? 'txn' : 'http';
        // Let it live a little (start-up, a pass, some publishing), then wait for the target phase.
        const alive = await watch(l, () => false, 700 + random() * 1800);
        const faulted = () => l.stderr().includes(COMMIT_FAULT);
        if (alive && failing) {
          // Long enough for its ingest to meet failed commits (and read the lines again), then the kill.
          gen.burst(opts.burstBytes / 4);
          if (await watch(l, faulted, 8000)) await watch(l, () => false, 300 + random() * 700);
        } else if (alive) {
          if (target === 'txn') gen.burst(opts.burstBytes);
          await watch(l, () => (target === 'txn' ? l.marker.txnOpen : l.marker.httpOpen.size > 0), 5000);
        }
        if (!exited) {
          l.child.kill('SIGKILL');
          const end = await l.exit;
          l.marker.poll();
          r.kills++;
          if (end.signal === 'SIGKILL') {
            if (l.marker.txnOpen) r.killsInTxn++;
            if (l.marker.httpOpen.size > 0) r.killsInHttp++;
          }
        } else {
          r.unexpectedExits.push(
            `life ${r.lives}: ${JSON.stringify(await l.exit)} ${l.stderr().slice(0, 500)}`,
          );
        }
      }
      if (failing) r.failedCommits += l.stderr().split(COMMIT_FAULT).length - 1;
      l.marker.close();
      life = null;
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        const s = await server.summary();
        opts.log(
          `t=${Math.round((Date.now() - started) / 1000)}s lives=${r.lives} kills=${r.kills} (http ${r.killsInHttp}, txn ${r.killsInTxn}) ` +
            `crash points ${CRASH_POINTS.map((p) => r.crashPoints[p]).join('/')} lines=${gen.stats.lines} files=${gen.stats.files} ` +
            `rows=${s.rows} statuses=${JSON.stringify(s.counters.statuses)} faults=${JSON.stringify(s.counters.faults)}`,
        );
      }
    }

    // Drain: generator stopped (every torn line completed), faults and outage off, one daemon left running.
    generating = false;
    await generator;
    await server.admin('DELETE', 'faults');
    await server.admin('POST', 'modes', { outage: false });
    r.lives++;
    const last = startDaemon(env, runs, r.lives, null);
    life = last;
    const drainStart = Date.now();
    let drainSec: number | null = null;
    while (Date.now() - drainStart < opts.minimums.drainSec * 1000 + 5000) {
      await sleep(250);
      if (last.child.exitCode !== null || last.child.signalCode !== null) break;
      if (fs.existsSync(dbPath) && drained(dbPath, gen.ledger)) {
        drainSec = (Date.now() - drainStart) / 1000;
        break;
      }
    }
    opts.log(`drain: ${drainSec === null ? 'not drained' : `${drainSec.toFixed(1)} s`}`);
    last.child.kill('SIGTERM');
    const end = await last.exit;
    last.marker.close();
    life = null;
    if (end.code !== 0)
      r.unexpectedExits.push(`final life: ${JSON.stringify(end)} ${last.stderr().slice(0, 500)}`);

    const counters = (await server.summary()).counters;
    const faultsAnswered: Record<string, number> = {
      '503': counters.statuses['503'] ?? 0,
      '429 + Retry-After': counters.statuses['429'] ?? 0,
      reset: counters.faults.reset ?? 0,
      'stall-drop': counters.faults['stall-drop'] ?? 0,
      'stall-commit': counters.faults['stall-commit'] ?? 0,
      'outage (requests refused)': r.outageRequests,
    };
    const ledger = checkLedger(dbPath, gen.ledger);
    const conversations = await server.admin<{ sessionId: string }[]>('GET', 'conversations');
    const serverCheck = await checkServer(
      dbPath,
      { maxEventBytes: 512 * 1024, sendRawData: true },
      (s) => server.admin<Row[]>('GET', `rows?session_id=${encodeURIComponent(s)}`),
      conversations.map((c) => c.sessionId),
    );

    const checks: Check[] = [];
    const atLeast = (name: string, value: number, min: number) =>
      checks.push({ name, value, want: `>= ${min}`, pass: value >= min });
    const zero = (name: string, value: number) =>
      checks.push({ name, value, want: '= 0', pass: value === 0 });
    atLeast('kills (SIGKILL from the harness)', r.kills, mins.kills);
    atLeast('kills proven inside an HTTP request', r.killsInHttp, mins.killsInHttp);
    atLeast('kills proven inside an ingest transaction', r.killsInTxn, mins.killsInTxn);
    for (const p of CRASH_POINTS) atLeast(`crash point ${p}`, r.crashPoints[p], mins.crashPoint);
    atLeast('ingest commits failed (SQLITE_IOERR injected)', r.failedCommits, mins.failedCommits);
    for (const [k, v] of Object.entries(faultsAnswered)) atLeast(`fault answered: ${k}`, v, mins.faultKind);
    atLeast('resent events deduplicated by the server', counters.duplicatesDropped, mins.deduplicated);
    checks.push({
      name: 'backlog drained (s)',
      value: drainSec ?? Number.POSITIVE_INFINITY,
      want: `<= ${mins.drainSec}`,
      pass: drainSec !== null && drainSec <= mins.drainSec,
    });
    atLeast('records written by the generator', ledger.expectedRecords, 1);
    zero('records missing locally', ledger.missing);
    zero('records stored twice locally', ledger.storedTwice);
    zero('records with other bytes', ledger.wrongBytes);
    atLeast('server rows compared', serverCheck.serverRows, 1);
    zero('events missing on the server', serverCheck.missing);
    zero('events stored twice on the server', serverCheck.storedTwice);
    zero('server rows with no local event', serverCheck.unexpected);
    zero('events refused by the server', serverCheck.rejected);
    zero('messages never publishable', serverCheck.unpublishable);
    zero('daemon exits not caused by a kill', r.unexpectedExits.length);
    const pass = checks.every((c) => c.pass);
    if (pass && opts.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
    return {
      seed: opts.seed,
      dir,
      elapsedSec: Math.round((Date.now() - started) / 100) / 10,
      lives: r.lives,
      kills: r.kills,
      killsInHttp: r.killsInHttp,
      killsInTxn: r.killsInTxn,
      crashPoints: r.crashPoints,
      failedCommits: r.failedCommits,
      faultsAnswered,
      deduplicated: counters.duplicatesDropped,
      drainSec,
      generator: gen.stats,
      ledger,
      server: serverCheck,
      unexpectedExits: r.unexpectedExits,
      checks,
      pass,
    };
  } finally {
    const l = life as Life | null;
    if (l && l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGKILL');
    await server.stop();
  }
}

/**
 * Drained: every file read to its end, no open assistant group, no publishable message after its session's
 * cursor. Read through a second, read-only connection while the daemon runs (WAL).
 */
function drained(dbPath: string, ledger: ReadonlyMap<string, readonly string[]>): boolean {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const offsets = new Map(
      (
        db.prepare('SELECT path, checkpoint_offset FROM source_files').all() as {
          path: string;
          checkpoint_offset: number;
        }[]
      ).map((r) => [r.path, r.checkpoint_offset]),
    );
    for (const file of ledger.keys()) if (offsets.get(file) !== fs.statSync(file).size) return false;
    if ((db.prepare('SELECT count(*) FROM messages WHERE publishable = 0').pluck().get() as number) > 0)
      return false;
    const pending = db
      .prepare(
        `SELECT count(*) FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
         WHERE m.publishable = 1 AND m.seq > coalesce(p.last_published_seq, 0)`,
      )
      .pluck()
      .get() as number;
    return pending === 0;
  } finally {
    db.close();
  }
}

/** The final table: each minimum or comparison with its value and PASS/FAIL. */
export function formatChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map(
      (c) =>
        `${c.name.padEnd(width)}  ${String(c.value).padStart(8)}  ${c.want.padEnd(6)}  ${c.pass ? 'PASS' : 'FAIL'}`,
    )
    .join('\n');
}
