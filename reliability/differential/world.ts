/**
 * Plays a history with real components: the compiled CLI (`sync --watch` lives, one-shot `sync`, `collector
 * flush`) in its own processes with a fake home, the CatSyphon-compatible test server in its own process, and
 * real files that grow, are replaced and are read in shuffled orders.
 *
 * The files grow causally: a record that several input files hold (a resume copy) is written first to the
 * file that owns it by the documented rule, as Claude Code writes a copy only of a record that exists.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from '../../test/support/spawn.js';
import { CLI } from '../chaos/daemon.js';
import { type ServerProcess, startServerProcess } from '../server-process.js';
import type { Action, FaultType, History } from './history.js';
import type { InputFile } from './inputs.js';

/** Every idle close happens at the end (mtimes are moved back), so no response is closed half-written. */
const IDLE_CLOSE_SECS = 3600;

export interface Home {
  root: string;
  env: NodeJS.ProcessEnv;
  databasePath: string;
}

export function makeHome(root: string): Home {
  fs.mkdirSync(root, { recursive: true });
  return {
    root,
    env: {
      PATH: process.env.PATH,
      HOME: root,
      XDG_DATA_HOME: path.join(root, 'data'),
      XDG_CONFIG_HOME: path.join(root, 'config'),
    },
    databasePath: path.join(root, 'data', 'aiobscura', 'data.db'),
  };
}

export async function registerAndConfigure(
  home: Home,
  server: ServerProcess,
  batchSize: number,
): Promise<void> {
  const creds = await server.admin<{ collector_id: string; api_key: string }>('POST', 'collectors', {});
  const file = path.join(home.root, 'config', 'aiobscura', 'config.toml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      '[sync]',
      'poll_ms = 300',
      `idle_close_secs = ${IDLE_CLOSE_SECS}`,
      '[collector]',
      'enabled = true',
      `server_url = "${server.url}"`,
      `collector_id = "${creds.collector_id}"`,
      `api_key = "${creds.api_key}"`,
      'flush_interval_secs = 0',
      `batch_size = ${batchSize}`,
      'timeout_secs = 2',
      'max_retries = 2',
      'shutdown_timeout_secs = 3',
      '',
    ].join('\n'),
  );
}

/** Runs the CLI to its end; resolves with its exit code. */
export function runCli(home: Home, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...home.env, ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume();
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Files idle for the idle threshold: their open responses are final on the next pass. */
export function backdate(home: Home, files: readonly InputFile[]): void {
  const past = new Date(Date.now() - 2 * IDLE_CLOSE_SECS * 1000);
  for (const f of files) {
    const p = path.join(home.root, f.target);
    if (fs.existsSync(p)) fs.utimesSync(p, past, past);
  }
}

/** The final idle sync and drain: one pass that closes idle groups, then flushes until nothing is left. */
export async function settle(home: Home): Promise<void> {
  await runCli(home, ['sync']);
  for (let i = 0; i < 20; i++) {
    if ((await runCli(home, ['collector', 'flush'])) === 0) return;
  }
  throw new Error(`the backlog of ${home.root} did not drain`);
}

function faultOf(type: FaultType): Record<string, unknown> {
  switch (type) {
    case '503':
      return { kind: 'status', status: 503 };
    case '429':
      return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
    case 'reset':
      return { kind: 'reset' };
    case 'stall-drop':
      return { kind: 'stall-drop', ms: 2500 };
    case 'stall-commit':
      return { kind: 'stall-commit', ms: 2500 };
  }
}

/** Mulberry32, so a history replays exactly from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** For each file, the line ends after which another file must already hold a shared record (see top). */
function prerequisites(files: readonly InputFile[]): { at: number; file: number; upTo: number }[][] {
  const holders = new Map<string, { file: number; end: number; rank: string }[]>();
  files.forEach((f, i) => {
    const lines = f.content.toString('utf8').split(/(?<=\n)/);
    let end = 0;
    let first: string | null = null;
    let session = '';
    for (const l of lines) {
      end += Buffer.byteLength(l);
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(l) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (first === null && typeof r.timestamp === 'string') first = r.timestamp;
      if (typeof r.sessionId === 'string') session ||= r.sessionId;
      if (typeof r.uuid !== 'string' || !['user', 'assistant', 'system'].includes(String(r.type))) continue;
      const key = `${r.uuid}@${String(r.timestamp)}`;
      const list = holders.get(key) ?? [];
      list.push({ file: i, end, rank: '' });
      holders.set(key, list);
    }
    for (const list of holders.values())
      for (const h of list) if (h.file === i) h.rank = `${first ?? '\uffff'} ${session}`;
  });
  const out: { at: number; file: number; upTo: number }[][] = files.map(() => []);
  for (const list of holders.values()) {
    if (new Set(list.map((h) => h.file)).size < 2) continue;
    const owner = [...list].sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))[0]!;
    for (const h of list)
      if (h.file !== owner.file) out[h.file]!.push({ at: h.end, file: owner.file, upTo: owner.end });
  }
  return out;
}

interface Life {
  child: ChildProcess;
  exit: Promise<void>;
}

export class LiveWorld {
  readonly home: Home;
  private server!: ServerProcess;
  private readonly written: number[];
  private readonly needs: { at: number; file: number; upTo: number }[][];
  private life: Life | null = null;
  private lives = 0;
  private failNext: number | null = null;
  private readonly random: () => number;
  private readonly faultTimers = new Set<NodeJS.Timeout>();
  private readonly logs: string[] = [];

  constructor(
    dir: string,
    private readonly files: readonly InputFile[],
    private readonly history: History,
  ) {
    this.home = makeHome(path.join(dir, 'live'));
    this.written = files.map(() => 0);
    this.needs = prerequisites(files);
    this.random = seeded(history.seed);
  }

  async start(): Promise<void> {
    this.server = await startServerProcess(this.history.seed);
    await registerAndConfigure(this.home, this.server, this.history.batchSize);
    for (const f of this.files) {
      fs.mkdirSync(path.dirname(path.join(this.home.root, f.target)), { recursive: true });
    }
    this.startLife();
  }

  get serverProcess(): ServerProcess {
    return this.server;
  }

  /** What each life printed, for the report of a failing history. */
  get lifeLogs(): readonly string[] {
    return this.logs;
  }

  async play(): Promise<void> {
    for (const a of this.history.actions) await this.step(a);
  }

  /** Writes what is left of every file, then the final idle sync and drain. */
  async finish(): Promise<void> {
    for (let i = 0; i < this.files.length; i++) this.append(i, Number.MAX_SAFE_INTEGER);
    await this.clearFaults();
    await this.stopLife('SIGTERM');
    backdate(this.home, this.files);
    await settle(this.home);
  }

  async close(): Promise<void> {
    for (const t of this.faultTimers) clearTimeout(t);
    await this.stopLife('SIGKILL');
    await this.server?.stop();
  }

  private async step(a: Action): Promise<void> {
    switch (a.kind) {
      case 'append':
        this.append(a.file % this.files.length, a.bytes);
        return;
      case 'wait':
        await sleep(a.ms);
        return;
      case 'kill':
        await sleep(a.afterMs);
        await this.stopLife('SIGKILL');
        this.startLife();
        return;
      case 'restart':
        await this.stopLife('SIGTERM');
        this.startLife();
        return;
      case 'failCommits':
        this.failNext = a.probability;
        await this.stopLife('SIGKILL');
        this.startLife();
        return;
      case 'fault':
        await this.fault(a.fault, a.probability, a.ms);
        return;
      case 'replace':
        this.replace(a.file % this.files.length);
        return;
      case 'rebuild':
        await this.stopLife('SIGKILL');
        for (const suffix of ['', '-wal', '-shm'])
          fs.rmSync(`${this.home.databasePath}${suffix}`, { force: true });
        this.startLife();
        return;
      case 'oneShot':
        await this.stopLife('SIGTERM');
        await runCli(this.home, ['sync'], this.lifeEnv());
        this.startLife();
        return;
      default:
        return a satisfies never;
    }
  }

  /** Appends the next `bytes` of a file, after what other files must hold first (resume copies). */
  private append(i: number, bytes: number): void {
    const f = this.files[i]!;
    const to = Math.min(f.content.length, this.written[i]! + bytes);
    for (const need of this.needs[i]!) {
      if (need.at <= to && this.written[need.file]! < need.upTo)
        this.append(need.file, need.upTo - this.written[need.file]!);
    }
    if (to <= this.written[i]!) return;
    fs.appendFileSync(path.join(this.home.root, f.target), f.content.subarray(this.written[i], to));
    this.written[i] = to;
  }

  private replace(i: number): void {
    const p = path.join(this.home.root, this.files[i]!.target);
    if (!fs.existsSync(p)) return;
    fs.copyFileSync(p, `${p}.tmp`);
    fs.renameSync(`${p}.tmp`, p);
  }

  private async fault(type: FaultType, probability: number, ms: number): Promise<void> {
    await this.server.admin('POST', 'faults/random', [
      { fault: faultOf(type), probability, match: { path: '/collectors/' } },
    ]);
    const t = setTimeout(() => {
      this.faultTimers.delete(t);
      void this.server.admin('DELETE', 'faults').catch(() => undefined);
    }, ms);
    this.faultTimers.add(t);
  }

  private async clearFaults(): Promise<void> {
    for (const t of this.faultTimers) clearTimeout(t);
    this.faultTimers.clear();
    await this.server.admin('DELETE', 'faults');
  }

  private lifeEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { AIOBSCURA_DISCOVERY_SEED: String(Math.floor(this.random() * 1e9)) };
    if (this.failNext !== null) {
      env.AIOBSCURA_FAIL_COMMITS = `${Math.floor(this.random() * 1e9)}:${this.failNext}`;
      this.failNext = null;
    }
    return env;
  }

  private startLife(): void {
    const n = ++this.lives;
    const err = path.join(this.home.root, `life-${n}.err`);
    const fd = fs.openSync(err, 'w');
    const child = spawn(process.execPath, [CLI, 'sync', '--watch'], {
      env: { ...this.home.env, ...this.lifeEnv() },
      stdio: ['ignore', 'ignore', fd],
    });
    fs.closeSync(fd);
    const exit = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        this.logs.push(`life ${n}: exit ${code ?? signal}\n${fs.readFileSync(err, 'utf8')}`);
        resolve();
      }),
    );
    this.life = { child, exit };
  }

  private async stopLife(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const life = this.life;
    if (!life) return;
    this.life = null;
    if (life.child.exitCode === null && life.child.signalCode === null) life.child.kill(signal);
    const killer = setTimeout(() => life.child.kill('SIGKILL'), 20_000);
    await life.exit;
    clearTimeout(killer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
