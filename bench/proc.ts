/** Running the compiled CLI (and other programs) as whole processes: wall time, exit code, peak RSS. */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';
import { spawn } from '../test/support/spawn.js';

/** The program users run: `package.json`'s `bin` (the bundled CLI), else the plain `tsc` output. */
export const CLI = (() => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  const bin = pkg.bin?.aiobscura;
  return path.join(REPO_ROOT, bin && fs.existsSync(path.join(REPO_ROOT, bin)) ? bin : 'dist/src/cli/main.js');
})();
const GNU_TIME = '/usr/bin/time';

/** What a CLI run is pointed at; `config` names a file that does not exist, so the defaults apply. */
export interface CliTarget {
  db: string;
  config: string;
  claudeDir: string;
  codexDir: string;
}

/**
 * An empty config file: the runs measure the defaults, and a `--config` naming a file that does not exist is
 * an error (a typo there must not silently mean "defaults").
 */
export function noConfig(workDir: string): string {
  const file = path.join(workDir, 'no-config.toml');
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(file, '# intentionally empty: the benchmarks run with the defaults\n');
  return file;
}

export function cliArgs(t: CliTarget, ...rest: string[]): string[] {
  return [
    CLI,
    '--db',
    t.db,
    '--config',
    t.config,
    '--claude-dir',
    t.claudeDir,
    '--codex-dir',
    t.codexDir,
    ...rest,
  ];
}

export interface ProcessResult {
  /** From just before `spawn` to the child's exit, in milliseconds. */
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment every measured process runs with: this one's, with HOME and the agents' own directory
 * variables pointed at an empty directory, so no agent directory of the machine's user (whose logs would be
 * read and timed) is found by default; the runs name their directories with flags.
 */
export const BENCH_ENV: NodeJS.ProcessEnv = (() => {
  const home = path.join(REPO_ROOT, 'bench', '.work', 'empty-home');
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'data') };
  for (const v of [
    'CLAUDE_CONFIG_DIR',
    'CODEX_HOME',
    'GEMINI_CLI_HOME',
    'COPILOT_HOME',
    'PI_CODING_AGENT_DIR',
  ])
    delete env[v];
  return env;
})();

export function runProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = BENCH_ENV,
  onSpawn?: (child: ChildProcess) => void,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let wallMs = 0;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('exit', () => {
      wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    });
    child.on('close', (code) =>
      resolve({
        wallMs,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** Runs `node <CLI> …` and fails loudly on a non-zero exit. */
export async function runCli(t: CliTarget, ...rest: string[]): Promise<ProcessResult> {
  const res = await runProcess(process.execPath, cliArgs(t, ...rest));
  if (res.code !== 0)
    throw new Error(`aiobscura ${rest.join(' ')} exited ${res.code}: ${res.stderr.slice(0, 2000)}`);
  return res;
}

export interface PeakResult extends ProcessResult {
  peakRssBytes: number;
  /** The run was stopped with SIGTERM at the time limit; the peak is the peak until then. */
  timedOut: boolean;
  /** `gnu-time` (wait4 ru_maxrss, exact) or `proc-poll` (VmHWM sampled every 20 ms, may miss a last spike). */
  method: 'gnu-time' | 'proc-poll';
}

/** SIGTERM to the children of `pid` (the program under `/usr/bin/time`), or to `pid` itself if it has none. */
function terminateUnder(pid: number): void {
  let children: number[] = [];
  try {
    children = fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // no /proc children list: stop the wrapper itself
  }
  for (const p of children.length > 0 ? children : [pid]) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs a command and reports the kernel's high-water mark of its resident set. Past `timeoutMs` the command
 * gets SIGTERM (sync then commits its current chunk and exits), so a regression cannot stall the whole bench.
 */
export async function runWithPeakRss(
  cmd: string,
  args: string[],
  tmpDir: string,
  timeoutMs: number,
): Promise<PeakResult> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (child: ChildProcess) => {
    timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) terminateUnder(child.pid);
    }, timeoutMs);
  };
  try {
    if (fs.existsSync(GNU_TIME)) {
      const out = path.join(tmpDir, `time-${process.pid}-${Date.now()}.txt`);
      const res = await runProcess(GNU_TIME, ['-f', '%M', '-o', out, cmd, ...args], BENCH_ENV, arm);
      const kb = Number.parseInt(fs.readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '', 10);
      fs.rmSync(out, { force: true });
      return { ...res, peakRssBytes: kb * 1024, method: 'gnu-time', timedOut };
    }
    const res = await pollPeak(cmd, args, arm);
    return { ...res, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

async function pollPeak(
  cmd: string,
  args: string[],
  onSpawn: (child: ChildProcess) => void,
): Promise<Omit<PeakResult, 'timedOut'>> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { env: BENCH_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  onSpawn(child);
  let peakKb = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m?.[1]) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // the process is gone: the last sample stands
    }
  };
  const timer = setInterval(sample, 20);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  clearInterval(timer);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    wallMs,
    code,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    peakRssBytes: peakKb * 1024,
    method: 'proc-poll',
  };
}

/** Sum of utime + stime of a live process, in seconds (`/proc/<pid>/stat`, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: field 3 is the state, so utime (14) and stime (15) are at indexes 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Total size of a SQLite database with its WAL and shared-memory files. */
export function dbBytes(db: string): number {
  let n = 0;
  for (const f of [db, `${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) n += fs.statSync(f).size;
  return n;
}

export function removeDb(db: string): void {
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.lock`, `${db}.lock.pid`])
    fs.rmSync(f, { force: true });
}
