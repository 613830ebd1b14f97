/**
 * What the `collector …` commands share. Every command loads the collector module lazily, so `sync` with the
 * collector disabled never loads collector code through these files.
 */
import type { ResolvedConfig } from '../../../config/index.js';
import { type Db, openDatabase } from '../../../store/index.js';

export const collectorModule = () => import('../../../collector/index.js');
export type CollectorModule = Awaited<ReturnType<typeof collectorModule>>;

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Commands that change collector state: the database opened for writing. */
export function withDb<T>(config: ResolvedConfig, fn: (db: Db) => T, mode: 'read' | 'write' = 'write'): T {
  const db = openDatabase(config.databasePath, mode === 'read' ? { readonly: true } : {});
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Reading commands: the database may not be writable (store's `readonly` open; issue 11, item 10). */
export function readDb<T>(config: ResolvedConfig, fn: (db: Db) => T): T {
  return withDb(config, fn, 'read');
}

/**
 * The configured server as the publisher names it (normalized), so what a command reads or writes refers
 * to the same server as the cursors; the configured text when it does not normalize (status still reports).
 */
export function configuredServer(c: CollectorModule, config: ResolvedConfig): string | null {
  const url = config.collector.serverUrl;
  if (url === null) return null;
  try {
    return c.normalizeServerUrl(url, config.collector.allowInsecureHttp);
  } catch {
    return url;
  }
}

/** The exit status of a process ended by `signal` (128 + its number), as shells report it. */
export function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}
