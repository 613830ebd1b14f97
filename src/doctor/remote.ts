/**
 * The checks that talk to the server, each one request with a short timeout: reachability (`GET /health`),
 * the clock (that answer's `Date` header) and the credentials (an authenticated session-status call, the same
 * request `collector status SESSION` makes). The API key appears only as its 12-character prefix.
 */
import type { CollectorConfig } from '../config/index.js';
import { type CheckResult, fail, ok, warn } from './types.js';

/** Beyond a minute, CatSyphon's times (`last_event_at`, completion) and ours disagree visibly. */
export const MAX_SKEW_MS = 60_000;

export interface RemoteOptions {
  /** Bounds each request; the smaller of this and `timeout_secs`. */
  timeoutMs: number;
  clock?: () => number;
}

const REGISTER_FIX =
  '`aiobscura collector register --force --server-url <url> --workspace-id <uuid>` writes new credentials';

export async function checkServer(collector: CollectorConfig, opts: RemoteOptions): Promise<CheckResult[]> {
  if (!collector.enabled) {
    const detail = 'collector disabled: not checked';
    return [ok('server', detail), ok('credentials', detail), ok('clock', detail)];
  }
  const clock = opts.clock ?? Date.now;
  // Loaded only when publishing is on, as sync does.
  const { normalizeServerUrl, clientFor, fetchOnce, endpoint } = await import('../collector/index.js');
  let base: string;
  try {
    base = normalizeServerUrl(collector.serverUrl ?? '', collector.allowInsecureHttp);
  } catch (err) {
    const notChecked = 'not checked: server_url is unusable';
    return [
      fail('server', (err as Error).message, 'fix collector.server_url in the config file'),
      warn('credentials', notChecked),
      warn('clock', notChecked),
    ];
  }
  const timeoutMs = Math.max(1, Math.min(opts.timeoutMs, collector.timeoutSecs * 1000));
  const url = endpoint(base, '/health');
  const sentAt = clock();
  const health = await fetchOnce({
    method: 'GET',
    url,
    headers: { Accept: 'application/json', 'User-Agent': 'aiobscura-doctor' },
    timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  const receivedAt = clock();
  if (!health.ok) {
    const notChecked = 'not checked: server unreachable';
    return [
      fail(
        'server',
        health.failure.detail,
        `check collector.server_url (${base}) and that the server is running`,
      ),
      warn('credentials', notChecked),
      warn('clock', notChecked),
    ];
  }
  const r = health.response;
  const elapsed = receivedAt - sentAt;
  const server =
    r.status >= 200 && r.status < 300
      ? ok('server', `${url} answered ${r.status} in ${elapsed} ms`)
      : warn(
          'server',
          `${url} answered ${r.status} in ${elapsed} ms (reachable, but not healthy)`,
          r.status === 404 ? 'check that collector.server_url is the CatSyphon API' : 'check the server logs',
        );
  return [
    server,
    await checkCredentials(collector, clientFor, timeoutMs),
    checkClock(r.headers.get('date'), sentAt, receivedAt),
  ];
}

/** Server time minus local time, against the middle of the request (the `Date` header has 1 s resolution). */
export function checkClock(dateHeader: string | null, sentAt: number, receivedAt: number): CheckResult {
  const serverMs = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  if (!Number.isFinite(serverMs)) {
    return warn(
      'clock',
      `the server sent no usable Date header (${JSON.stringify(dateHeader)}): skew unknown`,
    );
  }
  const skewMs = serverMs - (sentAt + receivedAt) / 2;
  // The header drops milliseconds: up to 1 s of the difference is rounding, not skew.
  const seconds = Math.round(skewMs / 1000);
  const text = `server clock ${seconds >= 0 ? 'ahead of' : 'behind'} this machine by ${Math.abs(seconds)} s`;
  if (Math.abs(skewMs) > MAX_SKEW_MS + 1000) {
    return warn(
      'clock',
      `${text} (more than ${MAX_SKEW_MS / 1000} s)`,
      'enable time sync (NTP) on this machine or the server',
    );
  }
  return ok('clock', text);
}

async function checkCredentials(
  collector: CollectorConfig,
  clientFor: typeof import('../collector/index.js').clientFor,
  timeoutMs: number,
): Promise<CheckResult> {
  if (!collector.collectorId || !collector.apiKey) {
    return fail('credentials', 'collector_id or api_key is not set', REGISTER_FIX);
  }
  const who = `collector ${collector.collectorId}, key ${collector.apiKey.slice(0, 12)}…`;
  const client = clientFor({ ...collector, timeoutSecs: timeoutMs / 1000 });
  // A session id no collector uses: the server checks the credentials before it looks the session up.
  const outcome = await client.sessionStatus('aiobscura-doctor-probe');
  switch (outcome.kind) {
    case 'notFound':
    case 'status':
    case 'foreignSession':
      return ok('credentials', `accepted (${who})`);
    case 'paused':
      if (outcome.reason === 'unauthorized')
        return fail(
          'credentials',
          `refused with ${outcome.status}: ${outcome.detail} (${who})`,
          REGISTER_FIX,
        );
      if (outcome.reason === 'collector-disabled')
        return fail(
          'credentials',
          `the server disabled this collector (${who})`,
          `ask the server's administrator to enable it, or ${REGISTER_FIX}`,
        );
      return fail('credentials', `refused: ${outcome.detail} (${who})`, REGISTER_FIX);
    case 'transient':
    case 'throttled':
    case 'cancelled':
      return warn('credentials', `not confirmed: ${outcome.detail}`, 'run doctor again');
    default:
      return warn(
        'credentials',
        `unexpected answer (${outcome.kind}): ${'detail' in outcome ? outcome.detail : ''}`,
        'check that collector.server_url is the CatSyphon API',
      );
  }
}
