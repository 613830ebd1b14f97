import chokidar from 'chokidar';
import type { ResolvedConfig } from '../config/index.js';
import { openDatabase } from '../store/index.js';
import { SyncLock } from './lock.js';
import { type PassEvents, type PassSummary, SyncPass } from './pass.js';

export interface SyncOptions {
  watch: boolean;
  events?: PassEvents;
  /** Called after every pass in watch mode (and once in one-shot mode). */
  onPass?: (summary: PassSummary) => void;
  /** Registers SIGINT/SIGTERM handlers; tests that drive `runSync` in-process pass their own signal. */
  handleSignals?: boolean;
  signal?: AbortSignal;
}

/**
 * `aiobscura sync [--watch]`: takes the process lock, then runs passes. A stop request (first SIGINT or
 * SIGTERM) lets the current transaction commit and ends cleanly; a second SIGINT exits at once, which is
 * still safe because every committed chunk carries its own checkpoint.
 */
export async function runSync(config: ResolvedConfig, opts: SyncOptions): Promise<PassSummary> {
  const lock = SyncLock.acquire(config.databasePath);
  const db = openDatabase(config.databasePath);
  let stopRequested = false;
  let wake: (() => void) | null = null;
  // Set by a file-system event that arrives while a pass is running, so the next pass starts at once.
  let pending = false;
  const stop = () => {
    stopRequested = true;
    wake?.();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested && sig === 'SIGINT') process.exit(130);
    stop();
  };
  if (opts.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  opts.signal?.addEventListener('abort', stop);
  const watcher = opts.watch
    ? watchRoots(config, () => {
        pending = true;
        wake?.();
      })
    : null;
  try {
    // Changes made while the watcher is still setting up would be seen only by the next rescan.
    if (watcher) await watcherReady(watcher, 5_000);
    const pass = new SyncPass(db, config);
    const shouldStop = () => stopRequested;
    let summary = await pass.run(shouldStop, opts.events);
    opts.onPass?.(summary);
    while (opts.watch && !stopRequested) {
      // File-system events are only a hint that something changed; the periodic rescan is the guarantee
      // (events are lost on overflow, network file systems and some editors' save patterns).
      await new Promise<void>((resolve) => {
        if (pending) return resolve();
        const timer = setTimeout(resolve, config.pollMs);
        wake = () => {
          clearTimeout(timer);
          // A short settle delay batches the burst of events one append produces.
          setTimeout(resolve, stopRequested ? 0 : 25);
        };
      });
      wake = null;
      pending = false;
      if (stopRequested) break;
      summary = await pass.run(shouldStop, opts.events);
      opts.onPass?.(summary);
    }
    return summary;
  } finally {
    await watcher?.close();
    if (opts.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    opts.signal?.removeEventListener('abort', stop);
    db.close();
    lock.release();
  }
}

function watchRoots(config: ResolvedConfig, onChange: () => void) {
  const watcher = chokidar.watch([config.claudeDir, config.codexDir], {
    ignoreInitial: true,
    persistent: true,
    depth: 8,
    ignored: (p, stats) => stats?.isFile() === true && !/\.jsonl(\.zst)?$/.test(p),
  });
  watcher.on('add', onChange).on('change', onChange).on('unlink', onChange);
  // A missing root or an unwatchable directory must not stop sync: the rescan still covers it.
  watcher.on('error', () => undefined);
  return watcher;
}

function watcherReady(watcher: ReturnType<typeof chokidar.watch>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    watcher.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
