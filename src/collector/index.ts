/**
 * The collector's public surface. `sync/` imports this module dynamically and only when
 * `collector.enabled = true`, so a disabled collector loads none of this code.
 */
import type { CollectorConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import { createClient } from './client.js';
import { Publisher } from './publisher.js';
import { createTransport } from './transport.js';
import { normalizeServerUrl } from './url.js';

export type CrashPoint = 'after-202-before-commit' | 'between-batches';

export interface PublisherOptions {
  log?: ((level: 'info' | 'warn', message: string) => void) | undefined;
  /** The reliability suite's deterministic crash point (`AIOBSCURA_CRASH_AT`), if any. */
  crashAt?: string | null | undefined;
  /** Test-only phase markers around each HTTP request (`AIOBSCURA_PHASE_FILE`). */
  phase?: ((line: string) => void) | undefined;
}

export const COLLECTOR_VERSION = '0.1.0';

/**
 * Proxies come from the process environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), trusted authorities from
 * `ca_file` and NODE_EXTRA_CA_CERTS. Throws a `CollectorConfigError` naming `ca_file` if it is unusable.
 */
export function transportFor(config: CollectorConfig) {
  return createTransport({ caFile: config.caFile, env: process.env });
}

/** The one-attempt HTTP client for the configured server and credentials. */
export function clientFor(config: CollectorConfig, phase?: (line: string) => void) {
  return createClient({
    phase,
    transport: transportFor(config),
    serverUrl: normalizeServerUrl(config.serverUrl ?? '', config.allowInsecureHttp),
    collectorId: config.collectorId ?? '',
    apiKey: config.apiKey ?? '',
    timeoutMs: config.timeoutSecs * 1000,
    userAgent: `aiobscura/${COLLECTOR_VERSION}`,
  });
}

export function createPublisher(db: Db, config: CollectorConfig, opts: PublisherOptions = {}): Publisher {
  const serverUrl = normalizeServerUrl(config.serverUrl ?? '', config.allowInsecureHttp);
  const client = clientFor(config, opts.phase);
  return new Publisher(
    db,
    { ...config, serverUrl },
    {
      client,
      log: opts.log,
      crashPoint: (point) => {
        if (opts.crashAt === point) process.kill(process.pid, 'SIGKILL');
      },
    },
  );
}

export { type BackfillEstimate, backfillEstimate } from './backfill.js';
export { createClient, registerCollector } from './client.js';
export { maskSecret } from './errors.js';
export { fetchOnce } from './fetch-once.js';
export type { GlobalState } from './global-state.js';
export { messageEvents, sessionStartEvent, validateEvent, wireSessionId } from './mapping.js';
export { mappingOptionsFor } from './mapping-options.js';
export type { CompleteOutcome, StatusOutcome } from './outcome.js';
export { Publisher } from './publisher.js';
export * from './report.js';
export {
  applyOpenRequests,
  applyResume,
  hasOpenRequests,
  type ResumeRequest,
  type ResumeResult,
  recordRequest,
  requestResult,
} from './requests.js';
export { SessionSelector } from './selection.js';
export { SessionTracker } from './tracker.js';
export type { CollectorEvent } from './types.js';
export { endpoint, normalizeServerUrl } from './url.js';
