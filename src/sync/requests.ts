/**
 * The lock holder's side of collector requests (collector/requests.ts): `collector resume` and `register`
 * record a request and send SIGUSR1; `sync` applies them between passes. The collector module is imported
 * only when asked, so a sync with the collector disabled loads it only if a request comes.
 */
import type { ResolvedConfig } from '../config/index.js';
import type { Db } from '../store/index.js';

type Log = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

export interface RequestHost {
  /** The running configuration. */
  config(): ResolvedConfig;
  /** The configuration file as it is now, or null (logged) when it cannot be read. */
  readConfig(): ResolvedConfig | null;
  /** Makes `next` the running configuration (the live part), logging what changed. */
  adopt(next: ResolvedConfig): void;
  /** Stops publishing (no batch in flight afterwards) and starts it again with the running configuration. */
  stopPublisher(): Promise<void>;
  startPublisher(): Promise<void>;
  reloadFailed(err: unknown): void;
  log: Log;
}

/**
 * Applies the open requests, if any: the config file is re-read first (the command acted on it: register
 * wrote new credentials, resume --reset-cursors follows a server_url change), the publisher is stopped, the
 * requests are applied (each in one transaction with its result), and a new publisher starts.
 */
export async function applyCollectorRequests(db: Db, host: RequestHost): Promise<void> {
  const c = await import('../collector/index.js');
  if (!c.hasOpenRequests(db)) return;
  let next = host.readConfig();
  try {
    // What only the collector checks (server_url's scheme and loopback rule), before anything stops.
    if (next?.collector.enabled)
      c.normalizeServerUrl(next.collector.serverUrl ?? '', next.collector.allowInsecureHttp);
  } catch (err) {
    host.reloadFailed(err);
    next = null;
  }
  await host.stopPublisher();
  if (next) host.adopt(next);
  const cc = host.config().collector;
  const serverUrl = cc.serverUrl ? c.normalizeServerUrl(cc.serverUrl, cc.allowInsecureHttp) : null;
  for (const done of c.applyOpenRequests(db, serverUrl, new Date().toISOString())) {
    const what = done.result.ok ? 'applied' : `refused: ${done.result.error}`;
    host.log('info', `collector request ${done.id} from PID ${done.requestedBy ?? '?'} ${what}`, {
      event: 'collector-request',
      id: done.id,
      result: done.result,
    });
  }
  await host.startPublisher();
}
