/**
 * DESIGN.md §4 "Append → stored (watch)": `aiobscura sync --watch` (default poll interval) runs on the re-sync
 * tree (3,000+ files) plus 20 live sessions. Real records are appended to the 20 sessions at 0.25 records/s
 * each, staggered evenly, while a busy-loop child process occupies one core. A second SQLite connection polls
 * for each appended record's message row; the latency is from just before the append to the first poll that
 * sees the row.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { appendPool, freshRecord, type PoolRecord, type Tree } from './corpus-gen.js';
import { BENCH_ENV, type CliTarget, cliArgs, cpuSeconds } from './proc.js';
import { type BenchResult, verdict } from './report.js';
import { percentile, round } from './stats.js';

const GROUP = '4 append -> stored';
const SESSIONS = 20;
const RECORDS_PER_SECOND = 0.25;
const POLL_EVERY_MS = 10;
const SETTLE_TIMEOUT_MS = 15_000;
const CPU_LOAD = 'a child `node -e "for(;;){}"` busy-looping on one of the 2 cores';

export interface AppendOptions {
  tree: Tree;
  target: CliTarget;
  appends: number;
  log: (msg: string) => void;
}

interface Pending {
  identity: string;
  at: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function createSessions(tree: Tree, pool: PoolRecord[]): string[] {
  const dir = path.join(tree.claudeDir, 'projects', '-bench-live');
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const sessionId = randomUUID();
    const file = path.join(dir, `${sessionId}.jsonl`);
    const head = [0, 1, 2].map((j) => freshRecord(pool[(i * 3 + j) % pool.length]!, sessionId).text);
    fs.writeFileSync(file, head.join(''), 'latin1');
    files.push(file);
  }
  return files;
}

/** Starts the daemon and resolves once its first pass (the new live sessions) has been reported. */
function startDaemon(target: CliTarget): Promise<{ child: ChildProcess; passes: () => number }> {
  const child = spawn(process.execPath, cliArgs(target, 'sync', '--watch', '--json'), {
    env: BENCH_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let passes = 0;
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      const before = passes;
      passes += b
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('{')).length;
      if (before === 0 && passes > 0) resolve({ child, passes: () => passes });
    });
    child.on('exit', (code) =>
      reject(new Error(`sync --watch exited ${code} before its first pass: ${stderr.slice(0, 2000)}`)),
    );
  });
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

export async function appendLatency(opts: AppendOptions): Promise<BenchResult> {
  const pool = appendPool();
  if (pool.length === 0) throw new Error('no corpus record produces claude:<uuid>:0');
  const files = createSessions(opts.tree, pool);
  const burner = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  const { child: daemon, passes } = await startDaemon(opts.target);
  const pid = daemon.pid!;
  const reader = new Database(opts.target.db, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  const visible = reader.prepare('SELECT 1 FROM messages WHERE identity = ?').pluck();

  const latencies: number[] = [];
  let pending: Pending[] = [];
  const poll = setInterval(() => {
    const now = performance.now();
    pending = pending.filter((p) => {
      if (visible.get(p.identity) === undefined) return true;
      latencies.push(now - p.at);
      return false;
    });
  }, POLL_EVERY_MS);

  const stagger = 1000 / RECORDS_PER_SECOND / SESSIONS;
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  for (let k = 0; k < opts.appends; k++) {
    await sleep(started + k * stagger - performance.now());
    const rec = freshRecord(
      pool[(SESSIONS * 3 + k) % pool.length]!,
      path.basename(files[k % SESSIONS]!, '.jsonl'),
    );
    const at = performance.now();
    fs.appendFileSync(files[k % SESSIONS]!, rec.text, 'latin1');
    pending.push({ identity: rec.identity, at });
    if (k % 50 === 49) opts.log(`append: ${k + 1}/${opts.appends} appended, ${latencies.length} seen`);
  }
  const appendWindowS = (performance.now() - started) / 1000;
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  while (pending.length > 0 && performance.now() < deadline) await sleep(50);
  clearInterval(poll);
  const lost = pending.length;
  reader.close();

  const stopAt = performance.now();
  const exitCode = await stopProcess(daemon, 'SIGTERM');
  const stopMs = performance.now() - stopAt;
  await stopProcess(burner, 'SIGKILL');

  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const max = Math.max(...latencies);
  const daemonCpu = (100 * cpuUsed) / appendWindowS;
  opts.log(`append: p50 ${round(p50)} ms, p95 ${round(p95)} ms, max ${round(max)} ms, ${lost} not seen`);
  const ms = (x: number) => `${round(x / 1000, 3)} s`;
  const n = `${latencies.length} appends, ${SESSIONS} sessions x ${RECORDS_PER_SECOND}/s`;
  return {
    rows: [
      { group: GROUP, what: `p50 (${n})`, figure: ms(p50), target: '-', status: 'INFO' },
      {
        group: GROUP,
        what: `p95, CPU load: busy loop on 1 core${lost ? `; ${lost} never seen` : ''}`,
        figure: ms(p95),
        target: '<= 1 s',
        status: verdict(p95 <= 1000 && lost === 0),
      },
      { group: GROUP, what: 'max', figure: ms(max), target: '-', status: 'INFO' },
      {
        group: GROUP,
        what: `daemon CPU while appending (${opts.tree.files.length + SESSIONS} files watched)`,
        figure: `${round(daemonCpu, 1)} % of one core`,
        target: '- (the CPU row has its own method)',
        status: 'INFO',
      },
      {
        group: GROUP,
        what: 'sync --watch stopped with SIGTERM',
        figure: `exit code ${exitCode} after ${round(stopMs)} ms`,
        target: 'exit code 0',
        status: verdict(exitCode === 0),
      },
    ],
    details: {
      appends: opts.appends,
      seen: latencies.length,
      notSeen: lost,
      p50Ms: round(p50),
      p95Ms: round(p95),
      maxMs: round(max),
      latenciesMs: latencies.map((x) => round(x, 1)),
      pollIntervalMs: POLL_EVERY_MS,
      cpuLoad: CPU_LOAD,
      daemonPasses: passes(),
      daemonCpuPercent: round(daemonCpu, 2),
      appendWindowS: round(appendWindowS, 1),
      daemonExitCode: exitCode,
      daemonStopMs: round(stopMs),
      watchedFiles: opts.tree.files.length + SESSIONS,
    },
  };
}
