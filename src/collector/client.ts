/**
 * The transport: one attempt per call, no retry inside (STYLE rule 7; the retry layer wraps `sendEvents`).
 * Every call resolves to an outcome value (see `outcome.ts`) and never throws for a server or network
 * failure. `registerCollector` is the exception: it runs once from `collector register`, whose caller needs
 * one error to print, so it throws a `CollectorError`.
 *
 * The API key lives only in this closure's headers: it is not a property of the client, and every body,
 * header value and error text coming back is scrubbed of it before it becomes a detail.
 */

import { classifyCompleteResponse, classifyEventsResponse, classifyStatusResponse } from './classify.js';
import { CollectorConfigError, CollectorHttpError, CollectorNetworkError } from './errors.js';
import { type FetchOnceRequest, fetchOnce } from './fetch-once.js';
import type { CompleteBody, CompleteOutcome, EventsOutcome, StatusOutcome } from './outcome.js';
import { isRecord, parseJsonBody, serverDetail } from './response-body.js';
import type { Transport } from './transport.js';
import type { EventBatch } from './types.js';
import { endpoint } from './url.js';

/** CatSyphon's proxy and its own answers are tiny; anything past 1 MiB is not an answer we can use. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface ClientOptions {
  /** Normalized `server_url` (see `normalizeServerUrl`). */
  serverUrl: string;
  collectorId: string;
  apiKey: string;
  /** Bounds each whole request, body included (`timeout_secs` × 1000). */
  timeoutMs: number;
  /** @default 'aiobscura' */
  userAgent?: string;
  /** @default 1 MiB */
  maxResponseBytes?: number;
  /** Test-only: called with `B http <n>` before and `E http <n>` after each request (`AIOBSCURA_PHASE_FILE`). */
  phase?: ((line: string) => void) | undefined;
  /** Proxies and trusted authorities (`createTransport`); without it, a direct connection and Node's store. */
  transport?: Transport;
}

export interface CollectorClient {
  sendEvents(batch: EventBatch, signal?: AbortSignal): Promise<EventsOutcome>;
  sessionStatus(sessionId: string, signal?: AbortSignal): Promise<StatusOutcome>;
  completeSession(sessionId: string, body: CompleteBody, signal?: AbortSignal): Promise<CompleteOutcome>;
}

/** Short names the publisher uses. */
export type Client = CollectorClient;
export type { Outcome } from './outcome.js';

export function createClient(opts: ClientOptions): CollectorClient {
  const timeoutMs = positive('timeout_secs', opts.timeoutMs);
  const maxResponseBytes = positive('maxResponseBytes', opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  if (opts.apiKey === '')
    throw new CollectorConfigError('api_key', 'api_key is empty: run collector register');
  const auth = {
    Authorization: `Bearer ${opts.apiKey}`,
    'X-Collector-ID': opts.collectorId,
    Accept: 'application/json',
    'User-Agent': opts.userAgent ?? 'aiobscura',
  };
  const request = async (method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal) => {
    const req: FetchOnceRequest = {
      method,
      url: endpoint(opts.serverUrl, path),
      headers: body === undefined ? auth : { ...auth, 'Content-Type': 'application/json' },
      timeoutMs,
      maxResponseBytes,
      secret: opts.apiKey,
    };
    if (opts.transport) {
      req.dispatcher = await opts.transport.dispatcher();
      req.proxyNote = opts.transport.proxyNote;
    }
    if (body !== undefined) req.body = JSON.stringify(body);
    if (signal) req.signal = signal;
    return opts.phase ? marked(opts.phase, () => fetchOnce(req)) : fetchOnce(req);
  };

  return {
    async sendEvents(batch, signal) {
      const result = await request('POST', '/collectors/events', batch, signal);
      if (!result.ok) return result.failure;
      return classifyEventsResponse(result.response, batch.events.length, new Date());
    },
    async sessionStatus(sessionId, signal) {
      const path = sessionPath(sessionId);
      if (path === null) return unaddressable(sessionId);
      const result = await request('GET', path, undefined, signal);
      if (!result.ok) return result.failure;
      return classifyStatusResponse(result.response, new Date());
    },
    async completeSession(sessionId, body, signal) {
      const path = sessionPath(sessionId);
      if (path === null) return unaddressable(sessionId);
      const result = await request('POST', `${path}/complete`, body, signal);
      if (!result.ok) return result.failure;
      return classifyCompleteResponse(result.response, new Date());
    },
  };
}

let requestNo = 0;

/** Wraps one request in phase markers: a `B http n` without its `E` proves a kill while it was in flight. */
async function marked<T>(phase: (line: string) => void, start: () => Promise<T>): Promise<T> {
  const n = ++requestNo;
  phase(`B http ${n}`);
  try {
    return await start();
  } finally {
    phase(`E http ${n}`);
  }
}

/**
 * `/collectors/sessions/<id>` with the id percent-encoded, or null when no encoding can address it: `%2F` is
 * decoded before routing (contract §9), and `.`/`..` are dot segments that URL parsing removes even when
 * written `%2E`.
 */
export function sessionPath(sessionId: string): string | null {
  if (sessionId === '' || sessionId === '.' || sessionId === '..' || sessionId.includes('/')) return null;
  return `/collectors/sessions/${encodeURIComponent(sessionId)}`;
}

function unaddressable(sessionId: string) {
  const detail = `session id ${JSON.stringify(sessionId.slice(0, 80))} cannot be used in a URL path (not sent)`;
  return { kind: 'clientBug', status: 0, detail } as const;
}

function positive(key: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new CollectorConfigError(key, `${key} must be a positive number, got ${value}`);
  }
  return value;
}

export interface RegisterBody {
  collector_type: string;
  collector_version: string;
  hostname: string;
  workspace_id: string;
  metadata?: Record<string, unknown>;
}

export interface Registration {
  collector_id: string;
  api_key: string;
  api_key_prefix: string;
  created_at: string;
}

/**
 * `POST /collectors` (contract §3, no auth). Returns the credentials, shown once by the server, or throws a
 * `CollectorHttpError` / `CollectorNetworkError` whose message names the URL and the fix. A 2xx body is never
 * quoted in an error: it may hold the new key.
 */
export async function registerCollector(
  serverUrl: string,
  body: RegisterBody,
  timeoutMs: number,
  transport?: Transport,
): Promise<Registration> {
  const url = endpoint(serverUrl, '/collectors');
  const req: FetchOnceRequest = {
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'aiobscura' },
    body: JSON.stringify(body),
    timeoutMs: positive('timeout_secs', timeoutMs),
    maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  };
  if (transport) {
    req.dispatcher = await transport.dispatcher();
    req.proxyNote = transport.proxyNote;
  }
  const result = await fetchOnce(req);
  if (!result.ok) {
    const f = result.failure;
    const reason = f.kind === 'transient' || f.kind === 'paused' ? f.reason : 'cancelled';
    throw new CollectorNetworkError('POST', url, reason, result.failure.detail);
  }
  const r = result.response;
  if (r.status >= 200 && r.status < 300) {
    const json = parseJsonBody(r);
    const fields = ['collector_id', 'api_key', 'api_key_prefix', 'created_at'] as const;
    if (isRecord(json) && fields.every((f) => typeof json[f] === 'string' && json[f] !== '')) {
      const { collector_id, api_key, api_key_prefix, created_at } = json as unknown as Registration;
      return { collector_id, api_key, api_key_prefix, created_at };
    }
    const detail = 'the body is not {collector_id, api_key, api_key_prefix, created_at}';
    throw new CollectorHttpError(
      'POST',
      url,
      r.status,
      detail,
      'check that --server-url is the CatSyphon API',
    );
  }
  if (r.status >= 300 && r.status < 400) {
    const location = r.headers.get('location') ?? '(no Location)';
    const fix = 'redirects are not followed; use the final address as --server-url';
    throw new CollectorHttpError('POST', url, r.status, `redirect to ${location}`, fix);
  }
  throw new CollectorHttpError(
    'POST',
    url,
    r.status,
    serverDetail(r),
    registerFix(r.status, serverDetail(r)),
  );
}

function registerFix(status: number, detail: string): string {
  if (status === 404 && detail.startsWith('Workspace ')) {
    return 'check --workspace-id; a workspace is created with POST /setup/workspaces';
  }
  if (status === 404 || status === 405) return 'check --server-url: it must be the CatSyphon API';
  if (status === 422) return 'check --workspace-id (a UUID) and the other fields';
  if (status >= 500) return 'the server failed; collector_type must fit 50 chars and type@hostname 255';
  return '';
}
