import chokidar from 'chokidar';
import type { ResolvedConfig } from '../config/index.js';
import { type Db, openDatabase } from '../store/index.js';
import { SyncLock } from './lock.js';
import { type PassEvents, type PassSummary, SyncPass } from './pass.js';

export interface SyncOptions {
  watch: boolean;
  events?: PassEvents;
  /** Called after every pass in watch mode (and once in one-shot mode). */
  onPass?: (summary: PassSummary) => void;
  /** Registers SIGINT/SIGTERM/SIGUSR1 handlers; tests that drive `runSync` in-process pass a signal. */
  handleSignals?: boolean;
  signal?: AbortSignal;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** What publishing left behind when sync ended (null when the collector is disabled). */
export interface PublishReport {
  remainingSessions: number;
  reason: string | null;
}

export interface SyncResult extends PassSummary {
  publish: PublishReport | null;
}

/** The slice of the publisher sync needs; the collector module is loaded only when enabled. */
interface Publishing {
  start(): void;
  notify(touched?: { sessions: Iterable<string>; all: boolean }): void;
  flushNow(): void;
  drain(timeoutMs: number): Promise<PublishReport>;
  stop(): Promise<void>;
}

async function loadPublisher(
  db: Db,
  config: ResolvedConfig,
  log: SyncOptions['log'],
): Promise<Publishing | null> {
  if (!config.collector.enabled) return null;
  // Imported here so that with `enabled = false` no collector code is even loaded.
  const { createPublisher } = await import('../collector/index.js');
  return createPublisher(db, config.collector, { log, crashAt: config.crashAt });
}

/**
 * `aiobscura sync [--watch]`: takes the process lock, then runs passes; with the collector enabled it
 * publishes after each committed chunk. A stop request (first SIGINT or SIGTERM) lets the current
 * transaction commit, publishes what is pending within `shutdown_timeout_secs`, and ends cleanly; a second
 * SIGINT exits at once, which is still safe because every committed chunk carries its own checkpoint and a
 * cursor moves only after the server acknowledged.
 */
export async function runSync(config: ResolvedConfig, opts: SyncOptions): Promise<SyncResult> {
  const lock = SyncLock.acquire(config.databasePath);
  const db = openDatabase(config.databasePath, { maxPageCount: config.maxPageCount });
  let stopRequested = false;
  let wake: (() => void) | null = null;
  // Paths named by file-system events since the last pass (an event during a pass starts the next at once).
  const changed = new Set<string>();
  let pending = false;
  let fullRescanDue = false;
  let publisher: Publishing | null = null;
  const stop = () => {
    stopRequested = true;
    wake?.();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested && sig === 'SIGINT') process.exit(130);
    stop();
  };
  const onFlush = () => publisher?.flushNow();
  if (opts.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGUSR1', onFlush);
  }
  opts.signal?.addEventListener('abort', stop);
  const watcher = opts.watch
    ? watchRoots(config, (file) => {
        if (file === null) fullRescanDue = true;
        else changed.add(file);
        pending = true;
        wake?.();
      })
    : null;
  try {
    publisher = await loadPublisher(db, config, opts.log);
    // Publishing runs beside ingest (after each committed chunk), in one-shot sync as in watch mode.
    publisher?.start();
    // Changes made while the watcher is still setting up would be seen only by the next rescan.
    if (watcher) await watcherReady(watcher, 5_000);
    const pass = new SyncPass(db, config);
    const shouldStop = () => stopRequested;
    const events: PassEvents = {
      ...opts.events,
      onProgress: (bytes, file) => {
        opts.events?.onProgress?.(bytes, file);
        publisher?.notify(pass.takeTouched());
      },
    };
    let summary = await pass.run(shouldStop, events);
    let lastFullPass = Date.now();
    publisher?.notify(pass.takeTouched());
    opts.onPass?.(summary);
    while (opts.watch && !stopRequested) {
      // File-system events are only a hint that something changed; the periodic rescan is the guarantee
      // (events are lost on overflow, network file systems and some editors' save patterns).
      await new Promise<void>((resolve) => {
        if (pending) return resolve();
        const timer = setTimeout(() => {
          fullRescanDue = true;
          resolve();
        }, config.pollMs);
        wake = () => {
          clearTimeout(timer);
          // A short settle delay batches the burst of events one append produces.
          setTimeout(resolve, stopRequested ? 0 : 25);
        };
      });
      wake = null;
      pending = false;
      if (stopRequested) break;
      // Events name the files to look at; the periodic rescan (also under a steady stream of events) walks
      // the whole tree.
      const full = fullRescanDue || Date.now() - lastFullPass >= config.pollMs;
      const hint = full ? undefined : new Set(changed);
      changed.clear();
      fullRescanDue = false;
      if (full) lastFullPass = Date.now();
      summary = await pass.run(shouldStop, events, hint);
      publisher?.notify(pass.takeTouched());
      opts.onPass?.(summary);
    }
    let publish: PublishReport | null = null;
    if (publisher) {
      await publisher.stop();
      publish = await publisher.drain(config.collector.shutdownTimeoutSecs * 1000);
    }
    return { ...summary, publish };
  } finally {
    // After a failed pass (a full disk) the publisher must stop before its database closes under it.
    await publisher?.stop();
    await watcher?.close();
    if (opts.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGUSR1', onFlush);
    }
    opts.signal?.removeEventListener('abort', stop);
    db.close();
    lock.release();
  }
}

/** `onChange(null)` asks for a full rescan (a file disappeared: it may have moved). */
function watchRoots(config: ResolvedConfig, onChange: (file: string | null) => void) {
  const watcher = chokidar.watch([config.claudeDir, config.codexDir], {
    ignoreInitial: true,
    persistent: true,
    depth: 8,
    ignored: (p, stats) => stats?.isFile() === true && !/\.jsonl(\.zst)?$/.test(p),
  });
  watcher
    .on('add', (file) => onChange(file))
    .on('change', (file) => onChange(file))
    .on('unlink', () => onChange(null));
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
