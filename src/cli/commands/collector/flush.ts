/**
 * `collector flush`: asks the running `sync` (SIGUSR1), or publishes everything itself under the sync lock.
 * It goes on while rounds make progress (issue 9 §8: a healthy server is never given up on) and stops only
 * when a round acknowledges nothing, on SIGINT/SIGTERM, or at `--timeout SECS`. On a terminal it shows a
 * counter of the events published on stderr; on a pipe it prints only the outcome.
 */
import cliProgress from 'cli-progress';
import type { ResolvedConfig } from '../../../config/index.js';
import { openDatabase } from '../../../store/index.js';
import { LockHeldError, SyncLock } from '../../../sync/index.js';
import { type Out, plural, printJson } from '../../output.js';
import { applyPendingRequests } from './requests.js';
import { CommandError, collectorModule, configuredServer, signalExit } from './shared.js';

export interface FlushOptions {
  json?: boolean;
  /** Seconds; without it there is no deadline. */
  timeout?: number;
}

export async function flushCommand(config: ResolvedConfig, opts: FlushOptions, out: Out): Promise<number> {
  if (!config.collector.enabled)
    throw new CommandError('the collector is disabled (collector.enabled = false)');
  let lock: SyncLock;
  try {
    lock = SyncLock.acquire(config.databasePath);
  } catch (err) {
    if (err instanceof LockHeldError && err.holderPid) {
      process.kill(err.holderPid, 'SIGUSR1');
      if (opts.json) printJson(out, { delegated_to: err.holderPid });
      else out.stdout(`asked the running sync (PID ${err.holderPid}) to publish now\n`);
      return 0;
    }
    throw err;
  }
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    stoppedBy = sig;
    stop.abort();
  };
  // Another `collector flush` or `resume` signals the lock holder: this one is publishing already, and its
  // requests are applied before the lock is released. Without a handler SIGUSR1 would end the process.
  const onRequest = () => undefined;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGUSR1', onRequest);
  try {
    const result = await drainHere(config, opts, stop.signal, out);
    if (stoppedBy !== null) return signalExit(stoppedBy);
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGUSR1', onRequest);
    lock.release();
  }
}

/** The drain itself, with the lock held: pending requests first and last, progress on a terminal. */
async function drainHere(
  config: ResolvedConfig,
  opts: FlushOptions,
  signal: AbortSignal,
  out: Out,
): Promise<number> {
  const c = await collectorModule();
  const db = openDatabase(config.databasePath);
  try {
    applyPendingRequests(c, db, config);
    const publisher = c.createPublisher(db, config.collector, {
      log: (level, m) => out.stderr(`${level}: ${m}\n`),
    });
    const total = c.backfillEstimate(db, config.collector, configuredServer(c, config) ?? '').events;
    const bar = out.isTTY && !opts.json ? progressBar(total) : null;
    let published = 0;
    const result = await publisher.drain(opts.timeout === undefined ? null : opts.timeout * 1000, {
      signal,
      timeoutReason: `--timeout ${opts.timeout} s reached`,
      onProgress: (n) => {
        published = n;
        // The estimate counts messages; a split or refused event can make the real count differ a little.
        if (bar && n > bar.getTotal()) bar.setTotal(n);
        bar?.update(n);
      },
    });
    bar?.stop();
    applyPendingRequests(c, db, config);
    if (opts.json)
      printJson(out, {
        remaining_sessions: result.remainingSessions,
        reason: result.reason,
        published_events: published,
      });
    else if (result.remainingSessions === 0)
      out.stdout(`everything publishable was acknowledged (${plural(published, 'event')} published)\n`);
    else out.stdout(`${plural(result.remainingSessions, 'session')} still queued: ${result.reason}\n`);
    return result.remainingSessions === 0 ? 0 : 1;
  } finally {
    db.close();
  }
}

function progressBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    {
      format: 'flush [{bar}] {value}/{total} events',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(1, total), 0);
  return bar;
}
