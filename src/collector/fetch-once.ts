/**
 * One HTTP attempt, bounded in time and size; no retry, no interpretation of the status (that is
 * `classify.ts`). Either a response view (body read, key scrubbed) or the outcome of having none.
 *
 * - `timeoutMs` covers connect, headers AND the body: a server that sends headers and then trickles or stalls
 *   cannot hold the publisher past it.
 * - The timer and the caller's signal are combined by hand instead of `AbortSignal.any`: a daemon combines
 *   its one long-lived shutdown signal with every request, and `AbortSignal.any` keeps each combined signal
 *   alive as a dependant of the long-lived one (nodejs/node#55351, confirmed), while here the listener is
 *   removed and the timer cleared when the attempt ends.
 * - At most `maxResponseBytes` of the (decoded) body are read; the rest is cancelled and `truncated` is set.
 * - `redirect: 'manual'`: a 3xx comes back as itself and is never followed, so neither the key nor a
 *   transcript can be sent to another host.
 * - A refused certificate comes back as `paused` (see `tls.ts`), any other transport failure as transient.
 */
import type { Dispatcher } from 'undici';
import { scrubSecret } from './errors.js';
import type { CommonOutcome, TransientReason } from './outcome.js';
import type { ResponseView } from './response-body.js';
import { describeTls } from './tls.js';
import { loadUndici } from './transport.js';

export interface FetchOnceRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
  /** Scrubbed from the body and headers of the response and from error details. */
  secret?: string;
  /** Proxies and trusted authorities (`transport.ts`); undici's plain default when absent. */
  dispatcher?: Dispatcher;
  /** Added to network failure details: which proxy the request went through. */
  proxyNote?: string | null;
}

export type Failure = Extract<CommonOutcome, { kind: 'transient' | 'cancelled' | 'paused' }>;

export type FetchOnceResult = { ok: true; response: ResponseView } | { ok: false; failure: Failure };

export async function fetchOnce(req: FetchOnceRequest): Promise<FetchOnceResult> {
  const where = `${req.method} ${req.url}`;
  // Before the timer starts (loading the HTTP client is not the server's time), and before the abort check:
  // a signal that fired during this await would never call the listener added below.
  const { fetch } = await loadUndici();
  if (req.signal?.aborted) return { ok: false, failure: cancelled(where) };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${req.timeoutMs} ms`, 'TimeoutError'));
  }, req.timeoutMs);
  const onCallerAbort = () => controller.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const scrub = (text: string) => (req.secret ? scrubSecret(text, req.secret) : text);
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      // Bytes, not a string: fetch would first check a string for lone surrogates character by character
      // (WebIDL USVString), a visible cost on 768 KiB bodies; the text is already valid (sanitize.ts).
      body: req.body === undefined ? null : Buffer.from(req.body, 'utf8'),
      redirect: 'manual',
      signal: controller.signal,
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    });
    const { text, truncated } = await readBounded(res, req.maxResponseBytes);
    const headers = {
      get: (name: string) => {
        const value = res.headers.get(name);
        return value === null ? null : scrub(value);
      },
    };
    const response = {
      status: res.status,
      headers,
      bodyText: scrub(text),
      contentType: headers.get('content-type'),
      truncated,
    };
    return { ok: true, response };
  } catch (err) {
    // Decide by what fired, not by the error's shape: undici reports an abort differently in each phase.
    if (timedOut) {
      return {
        ok: false,
        failure: transient('timeout', `${where}: no complete answer within ${req.timeoutMs} ms`),
      };
    }
    if (req.signal?.aborted) return { ok: false, failure: cancelled(where) };
    const { reason, code, message } = networkReason(err);
    const via = req.proxyNote ? ` [${req.proxyNote}]` : '';
    const tls = code === null ? null : describeTls(code);
    if (tls) {
      const detail = scrub(`${where}: ${tls.sentence} (${code}: ${message})${via}`);
      if (tls.verification) {
        return { ok: false, failure: { kind: 'paused', reason: 'tls-certificate', status: 0, detail } };
      }
      return { ok: false, failure: transient('tls', detail) };
    }
    return {
      ok: false,
      failure: transient(reason, scrub(`${where}: ${describe(reason, code, message)}${via}`)),
    };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCallerAbort);
    // Tears down a body we stopped reading; a no-op once the body was read to the end.
    controller.abort();
  }
}

interface BodySource {
  body: ReadableStream<Uint8Array> | null;
}

async function readBounded(res: BodySource, max: number): Promise<{ text: string; truncated: boolean }> {
  if (res.body === null) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      truncated = true;
      // Not awaited: a never-ending body must not keep us here; the finally's abort closes the connection.
      reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  // Non-fatal decoding: a cut in the middle of a character becomes U+FFFD instead of an exception.
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}

function transient(reason: TransientReason, detail: string): Failure {
  return { kind: 'transient', reason, status: null, detail };
}

function cancelled(where: string): Failure {
  return { kind: 'cancelled', detail: `${where}: cancelled before an answer (shutting down)` };
}

const CODES: [RegExp, TransientReason][] = [
  [/^ECONNREFUSED$/, 'refused'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|ECONNABORTED)$/, 'reset'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)$/, 'dns'],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, 'timeout'],
  [/^(EHOSTUNREACH|ENETUNREACH|ENETDOWN|EHOSTDOWN)$/, 'unreachable'],
];

/** fetch wraps the socket error as `TypeError('fetch failed', {cause})`; the code sits somewhere in the chain. */
function networkReason(err: unknown): { reason: TransientReason; code: string | null; message: string } {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') {
      const hit = CODES.find(([pattern]) => pattern.test(code));
      return { reason: hit ? hit[1] : 'network', code, message: current.message || message };
    }
    if (current.message) message = current.message;
    current = current.cause;
  }
  return { reason: 'network', code: null, message };
}

const FIX: Record<TransientReason, string> = {
  timeout: 'the server or network is slow; timeout_secs bounds each request',
  reset: 'the connection was closed before the answer was complete',
  refused: 'is CatSyphon running at server_url?',
  dns: 'check the host name in server_url',
  unreachable: 'check the network and the host in server_url',
  tls: 'the TLS handshake failed',
  network: 'network error',
  server: 'server error',
};

function describe(reason: TransientReason, code: string | null, message: string): string {
  return `${message}${code ? ` (${code})` : ''} — ${FIX[reason]}`;
}
