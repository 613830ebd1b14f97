/**
 * DESIGN.md §4 publishing rows, against the CatSyphon-compatible test server in its own process:
 * - publish throughput: a database built from the bench corpus drained by `aiobscura collector flush`
 *   (default config but for `shutdown_timeout_secs`, raised so the drain is not cut short), events/s over
 *   the whole process, server-side count checked against what the client numbered;
 * - ingest not slowed by the server: the ingest pass of a cold `sync` with the collector off, on against a
 *   healthy server, and on against a server that stalls every request;
 * - append → acknowledged: `sync --watch` with the collector on; from an append to the moment the session's
 *   cursor (moved only after a 202) covers the record;
 * - daemon CPU: utime+stime of `sync --watch` from /proc over a measurement window after a warm-up, on the
 *   3,000-file tree plus 20 live sessions at 0.25 records/s: collector off, on, and on while idle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SyncResult } from '../src/sync/index.js';
import { appendPool, freshRecord, generateTree, type PoolRecord, type Tree } from './corpus-gen.js';
import {
  BENCH_ENV,
  type CliTarget,
  cliArgs,
  cpuSeconds,
  noConfig,
  removeDb,
  runCli,
  runProcess,
} from './proc.js';
import { type BenchResult, type Row, verdict } from './report.js';
import { collectorConfig, type ServerProcess, startServer } from './server-proc.js';
import { percentile, round } from './stats.js';

const PORT = 18_731;
const SESSIONS = 20;
const RECORDS_PER_SECOND = 0.25;
const FLUSH_INTERVAL_SECS = 5; // the default, which the latency target is stated against
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

export interface PublishOptions {
  workDir: string;
  publishMb: number;
  /** The 3,000-file tree of the re-sync row, reused for the CPU row. */
  many: { tree: Tree; target: CliTarget } | null;
  appends: number;
  warmupS: number;
  cpuWindowS: number;
  log: (msg: string) => void;
}

function target(workDir: string, name: string, tree: Tree, config?: string): CliTarget {
  return {
    db: path.join(workDir, `${name}.db`),
    config: config ?? noConfig(workDir),
    claudeDir: tree.claudeDir,
    codexDir: tree.codexDir,
  };
}

const STORED_TYPES = "('message','tool_call','tool_result','thinking','error')";

async function throughput(opts: PublishOptions, tree: Tree, server: ServerProcess): Promise<Row[]> {
  const t = target(opts.workDir, 'publish', tree);
  removeDb(t.db);
  await runCli(t, 'sync', '--json', '--no-progress'); // collector off: just the database
  const creds = await server.register();
  const config = collectorConfig(path.join(opts.workDir, 'publish.toml'), server.url, creds, {
    shutdown_timeout_secs: 3600,
  });
  const before = await server.admin<{ eventsAccepted: number }>('GET', 'counters');
  const res = await runProcess(process.execPath, cliArgs({ ...t, config }, 'collector', 'flush', '--json'));
  if (res.code !== 0) throw new Error(`collector flush exited ${res.code}: ${res.stderr.slice(0, 1000)}`);
  const after = await server.admin<{ eventsAccepted: number }>('GET', 'counters');
  const db = new Database(t.db, { readonly: true });
  const numbered = db.prepare('SELECT count(*) FROM collector_sent').pluck().get() as number;
  const stored = db
    .prepare(`SELECT count(*) FROM collector_sent WHERE event_type IN ${STORED_TYPES}`)
    .pluck()
    .get() as number;
  // Sending stops at a session's first message that may still change (an open response of a live file):
  // what must be gone is every publishable message before that point.
  const pending = db
    .prepare(
      `SELECT count(*) FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
       WHERE m.publishable = 1 AND m.seq > coalesce(p.last_published_seq, 0)
         AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.session_id = m.session_id AND o.publishable = 0
                           AND o.seq > coalesce(p.last_published_seq, 0) AND o.seq < m.seq)`,
    )
    .pluck()
    .get() as number;
  db.close();
  const accepted = after.eventsAccepted - before.eventsAccepted;
  const rate = accepted / (res.wallMs / 1000);
  opts.log(`publish: ${accepted} events in ${round(res.wallMs / 1000)} s = ${Math.round(rate)} events/s`);
  const group = '5 publish throughput';
  return [
    {
      group,
      what: `collector flush of ${numbered} events (${stored} stored by the server), whole process`,
      figure: `${Math.round(rate)} events/s (${round(res.wallMs / 1000)} s)`,
      target: '>= 10,000 events/s',
      status: verdict(rate >= 10_000),
    },
    {
      group,
      what: 'server accepted = events numbered by the client; publishable messages left unsent',
      figure: `${accepted} = ${numbered}; ${pending} left`,
      target: 'equal; 0 left',
      status: verdict(accepted === numbered && pending === 0),
    },
  ];
}

async function ingestPass(opts: PublishOptions, tree: Tree, name: string, config?: string): Promise<number> {
  const t = target(opts.workDir, name, tree, config);
  removeDb(t.db);
  const res = await runCli(t, 'sync', '--json', '--no-progress');
  return (JSON.parse(res.stdout) as SyncResult).durationMs;
}

async function notSlowed(opts: PublishOptions, tree: Tree, server: ServerProcess): Promise<Row[]> {
  const creds = await server.register();
  const healthy = collectorConfig(path.join(opts.workDir, 'healthy.toml'), server.url, creds);
  const off = await ingestPass(opts, tree, 'ingest-off');
  const on = await ingestPass(opts, tree, 'ingest-on', healthy);
  // Every request stalls for a minute and is then dropped: publishing can never finish.
  await server.admin('POST', 'faults/random', { fault: { kind: 'stall-drop', ms: 60_000 }, probability: 1 });
  const stalled = await ingestPass(opts, tree, 'ingest-stalled', healthy);
  await server.admin('DELETE', 'faults');
  const group = '6 ingest not slowed by the server';
  opts.log(`ingest pass: off ${off} ms, healthy ${on} ms, stalled ${stalled} ms`);
  return [
    {
      group,
      what: `ingest pass, collector off / on against a stalling server (${tree.files.length} files)`,
      figure: `${off} ms / ${stalled} ms = ${round(off / stalled)}`,
      target: '>= 0.95',
      status: verdict(off / stalled >= 0.95),
    },
    {
      group,
      what: 'ingest pass, collector off / on against a healthy server',
      figure: `${off} ms / ${on} ms = ${round(off / on)}`,
      target: '>= 0.7',
      status: verdict(off / on >= 0.7),
    },
  ];
}

function liveSessions(tree: Tree, pool: PoolRecord[]): { files: string[]; ids: string[] } {
  const dir = path.join(tree.claudeDir, 'projects', `-bench-publish-${randomUUID().slice(0, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  const ids = Array.from({ length: SESSIONS }, () => randomUUID());
  const files = ids.map((id, i) => {
    const file = path.join(dir, `${id}.jsonl`);
    fs.writeFileSync(file, freshRecord(pool[i % pool.length]!, id).text, 'latin1');
    return file;
  });
  return { files, ids };
}

function startWatch(t: CliTarget): Promise<ChildProcess> {
  const child = spawn(process.execPath, cliArgs(t, 'sync', '--watch', '--json', '--no-progress'), {
    env: BENCH_ENV,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.on('exit', (code) => reject(new Error(`sync --watch exited ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Appends `count` records round-robin at 0.25 records/s per session; calls `onAppend` after each. */
async function appendLoop(
  files: string[],
  ids: string[],
  pool: PoolRecord[],
  count: number,
  onAppend: (identity: string) => void,
) {
  const stagger = 1000 / RECORDS_PER_SECOND / files.length;
  const started = performance.now();
  for (let k = 0; k < count; k++) {
    await sleep(started + k * stagger - performance.now());
    const rec = freshRecord(pool[(SESSIONS + k) % pool.length]!, ids[k % files.length]!);
    fs.appendFileSync(files[k % files.length]!, rec.text, 'latin1');
    onAppend(rec.identity);
  }
}

async function appendToAck(opts: PublishOptions, server: ServerProcess, pool: PoolRecord[]): Promise<Row[]> {
  const tree = generateTree(path.join(opts.workDir, 'ack'), { minFiles: 1 });
  const creds = await server.register();
  const config = collectorConfig(path.join(opts.workDir, 'ack.toml'), server.url, creds);
  const t = target(opts.workDir, 'ack', tree, config);
  removeDb(t.db);
  const { files, ids } = liveSessions(tree, pool);
  const daemon = await startWatch(t);
  const reader = new Database(t.db, { readonly: true });
  const acked = reader
    .prepare(
      `SELECT 1 FROM messages m JOIN collector_publish_state p ON p.session_id = m.session_id
       WHERE m.identity = ? AND m.seq <= p.last_published_seq`,
    )
    .pluck();
  const latencies: number[] = [];
  // Latencies of records another record of their session followed: their response closed at once, while a
  // session's last record stays open until `idle_close_secs` (30 s) of file inactivity.
  const followed: number[] = [];
  let pending: { identity: string; at: number; k: number }[] = [];
  let appended = 0;
  const poll = setInterval(() => {
    const now = performance.now();
    pending = pending.filter((p) => {
      if (acked.get(p.identity) === undefined) return true;
      latencies.push(now - p.at);
      if (p.k < opts.appends - SESSIONS) followed.push(now - p.at);
      return false;
    });
  }, 20);
  await appendLoop(files, ids, pool, opts.appends, (identity) => {
    pending.push({ identity, at: performance.now(), k: appended++ });
  });
  // The last record of each session stays open until the idle close (30 s) or the next record: give it time.
  const deadline = performance.now() + 60_000;
  while (pending.length > 0 && performance.now() < deadline) await sleep(100);
  clearInterval(poll);
  reader.close();
  await stop(daemon);
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const p95Followed = percentile(followed, 95);
  opts.log(`append->ack: p50 ${round(p50)} ms, p95 ${round(p95)} ms, ${pending.length} never acknowledged`);
  const group = '7 append -> acknowledged';
  const goal = `<= ${FLUSH_INTERVAL_SECS + 2} s`;
  return [
    {
      group,
      what: `p95 over all ${latencies.length} appends (p50 ${round(p50 / 1000)} s), flush_interval_secs ${FLUSH_INTERVAL_SECS}`,
      figure: `${round(p95 / 1000)} s`,
      target: goal,
      status: verdict(p95 <= (FLUSH_INTERVAL_SECS + 2) * 1000 && pending.length === 0),
    },
    {
      group,
      what: `p95 over the ${followed.length} appends another record of their session followed`,
      figure: `${round(p95Followed / 1000)} s`,
      target: goal,
      status: verdict(p95Followed <= (FLUSH_INTERVAL_SECS + 2) * 1000),
    },
  ];
}

async function daemonCpu(
  opts: PublishOptions,
  t: CliTarget,
  pool: PoolRecord[],
  appending: boolean,
): Promise<number> {
  const { files, ids } = liveSessions({ ...opts.many!.tree }, pool);
  const daemon = await startWatch(t);
  const total = Math.ceil((opts.warmupS + opts.cpuWindowS) * RECORDS_PER_SECOND * SESSIONS);
  let cpuStart = 0;
  let tStart = 0;
  const load = appending
    ? appendLoop(files, ids, pool, total, () => undefined)
    : sleep((opts.warmupS + opts.cpuWindowS) * 1000);
  await sleep(opts.warmupS * 1000);
  cpuStart = cpuSeconds(daemon.pid!);
  tStart = performance.now();
  await sleep(opts.cpuWindowS * 1000);
  const used = cpuSeconds(daemon.pid!) - cpuStart;
  const wall = (performance.now() - tStart) / 1000;
  await load;
  await stop(daemon);
  return (100 * used) / wall;
}

async function cpuRows(opts: PublishOptions, server: ServerProcess, pool: PoolRecord[]): Promise<Row[]> {
  if (!opts.many) throw new Error('the CPU row needs the re-sync tree');
  const creds = await server.register();
  const on = collectorConfig(path.join(opts.workDir, 'cpu-on.toml'), server.url, creds);
  const base = opts.many.target;
  const off = await daemonCpu(opts, { ...base, config: noConfig(opts.workDir) }, pool, true);
  const onPct = await daemonCpu(opts, { ...base, config: on }, pool, true);
  const idle = await daemonCpu(opts, { ...base, config: on }, pool, false);
  opts.log(`daemon CPU: off ${round(off)} %, on ${round(onPct)} %, idle ${round(idle)} %`);
  const group = '8 daemon CPU';
  const window = `${opts.cpuWindowS} s after ${opts.warmupS} s warm-up, ${opts.many.tree.files.length}+ files`;
  return [
    {
      group,
      what: `collector on, 20 sessions x 0.25 records/s (${window})`,
      figure: `${round(onPct)} % of one core`,
      target: '<= 2 %',
      status: verdict(onPct <= 2),
    },
    {
      group,
      what: 'on - off',
      figure: `${round(onPct - off)} % (off: ${round(off)} %)`,
      target: '<= 1 %',
      status: verdict(onPct - off <= 1),
    },
    {
      group,
      what: 'collector on, idle (no appends; periodic rescans)',
      figure: `${round(idle)} %`,
      target: '<= 0.5 %',
      status: verdict(idle <= 0.5),
    },
  ];
}

export async function publishing(opts: PublishOptions): Promise<BenchResult> {
  const tree = generateTree(path.join(opts.workDir, 'publish'), { minBytes: opts.publishMb * 1e6 });
  const pool = appendPool();
  const server = await startServer(PORT);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { files: tree.files.length, bytes: tree.bytes };
  try {
    rows.push(...(await throughput(opts, tree, server)));
    rows.push(...(await notSlowed(opts, tree, server)));
    rows.push(...(await appendToAck(opts, server, pool)));
    rows.push(...(await cpuRows(opts, server, pool)));
  } finally {
    await server.stop();
  }
  return { rows, details };
}
