/**
 * Outage soak (issue 4, item 2): `aiobscura sync --watch` with the collector on keeps ingesting real records
 * while the server refuses every connection; the backlog grows by at least `events`; the daemon's memory must
 * stay flat; once the server is back everything drains, in order, with nothing missing or stored twice.
 *
 * Timeline (t = 0 when the daemon is spawned):
 *   0 … warmup      the writer appends at the soak's rate, the server is up; RSS at `warmup` is the baseline
 *   warmup …        outage (connections refused) for `outageS`, longer if the backlog has not grown enough
 *   outage off      the writer stops; the daemon recovers on its own (or is asked to, `flushOnRecovery`)
 *   drained         no session has a publishable message after its cursor
 *   settled         open assistant groups closed by idle time are published too (skipped with settleS = 0)
 * Then SIGTERM, and the per-session check of verify.ts.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CliTarget, cliArgs, runProcess } from '../../bench/proc.js';
import { collectorConfig } from '../../bench/server-proc.js';
import { spawn } from '../../test/support/spawn.js';
import { PacedWriter, SoakWriter } from './generator.js';
import { LocalProbe, RssSampler } from './probe.js';
import { type SoakServer, startSoakServer } from './server.js';
import { type Verification, verifySoak } from './verify.js';

export interface SoakOptions {
  /** Minimum outage, in seconds (extended until the backlog grew by `events`). */
  outageS: number;
  /** Minimum backlog growth during the outage, in events. */
  events: number;
  seed: number;
  /** Live session files the writer appends to. */
  sessions: number;
  /** Seconds from the daemon's start to the RSS baseline (and the outage). */
  warmupS: number;
  /** Ask the daemon to publish at once when the server is back (`collector flush`), instead of waiting for its backoff. */
  flushOnRecovery: boolean;
  /** After the drain, how long to wait for open groups to close and be published (0: don't wait). */
  settleS: number;
  /** Keep the temporary directory (database, logs, config) for inspection. */
  keep?: boolean;
  /** Extra `[collector]` keys (the command uses the defaults). */
  collector?: Record<string, number | boolean>;
  log: (msg: string) => void;
}

export interface SoakResult {
  options: Omit<SoakOptions, 'log'>;
  /** Records/s the writer appended. */
  rate: number;
  recordsWritten: number;
  outageMs: number;
  /** Events of messages first stored during the outage (the backlog's growth). */
  backlogGrowth: number;
  /** Rows the server stored between outage off and the drain: the backlog it had to catch up on. */
  backlogDrained: number;
  baselineRss: number;
  peakRss: number;
  /** Peak RSS while the backlog drained (not a criterion: publishing at full speed churns the heap). */
  drainPeakRss: number;
  /** Milliseconds from outage off to the first row stored after it. */
  recoveryMs: number | null;
  /** Milliseconds from outage off until nothing publishable was left (null: not within the limit). */
  drainMs: number | null;
  /** backlogDrained over the time from the first row after the outage to the drain. */
  drainRate: number | null;
  /** The daemon's RSS, one sample a second: [ms since its start, bytes]. */
  rssCurve: [number, number][];
  /** Server rows sampled every 250 ms from outage off: [ms since outage off, rows]. */
  drainCurve: [number, number][];
  settled: boolean;
  daemonExit: { code: number | null; signal: NodeJS.Signals | null };
  verification: Verification;
}

const SAMPLE_MS = 250;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

interface Daemon {
  child: ChildProcess;
  passes(): number;
  warnings(): number;
  lastWarnings(): string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDaemon(target: CliTarget): Daemon {
  const child = spawn(process.execPath, cliArgs(target, 'sync', '--watch', '--json', '--no-progress'), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let passes = 0;
  let warnings = 0;
  const last: string[] = [];
  child.stdout!.on('data', (b: Buffer) => {
    passes += b
      .toString('utf8')
      .split('\n')
      .filter((l) => l.startsWith('{')).length;
  });
  // Only a count and the latest lines are kept: an outage makes the daemon log every failed round.
  let partial = '';
  child.stderr!.on('data', (b: Buffer) => {
    const lines = (partial + b.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      warnings++;
      last.push(l);
      if (last.length > 5) last.shift();
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, passes: () => passes, warnings: () => warnings, lastWarnings: () => last, exited };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = SAMPLE_MS) {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return false;
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const { log } = opts;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-soak-'));
  const claudeDir = path.join(root, 'claude');
  const codexDir = path.join(root, 'codex');
  fs.mkdirSync(path.join(codexDir, 'sessions'), { recursive: true });
  let server: SoakServer | null = null;
  let daemon: Daemon | null = null;
  let rss: RssSampler | null = null;
  let paced: PacedWriter | null = null;
  let probe: LocalProbe | null = null;
  try {
    server = await startSoakServer(opts.seed);
    const creds = await server.register();
    const target: CliTarget = {
      db: path.join(root, 'data.db'),
      config: collectorConfig(path.join(root, 'config.toml'), server.url, creds, opts.collector ?? {}),
      claudeDir,
      codexDir,
    };
    const writer = new SoakWriter(claudeDir, opts.sessions, opts.seed);
    // Enough per second that the outage alone grows the backlog past the target, with a margin.
    const rate = Math.ceil((opts.events * 1.2) / opts.outageS);
    writer.append(opts.sessions * 3);
    log(`soak: ${opts.sessions} sessions, ${rate} records/s, outage >= ${opts.outageS} s`);

    daemon = startDaemon(target);
    rss = new RssSampler(daemon.child.pid!, SAMPLE_MS);
    const d = daemon;
    if (
      !(await until(() => d.passes() > 0 || d.child.exitCode !== null, 60_000)) ||
      d.child.exitCode !== null
    )
      throw new Error(`sync --watch did not complete its first pass: ${d.lastWarnings().join('\n')}`);
    probe = new LocalProbe(target.db);
    paced = new PacedWriter(writer, rate);
    paced.start();

    // Baseline: the median of the samples around `warmup` (one sample can land on either side of a GC).
    const warmupMs = opts.warmupS * 1000;
    await sleep(warmupMs + SAMPLE_MS * 1.5 - rss.now());
    const baselineRss = median(rss.between(warmupMs - SAMPLE_MS * 1.5, warmupMs + SAMPLE_MS * 1.5));

    const p = probe;
    const outageWall = Date.now();
    const messagesBefore = p.messages();
    const outageFrom = rss.now();
    await server.outage(true);
    log(`soak: outage on (baseline RSS ${(baselineRss / 2 ** 20).toFixed(1)} MiB)`);
    // The outage lasts `outageS`, and longer while fewer messages than `events` were stored during it (each
    // message maps to at least one event, so this is a lower bound of the growth); a hard stop at 5 × outageS.
    const minEnd = performance.now() + opts.outageS * 1000;
    let lastLog = 0;
    await until(
      () => {
        const grown = p.messages() - messagesBefore;
        if (performance.now() - lastLog >= 10_000) {
          lastLog = performance.now();
          const mib = ((rss?.samples.at(-1)?.bytes ?? 0) / 2 ** 20).toFixed(1);
          log(`soak: outage, ${grown} messages stored meanwhile, daemon RSS ${mib} MiB`);
        }
        // A second's worth of margin: a message read just before the outage began can commit just after.
        return performance.now() >= minEnd && grown >= opts.events + rate;
      },
      opts.outageS * 5000,
      1000,
    );
    paced.stop();
    const outageTo = rss.now();
    const outageEndWall = Date.now();
    const peakRss = Math.max(0, ...rss.between(outageFrom, outageTo));
    const rowsAtOff = await server.storedRows();
    await server.outage(false);
    const offAt = performance.now();
    log(
      `soak: outage off after ${((outageTo - outageFrom) / 1000).toFixed(1)} s, ${writer.records} records written`,
    );
    if (opts.flushOnRecovery) {
      const r = await runProcess(process.execPath, cliArgs(target, 'collector', 'flush'));
      if (r.code !== 0) throw new Error(`collector flush exited ${r.code}: ${r.stderr}`);
    }

    const curve: [number, number][] = [];
    let firstRowAt: number | null = null;
    let drainedAt: number | null = null;
    let rowsAtDrain = rowsAtOff;
    // The server comes back after the daemon's round pauses have grown: up to 15 min each (DESIGN.md §3.4).
    const drainLimitMs = Math.max(300_000, opts.outageS * 3000);
    await until(async () => {
      const rows = await server!.storedRows();
      const at = performance.now() - offAt;
      curve.push([Math.round(at), rows]);
      if (firstRowAt === null && rows > rowsAtOff) firstRowAt = at;
      if (curve.length % 40 === 0) log(`soak: draining, ${rows - rowsAtOff} rows stored since outage off`);
      if (p.pendingSessions() === 0) {
        drainedAt = at;
        // The cursor moves only after the 202, so these rows are all on the server by now.
        rowsAtDrain = await server!.storedRows();
        return true;
      }
      return false;
    }, drainLimitMs);
    const drainMs: number | null = drainedAt;
    const drainPeakRss = Math.max(0, ...rss.between(outageTo, rss.now()));
    const recoveryMs: number | null = firstRowAt;
    log(`soak: drained in ${drainMs === null ? 'never' : `${(drainMs / 1000).toFixed(1)} s`}`);

    let settled = opts.settleS === 0;
    if (opts.settleS > 0) settled = await until(() => p.unsentMessages() === 0, opts.settleS * 1000);

    d.child.kill('SIGTERM');
    const daemonExit = await d.exited;
    rss.stop();
    probe.close();
    probe = null;
    const verification = await verifySoak(target.db, server, { fromMs: outageWall, toMs: outageEndWall });
    const backlogDrained = rowsAtDrain - rowsAtOff;
    const drainRate =
      drainMs !== null && recoveryMs !== null && drainMs > recoveryMs
        ? backlogDrained / ((drainMs - recoveryMs) / 1000)
        : null;
    const { log: _log, ...options } = opts;
    return {
      options,
      rate,
      recordsWritten: writer.records,
      outageMs: outageTo - outageFrom,
      backlogGrowth: verification.inWindow,
      backlogDrained,
      baselineRss,
      peakRss,
      drainPeakRss,
      recoveryMs,
      drainMs,
      drainRate,
      rssCurve: rss.samples.filter((_, i) => i % 4 === 0).map((x) => [Math.round(x.atMs), x.bytes]),
      drainCurve: curve,
      settled,
      daemonExit,
      verification,
    };
  } finally {
    paced?.stop();
    rss?.stop();
    probe?.close();
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
    await server?.stop();
    if (opts.keep) log(`soak: kept ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  }
}
