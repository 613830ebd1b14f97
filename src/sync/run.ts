import fs from 'node:fs';
import chokidar from 'chokidar';
import { openPhaseMarker, type ResolvedConfig } from '../config/index.js';
import { type Db, openDatabase } from '../store/index.js';
import { SyncLock } from './lock.js';
import { type PassEvents, type PassSummary, SyncPass } from './pass.js';
import { applicableConfig, describeChange, diffConfig } from './reload.js';
import { applyCollectorRequests } from './requests.js';

export interface SyncOptions {
  watch: boolean;
  events?: PassEvents;
  /** Called after every pass in watch mode (and once in one-shot mode). */
  onPass?: (summary: PassSummary) => void;
  /** Registers SIGINT/SIGTERM/SIGUSR1 handlers; tests that drive `runSync` in-process pass a signal. */
  handleSignals?: boolean;
  signal?: AbortSignal;
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  /**
   * Re-reads the configuration (file, environment and the original flags) on SIGHUP in watch mode; throws a
   * `ConfigError` for an invalid file, which is logged while the running configuration stays.
   */
  reloadConfig?: () => ResolvedConfig;
}

/** What publishing left behind when sync ended (null when the collector is disabled). */
export interface PublishReport {
  remainingSessions: number;
  reason: string | null;
}

export interface SyncResult extends PassSummary {
  publish: PublishReport | null;
  /** The signal that asked sync to stop (SIGINT or SIGTERM), or null: the CLI's exit code says so. */
  stoppedBy: NodeJS.Signals | null;
}

/** The slice of the publisher sync needs; the collector module is loaded only when enabled. */
interface Publishing {
  start(): void;
  /** Sessions (a live set) not to publish for now. */
  hold(sessions: ReadonlySet<string>): void;
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
  return createPublisher(db, config.collector, {
    log,
    crashAt: config.crashAt,
    phase: openPhaseMarker(config.phaseFile),
  });
}

/**
 * `aiobscura sync [--watch]`: takes the process lock, then runs passes; with the collector enabled it
 * publishes after each committed chunk. A stop request (first SIGINT or SIGTERM) lets the current
 * transaction commit, publishes what is pending within `shutdown_timeout_secs`, and ends cleanly; a second
 * SIGINT exits at once, which is still safe because every committed chunk carries its own checkpoint and a
 * cursor moves only after the server acknowledged.
 */
export async function runSync(initialConfig: ResolvedConfig, opts: SyncOptions): Promise<SyncResult> {
  // Replaced by a SIGHUP reload (watch mode) with the values that can apply live.
  let config = initialConfig;
  const lock = SyncLock.acquire(config.databasePath);
  const db = openDatabase(config.databasePath, { maxPageCount: config.maxPageCount });
  const pass = new SyncPass(db, config);
  let stopRequested = false;
  let wake: (() => void) | null = null;
  // Paths named by file-system events since the last pass (an event during a pass starts the next at once).
  const changed = new Set<string>();
  let pending = false;
  let fullRescanDue = false;
  let publisher: Publishing | null = null;
  let reloadRequested = false;
  const stop = () => {
    stopRequested = true;
    wake?.();
  };
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested && sig === 'SIGINT') process.exit(130);
    stoppedBy ??= sig;
    stop();
  };
  // SIGUSR1 is "publish now, and look at your requests" (`collector flush`, `resume`, `register`).
  let requestsPending = false;
  const onFlush = () => {
    publisher?.flushNow();
    requestsPending = true;
    wake?.();
  };
  const onHangup = () => {
    reloadRequested = true;
    wake?.();
  };
  // Only the daemon reloads; a one-shot sync keeps SIGHUP's default (end the process with its terminal).
  const handleHangup = opts.handleSignals === true && opts.watch;
  if (opts.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGUSR1', onFlush);
  }
  if (handleHangup) process.on('SIGHUP', onHangup);
  const log = opts.log ?? (() => undefined);
  /**
   * Between passes only: nothing is being written, and the publisher is stopped (its in-flight request is
   * cancelled, which is safe because a cursor moves only after the server acknowledged; the new publisher
   * sends it again and the server deduplicates by hash) before one with the new settings starts.
   */
  const reloadFailed = (err: unknown) => {
    // ConfigError lists one problem per indented line; a log line must stay one line.
    const error = (err as Error).message.replace(/:\n\s+/, ': ').replace(/\n\s+/g, '; ');
    log('warn', `config reload failed, keeping the running configuration: ${error}`, {
      event: 'config-reload-failed',
      config: config.configPath,
      error,
    });
  };
  const readConfig = (): ResolvedConfig | null => {
    try {
      if (!opts.reloadConfig) throw new Error('this sync has no configuration file to re-read');
      return opts.reloadConfig();
    } catch (err) {
      reloadFailed(err);
      return null;
    }
  };
  /** Takes the values of `next` that apply live and logs what changed (`quiet`: only when something did). */
  const adopt = (next: ResolvedConfig, quiet = true) => {
    const changes = diffConfig(config, next);
    const live = changes.filter((c) => c.live);
    if (!quiet || changes.length > 0)
      log(
        'info',
        `config reloaded from ${config.configPath}: ${live.length ? live.map(describeChange).join(', ') : 'nothing to apply'}`,
        { event: 'config-reloaded', config: config.configPath, changes: live },
      );
    for (const c of changes.filter((c) => !c.live)) {
      log('warn', `${describeChange(c)} needs a restart of sync to take effect`, {
        event: 'config-needs-restart',
        change: c,
      });
    }
    config = applicableConfig(config, next);
  };
  const reload = async () => {
    const next = readConfig();
    if (!next) return;
    const collectorChanged = diffConfig(config, next).some((c) => c.live && c.key.startsWith('collector.'));
    let nextPublisher: Publishing | null = null;
    if (collectorChanged) {
      try {
        // Built before the running one stops: a value only the collector checks (server_url's scheme and
        // loopback rule) makes the reload fail as a whole instead of leaving nothing publishing.
        nextPublisher = await loadPublisher(db, applicableConfig(config, next), opts.log);
      } catch (err) {
        return reloadFailed(err);
      }
    }
    adopt(next, false);
    if (!collectorChanged) return;
    await publisher?.stop();
    publisher = nextPublisher;
    publisher?.hold(pass.sessionsInProgress);
    publisher?.start();
    publisher?.notify();
  };
  const handleRequests = () => {
    requestsPending = false;
    return applyCollectorRequests(db, {
      config: () => config,
      readConfig,
      adopt,
      reloadFailed,
      log,
      stopPublisher: async () => publisher?.stop(),
      startPublisher: async () => {
        publisher = await loadPublisher(db, config, opts.log);
        publisher?.start();
        publisher?.notify();
      },
    });
  };
  opts.signal?.addEventListener('abort', stop);
  const roots = opts.watch
    ? watchRoots(config, (file) => {
        if (file === null) fullRescanDue = true;
        else changed.add(file);
        pending = true;
        wake?.();
      })
    : null;
  try {
    publisher = await loadPublisher(db, config, opts.log);
    // Requests a previous holder of the lock left open are applied before anything is published.
    if (config.collector.enabled) await handleRequests();
    // Publishing runs beside ingest (after each committed chunk), in one-shot sync as in watch mode.
    publisher?.start();
    // Changes made while the watcher is still setting up would be seen only by the next rescan.
    if (roots) await roots.ready(5_000);
    publisher?.hold(pass.sessionsInProgress);
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
        if (pending || reloadRequested || requestsPending) return resolve();
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
      if (stopRequested) break;
      if (reloadRequested) {
        reloadRequested = false;
        await reload();
        if (stopRequested) break;
        if (!pending && !fullRescanDue && !requestsPending) continue;
      }
      if (requestsPending) {
        await handleRequests();
        if (stopRequested) break;
        if (!pending && !fullRescanDue) continue;
      }
      pending = false;
      // Events name the files to look at; the periodic rescan (also under a steady stream of events) walks
      // the whole tree.
      const full = fullRescanDue || Date.now() - lastFullPass >= config.pollMs;
      const hint = full ? undefined : new Set(changed);
      changed.clear();
      fullRescanDue = false;
      if (full) {
        lastFullPass = Date.now();
        roots?.addAppeared();
      }
      summary = await pass.run(shouldStop, events, hint);
      publisher?.notify(pass.takeTouched());
      opts.onPass?.(summary);
    }
    // A request that came during the last pass (or a one-shot sync) is applied before the lock is released.
    if (requestsPending) await handleRequests();
    let publish: PublishReport | null = null;
    if (publisher) {
      await publisher.stop();
      publish = await publisher.drain(config.collector.shutdownTimeoutSecs * 1000);
    }
    return { ...summary, publish, stoppedBy };
  } finally {
    // After a failed pass (a full disk) the publisher must stop before its database closes under it.
    await publisher?.stop();
    await roots?.watcher.close();
    // close() removes every listener, but a scan already under way (a symlink loop being stat'ed) can still
    // report an error afterwards: without a listener that error would crash the process on its way out.
    roots?.watcher.on('error', () => undefined);
    if (opts.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGUSR1', onFlush);
    }
    if (handleHangup) process.off('SIGHUP', onHangup);
    opts.signal?.removeEventListener('abort', stop);
    db.close();
    lock.release();
  }
}

/** Names of the files a pass may read: session logs, a legacy Gemini JSON session, an OpenCode database. */
const WATCHED = /\.(jsonl(\.zst)?|json|db|db-wal)$/;

/**
 * Watches the agents' log roots that exist. `onChange(null)` asks for a full rescan (a file disappeared: it
 * may have moved). A root that does not exist is not given to chokidar: with one missing root, chokidar 4
 * reports `ready` before it watches anything and the first changes go unreported (most machines lack most
 * agents). Such a root is added by `addAppeared`, which each full rescan calls, once the agent creates it.
 */
function watchRoots(config: ResolvedConfig, onChange: (file: string | null) => void) {
  const all = [...new Set(Object.values(config.dirs))];
  const watched = new Set(all.filter((d) => fs.existsSync(d)));
  const watcher = chokidar.watch([...watched], {
    ignoreInitial: true,
    persistent: true,
    depth: 8,
    ignored: (p, stats) => stats?.isFile() === true && !WATCHED.test(p),
  });
  watcher
    .on('add', (file) => onChange(file))
    .on('change', (file) => onChange(file))
    .on('unlink', () => onChange(null));
  // An unwatchable directory must not stop sync: the rescan still covers it.
  watcher.on('error', () => undefined);
  return {
    watcher,
    ready: (timeoutMs: number) => (watched.size === 0 ? Promise.resolve() : watcherReady(watcher, timeoutMs)),
    addAppeared: () => {
      for (const d of all) {
        if (watched.has(d) || !fs.existsSync(d)) continue;
        watched.add(d);
        watcher.add(d);
      }
    },
  };
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
