import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, registerCollector } from '../../src/collector/client.js';
import { CollectorHttpError, CollectorNetworkError, maskSecret } from '../../src/collector/errors.js';
import type { EventBatch } from '../../src/collector/types.js';

/**
 * Real loopback servers written here with node:http, one per test, each scripted for one behaviour. They
 * record what they received so tests can assert on the wire (headers, paths) and on what did NOT happen.
 */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
  host = '127.0.0.1',
): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const s: TestServer = { url: `http://${host}:${port}`, port, seen, close };
  servers.push(s);
  return s;
}

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Shaped like a real key (`cs_live_` + 43 chars), with `+`, `/` and `=` so its encodings all differ. */
const API_KEY = 'cs_live_Ab+Cd/Ef=Gh+Ij/Kl=Mn+Op/Qr=St+Uv/Wx=Yz0123456';
const COLLECTOR_ID = '2507de67-41c3-44d8-815a-e424de0d4434';

const BATCH: EventBatch = {
  session_id: 'research-session-001',
  events: [
    {
      type: 'session_start',
      emitted_at: '2026-02-24T10:00:00Z',
      observed_at: '2026-02-24T10:00:01Z',
      event_hash: '0123456789abcdef0123456789abcdef',
      data: { agent_type: 'claude-code' },
    },
    {
      type: 'message',
      emitted_at: '2026-02-24T10:00:02Z',
      observed_at: '2026-02-24T10:00:03Z',
      event_hash: '13c9fc4b072646f73c7273a29d0ab99a',
      data: { author_role: 'human', message_type: 'prompt', content: 'Implement auth' },
    },
  ],
};

function client(url: string, extra: { timeoutMs?: number; maxResponseBytes?: number } = {}) {
  return createClient({
    serverUrl: url,
    collectorId: COLLECTOR_ID,
    apiKey: API_KEY,
    timeoutMs: extra.timeoutMs ?? 2000,
    userAgent: 'aiobscura/test',
    ...(extra.maxResponseBytes ? { maxResponseBytes: extra.maxResponseBytes } : {}),
  });
}

/** A port nothing listens on: bind, read the port, close. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('sendEvents over real HTTP', () => {
  it('202: sends the headers and body the contract requires, returns accepted', async () => {
    const s = await serve((_req, res) =>
      json(res, 202, { accepted: 2, last_sequence: 8, conversation_id: 'c', warnings: [] }),
    );
    const o = await client(s.url).sendEvents(BATCH);
    expect(o).toEqual({ kind: 'accepted', accepted: 2, lastSequence: 8 });
    const [req] = s.seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/collectors/events');
    expect(req?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req?.headers['x-collector-id']).toBe(COLLECTOR_ID);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['user-agent']).toBe('aiobscura/test');
    expect(JSON.parse(req?.body ?? '')).toEqual(BATCH);
  });

  it('a base ending in /api (the web UI proxy) gets /collectors/... appended', async () => {
    const s = await serve((_req, res) => json(res, 202, { accepted: 2, last_sequence: 2 }));
    expect((await client(`${s.url}/api`).sendEvents(BATCH)).kind).toBe('accepted');
    expect(s.seen[0]?.url).toBe('/api/collectors/events');
  });

  it('200 index.html is a protocol error', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body><div id="root"></div></body></html>');
    });
    const o = await client(s.url).sendEvents(BATCH);
    expect(o).toMatchObject({ kind: 'protocol', status: 200 });
  });

  it('307 to another address is never followed', async () => {
    const other = await serve((_req, res) => json(res, 202, { accepted: 2, last_sequence: 2 }), '127.0.0.2');
    const location = `${other.url}/collectors/events`;
    const s = await serve((_req, res) => {
      res.writeHead(307, { location });
      res.end();
    });
    const o = await client(s.url).sendEvents(BATCH);
    expect(o).toEqual({ kind: 'redirect', status: 307, location });
    // Give a (wrongly) followed request time to arrive before asserting it never did.
    await new Promise((r) => setTimeout(r, 100));
    expect(other.seen).toHaveLength(0);
    expect(s.seen).toHaveLength(1);
  });

  it('a server that never answers: transient/timeout within the timeout plus a small margin', async () => {
    const s = await serve(() => {
      /* never respond */
    });
    const started = Date.now();
    const o = await client(s.url, { timeoutMs: 300 }).sendEvents(BATCH);
    const elapsed = Date.now() - started;
    expect(o).toMatchObject({ kind: 'transient', reason: 'timeout', status: null });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 700);
  });

  it('headers then a body that trickles forever: the timeout covers the body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.write('{"accepted": 2, ');
      const t = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(t));
    });
    const started = Date.now();
    const o = await client(s.url, { timeoutMs: 300 }).sendEvents(BATCH);
    expect(o).toMatchObject({ kind: 'transient', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(300 + 700);
  });

  it('a never-ending fast body is cut at maxResponseBytes: protocol for a 2xx, without hanging', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
          /* until backpressure */
        }
      };
      res.on('drain', pump);
      pump();
    });
    const started = Date.now();
    const o = await client(s.url, { timeoutMs: 5000, maxResponseBytes: 64 * 1024 }).sendEvents(BATCH);
    expect(o).toMatchObject({ kind: 'protocol', status: 202 });
    if (o.kind === 'protocol') expect(o.detail).toContain('cut off');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an oversized error body keeps its status meaning, with a bounded, marked detail', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('E'.repeat(2 * 1024 * 1024));
    });
    const o = await client(s.url).sendEvents(BATCH);
    expect(o).toMatchObject({ kind: 'transient', reason: 'server', status: 500 });
    if (o.kind === 'transient') {
      expect(o.detail.length).toBeLessThan(600);
      expect(o.detail).toContain('[truncated]');
    }
  });

  it('an oversized 202 (default 1 MiB limit) is a protocol error', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(`{"accepted": 2, "last_sequence": 2, "pad": "${'x'.repeat(1024 * 1024 + 10)}"}`);
    });
    expect(await client(s.url).sendEvents(BATCH)).toMatchObject({ kind: 'protocol', status: 202 });
  });

  it('connection reset before any answer: transient/reset', async () => {
    const s = await serve((req) => req.socket.destroy());
    expect(await client(s.url).sendEvents(BATCH)).toMatchObject({
      kind: 'transient',
      reason: 'reset',
      status: null,
    });
  });

  it('connection reset after the headers, mid-body: transient/reset', async () => {
    const s = await serve((req, res) => {
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"accepted"');
      setTimeout(() => req.socket.destroy(), 20);
    });
    expect(await client(s.url).sendEvents(BATCH)).toMatchObject({ kind: 'transient', reason: 'reset' });
  });

  it('connection refused: transient/refused naming the URL', async () => {
    const port = await closedPort();
    const o = await client(`http://127.0.0.1:${port}`).sendEvents(BATCH);
    expect(o).toMatchObject({ kind: 'transient', reason: 'refused', status: null });
    if (o.kind === 'transient') expect(o.detail).toContain(`POST http://127.0.0.1:${port}/collectors/events`);
  });

  it('the caller aborting (shutdown) gives cancelled, promptly', async () => {
    const s = await serve(() => {
      /* never respond */
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const o = await client(s.url, { timeoutMs: 5000 }).sendEvents(BATCH, ac.signal);
    expect(o.kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an already-aborted signal sends nothing', async () => {
    const s = await serve((_req, res) => json(res, 202, { accepted: 2, last_sequence: 2 }));
    const o = await client(s.url).sendEvents(BATCH, AbortSignal.abort());
    expect(o.kind).toBe('cancelled');
    expect(s.seen).toHaveLength(0);
  });
});

describe('the API key never leaks into outcomes', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const b64url = (s: string) => Buffer.from(s).toString('base64url');
  /** Stretches of the key's forms that must not survive (a few trailing base64 chars depend on neighbours). */
  const forbidden = [
    API_KEY,
    API_KEY.slice(0, 20),
    encodeURIComponent(API_KEY),
    encodeURIComponent(API_KEY).slice(0, 30),
    b64(API_KEY).slice(0, -4),
    b64url(API_KEY).slice(0, -4),
    b64(`Bearer ${API_KEY}`).slice(8, -4),
    b64(`x${API_KEY}`).slice(4, -4),
    b64(`xy${API_KEY}`).slice(4, -4),
  ];

  it('a server echoing Authorization in every form into its error body', async () => {
    const s = await serve((req, res) => {
      const auth = req.headers.authorization ?? '';
      const key = auth.replace(/^Bearer /, '');
      const dump = [
        `got ${auth}`,
        `urlencoded=${encodeURIComponent(key)}`,
        `lower=${encodeURIComponent(key).toLowerCase()}`,
        `b64=${b64(key)}`,
        `b64url=${b64url(key)}`,
        `header=${b64(auth)}`,
        `shifted1=${b64(`x${key}`)}`,
        `shifted2=${b64(`xy${key}`)}`,
      ].join(' ');
      json(res, 401, { detail: dump }, { location: `https://evil.example/?k=${key}` });
    });
    const o = await client(s.url).sendEvents(BATCH);
    expect(o).toMatchObject({ kind: 'paused', reason: 'unauthorized' });
    const text = JSON.stringify(o);
    for (const f of forbidden) expect(text).not.toContain(f);
    expect(text).toContain(maskSecret(API_KEY));
  });

  it('a redirect whose Location carries the key', async () => {
    const s = await serve((req, res) => {
      res.writeHead(302, {
        location: `https://evil.example/?auth=${encodeURIComponent(req.headers.authorization ?? '')}`,
      });
      res.end();
    });
    const text = JSON.stringify(await client(s.url).sendEvents(BATCH));
    for (const f of forbidden) expect(text).not.toContain(f);
  });

  it('a body cut at the size limit in the middle of the key', async () => {
    const prefix = 'x'.repeat(100);
    const s = await serve((req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${prefix}${req.headers.authorization}${'y'.repeat(1000)}`);
    });
    // Cut 30 characters into the key: more than its 12-character prefix must not survive.
    const cut = prefix.length + 'Bearer '.length + 30;
    const o = await client(s.url, { maxResponseBytes: cut }).sendEvents(BATCH);
    expect(o.kind).toBe('transient');
    expect(JSON.stringify(o)).not.toContain(API_KEY.slice(0, 13));
  });
});

describe('session endpoints', () => {
  const status = {
    session_id: 'a b?c#d%e',
    conversation_id: '0f9d627b-ee82-4b2d-8716-13ee79474d11',
    last_sequence: 8,
    event_count: 6,
    first_event_at: '2026-02-24T10:00:00Z',
    last_event_at: '2026-11-27T10:23:41.178031Z',
    status: 'active',
  };

  it('session ids are percent-encoded in the path', async () => {
    const s = await serve((req, res) => {
      if (req.url?.endsWith('/complete')) {
        json(res, 200, {
          session_id: status.session_id,
          conversation_id: 'c',
          status: 'completed',
          total_events: 6,
        });
      } else json(res, 200, status);
    });
    const c = client(s.url);
    expect(await c.sessionStatus('a b?c#d%e')).toMatchObject({
      kind: 'status',
      lastSequence: 8,
      session: status,
    });
    expect(await c.completeSession('a b?c#d%e', { outcome: 'partial' })).toMatchObject({
      kind: 'completed',
      result: { total_events: 6 },
    });
    expect(s.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /collectors/sessions/a%20b%3Fc%23d%25e',
      'POST /collectors/sessions/a%20b%3Fc%23d%25e/complete',
    ]);
    expect(s.seen[0]?.headers['content-type']).toBeUndefined();
    expect(s.seen[1]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(s.seen[1]?.body ?? '')).toEqual({ outcome: 'partial' });
  });

  it('ids no URL path can address are a client bug, not a request', async () => {
    const s = await serve((_req, res) => json(res, 200, status));
    const c = client(s.url);
    for (const id of ['', '.', '..', 'parent/child']) {
      expect(await c.sessionStatus(id)).toMatchObject({ kind: 'clientBug', status: 0 });
    }
    expect(s.seen).toHaveLength(0);
  });

  it('404 and 403 per contract §9', async () => {
    const s = await serve((req, res) => {
      if (req.url?.includes('mine')) json(res, 404, { detail: 'No events received for session mine' });
      else json(res, 403, { detail: 'Session belongs to a different collector' });
    });
    const c = client(s.url);
    expect((await c.sessionStatus('mine')).kind).toBe('notFound');
    expect((await c.completeSession('theirs', { outcome: 'success' })).kind).toBe('foreignSession');
  });
});

describe('registerCollector', () => {
  const body = {
    collector_type: 'aiobscura',
    collector_version: '0.1.0',
    hostname: 'edge-mac-01',
    workspace_id: COLLECTOR_ID,
  };

  it('201 returns the credentials; the request carries no auth', async () => {
    const creds = {
      collector_id: '8f14e45f-ceea-467f-a0e3-3c9f5b4e1f0a',
      api_key: API_KEY,
      api_key_prefix: API_KEY.slice(0, 12),
      created_at: '2026-02-24T10:00:00Z',
    };
    const s = await serve((_req, res) => json(res, 201, creds));
    expect(await registerCollector(s.url, body, 2000)).toEqual(creds);
    expect(s.seen[0]?.url).toBe('/collectors');
    expect(s.seen[0]?.headers.authorization).toBeUndefined();
    expect(JSON.parse(s.seen[0]?.body ?? '')).toEqual(body);
  });

  it('404 workspace: a typed error naming the URL and the fix', async () => {
    const s = await serve((_req, res) => json(res, 404, { detail: `Workspace ${COLLECTOR_ID} not found` }));
    const err = await registerCollector(s.url, body, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorHttpError);
    expect((err as CollectorHttpError).status).toBe(404);
    expect((err as Error).message).toContain(`POST ${s.url}/collectors`);
    expect((err as Error).message).toContain('--workspace-id');
  });

  it('a 2xx without the credentials is an error that does not quote the body', async () => {
    const s = await serve((_req, res) => json(res, 201, { api_key: API_KEY }));
    const err = await registerCollector(s.url, body, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorHttpError);
    expect((err as Error).message).not.toContain(API_KEY);
  });

  it('a redirect is not followed', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(308, { location: 'https://elsewhere.example/collectors' });
      res.end();
    });
    const err = await registerCollector(s.url, body, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorHttpError);
    expect((err as Error).message).toContain('https://elsewhere.example/collectors');
  });

  it('connection refused: CollectorNetworkError', async () => {
    const port = await closedPort();
    const err = await registerCollector(`http://127.0.0.1:${port}`, body, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorNetworkError);
    expect((err as CollectorNetworkError).reason).toBe('refused');
    expect((err as Error).name).toBe('CollectorNetworkError');
  });
});
