/** Every fault kind and mode, scripted in-process and over the HTTP admin API; counters and the request log. */

import { afterAll, describe, expect, it } from 'vitest';
import {
  LIMIT_413_BYTES,
  type RunningCatsyphonServer,
  startCatsyphonServer,
} from '../support/catsyphon/index.js';
import { needs } from '../support/shared.js';
import {
  authHeaders,
  call,
  JSON_CT,
  MESSAGE,
  msg,
  postJson,
  SESSION_START,
  sid,
  useServer,
} from './helpers.js';

const openapi = needs('catsyphon-openapi');

const srv = useServer();
const events = () => `${srv.s.url}/collectors/events`;
const MATCH = { method: 'POST', path: '/collectors/events' };

/** The error code under a fetch failure (`fetch failed` → cause). */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const cause = (e as { cause?: { code?: string; name?: string } }).cause;
    return cause?.code ?? cause?.name ?? (e as Error).name;
  }
  return 'no failure';
}

describe('scripted faults', () => {
  openapi.it(
    'status: any status with body and headers (429 + Retry-After), nothing stored, one shot only',
    async () => {
      const c = srv.s.admin.registerCollector();
      const session = sid('429');
      srv.s.admin.scriptFault(
        { kind: 'status', status: 429, body: { detail: 'slow down' }, headers: { 'retry-after': '7' } },
        { match: MATCH },
      );
      const r = await postJson(events(), { session_id: session, events: [MESSAGE] }, authHeaders(c));
      expect([r.status, r.json, r.headers.get('retry-after')]).toEqual([429, { detail: 'slow down' }, '7']);
      expect(srv.s.admin.rows(session)).toEqual([]);
      srv.s.admin.scriptFault({ kind: 'status', status: 503 }, { match: MATCH, times: 2 });
      for (let i = 0; i < 2; i++) {
        const u = await postJson(events(), { session_id: session, events: [MESSAGE] }, authHeaders(c));
        expect([u.status, u.text, u.headers.get('content-type')]).toEqual([
          503,
          'Service Unavailable',
          'text/plain; charset=utf-8',
        ]);
      }
      const ok = await postJson(events(), { session_id: session, events: [MESSAGE] }, authHeaders(c));
      expect(ok.status).toBe(202);
      // a plain-text 500 like uvicorn's
      srv.s.admin.scriptFault({ kind: 'status', status: 500, body: 'Internal Server Error' });
      const e = await call(`${srv.s.url}/health`);
      expect([e.status, e.text]).toEqual([500, 'Internal Server Error']);
    },
  );

  it('match by method and path prefix: other requests are not affected', async () => {
    srv.s.admin.scriptFault(
      { kind: 'status', status: 502 },
      { match: { method: 'GET', path: '/collectors/sessions/' } },
    );
    expect((await call(`${srv.s.url}/health`)).status).toBe(200);
    const c = srv.s.admin.registerCollector();
    const r = await call(`${srv.s.url}/collectors/sessions/abc`, { headers: authHeaders(c) });
    expect(r.status).toBe(502);
  });

  openapi.it('latency: waits, then handles normally', async () => {
    const c = srv.s.admin.registerCollector();
    srv.s.admin.scriptFault({ kind: 'latency', ms: 300 }, { match: MATCH });
    const t0 = Date.now();
    const r = await postJson(events(), { session_id: sid(), events: [MESSAGE] }, authHeaders(c));
    expect(r.status).toBe(202);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('reset: the connection is reset without an answer, nothing stored', async () => {
    const c = srv.s.admin.registerCollector();
    const session = sid('reset');
    srv.s.admin.scriptFault({ kind: 'reset' }, { match: MATCH });
    const code = await failure(
      postJson(events(), { session_id: session, events: [MESSAGE] }, authHeaders(c)),
    );
    expect(code).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect(srv.s.admin.rows(session)).toEqual([]);
    const last = srv.s.admin.requests().at(-1);
    expect(last).toMatchObject({ fault: 'reset', status: null, route: 'POST /collectors/events' });
  });

  it('stall-drop: reads the request, waits, drops it; nothing stored', async () => {
    const c = srv.s.admin.registerCollector();
    const session = sid('stalldrop');
    srv.s.admin.scriptFault({ kind: 'stall-drop', ms: 300 }, { match: MATCH });
    const t0 = Date.now();
    const code = await failure(
      postJson(events(), { session_id: session, events: [MESSAGE] }, authHeaders(c)),
    );
    expect(code).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(srv.s.admin.conversation(session)).toBeUndefined();
  });

  openapi.it(
    'stall-commit: the batch is stored although the client timed out; the resend is a duplicate',
    async () => {
      const c = srv.s.admin.registerCollector();
      const session = sid('stallcommit');
      srv.s.admin.scriptFault({ kind: 'stall-commit', ms: 2_000 }, { match: MATCH });
      const body = JSON.stringify({ session_id: session, events: [SESSION_START, MESSAGE] });
      const code = await failure(
        fetch(events(), {
          method: 'POST',
          headers: { ...JSON_CT, ...authHeaders(c) },
          body,
          signal: AbortSignal.timeout(200),
        }),
      );
      expect(code).toMatch(/TimeoutError|AbortError/);
      expect(srv.s.admin.rows(session).map((r) => r.hash)).toEqual([MESSAGE.event_hash]);
      const resend = await postJson(events(), JSON.parse(body), authHeaders(c));
      expect(resend.json).toMatchObject({ accepted: 1, last_sequence: 3 }); // session_start counted again, message deduped
      expect(srv.s.admin.rows(session)).toHaveLength(1);
    },
  );

  it('html200: a 200 text/html index.html page', async () => {
    const c = srv.s.admin.registerCollector();
    srv.s.admin.scriptFault({ kind: 'html200' }, { match: MATCH });
    const r = await postJson(events(), { session_id: sid(), events: [MESSAGE] }, authHeaders(c));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toContain('<div id="root"></div>');
    expect(r.json).toBeUndefined();
  });

  it('redirect: 307 to another host; a client that follows it is caught by the trap listener', async () => {
    const c = srv.s.admin.registerCollector();
    srv.s.admin.scriptFault({ kind: 'redirect' }, { match: MATCH });
    const r = await postJson(events(), { session_id: sid(), events: [MESSAGE] }, authHeaders(c));
    expect(r.status).toBe(307);
    const trap = await srv.s.admin.trapUrl();
    expect(r.headers.get('location')).toBe(`${trap}/collectors/events`);
    expect(trap).not.toContain('127.0.0.1');

    srv.s.admin.scriptFault({ kind: 'redirect' }, { match: MATCH });
    const followed = await fetch(events(), {
      method: 'POST',
      headers: { ...JSON_CT, ...authHeaders(c) },
      body: JSON.stringify({ session_id: sid(), events: [MESSAGE] }),
      redirect: 'follow',
    });
    expect(followed.status).toBe(200);
    const leaked = srv.s.admin.requests().filter((e) => e.listener === 'trap');
    expect(leaked).toHaveLength(1);
    expect(leaked[0]?.method).toBe('POST');
    // what reached the other host is recorded, headers included (undici drops Authorization cross-origin)
    expect(leaked[0]?.headers.authorization).toBeUndefined();

    srv.s.admin.scriptFault({ kind: 'redirect', location: 'http://example.invalid/x', status: 302 });
    const custom = await call(`${srv.s.url}/health`);
    expect([custom.status, custom.headers.get('location')]).toEqual([302, 'http://example.invalid/x']);
  });

  it('probabilistic faults are reproducible from the seed', async () => {
    const pattern = async () => {
      srv.s.admin.clearFaults();
      srv.s.admin.setSeed(42);
      srv.s.admin.addRandomFault({
        fault: { kind: 'status', status: 503 },
        probability: 0.5,
        match: { path: '/health' },
      });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await call(`${srv.s.url}/health`)).status);
      return out;
    };
    const a = await pattern();
    const b = await pattern();
    srv.s.admin.clearFaults();
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });
});

describe('modes', () => {
  openapi.it('limit413: bodies over 1 MiB → 413 nginx HTML; 1 MiB passes', async () => {
    const c = srv.s.admin.registerCollector();
    await srv.s.admin.setModes({ limit413: true });
    try {
      const session = sid('413');
      const envelope = (content: string) =>
        JSON.stringify({ session_id: session, events: [{ ...MESSAGE, data: { ...MESSAGE.data, content } }] });
      const overhead = Buffer.byteLength(envelope(''));
      const exact = envelope('x'.repeat(LIMIT_413_BYTES - overhead));
      expect(Buffer.byteLength(exact)).toBe(LIMIT_413_BYTES);
      const ok = await call(events(), {
        method: 'POST',
        headers: { ...JSON_CT, ...authHeaders(c) },
        body: exact,
      });
      expect(ok.status).toBe(202);
      const over = envelope('x'.repeat(LIMIT_413_BYTES - overhead + 1));
      const r = await call(events(), {
        method: 'POST',
        headers: { ...JSON_CT, ...authHeaders(c) },
        body: over,
      });
      expect(r.status).toBe(413);
      expect(r.headers.get('content-type')).toBe('text/html');
      expect(r.text).toContain('<title>413 Request Entity Too Large</title>');
      expect(r.text).toContain('nginx');
      expect(srv.s.admin.rows(session)).toHaveLength(1);
    } finally {
      await srv.s.admin.setModes({ limit413: false });
    }
    // without the mode there is no size limit (as CatSyphon: 8 MiB → 202)
    const big = JSON.stringify({
      session_id: sid(),
      events: [{ ...MESSAGE, data: { ...MESSAGE.data, content: 'y'.repeat(3 << 20) } }],
    });
    expect(
      (await call(events(), { method: 'POST', headers: { ...JSON_CT, ...authHeaders(c) }, body: big }))
        .status,
    ).toBe(202);
  });

  openapi.it('outage: connections are refused, then the same port answers again', async () => {
    const port = srv.s.port;
    await srv.s.admin.setModes({ outage: true });
    expect(await failure(call(`${srv.s.url}/health`))).toBe('ECONNREFUSED');
    await srv.s.admin.setModes({ outage: false });
    const r = await call(`http://127.0.0.1:${port}/health`);
    expect(r.status).toBe(200);
  });
});

describe('legacy mode (contract §12)', () => {
  let legacy: RunningCatsyphonServer | undefined;
  afterAll(async () => {
    await legacy?.close();
  });

  openapi.it(
    'requires sequence, answers 409 with the legacy body on a gap, drops sequence <= last',
    async () => {
      legacy = await startCatsyphonServer({ legacy: true });
      const c = legacy.admin.registerCollector();
      const url = `${legacy.url}/collectors/events`;
      const session = sid('legacy');
      const at = (i: number) => ({ ...msg(i), sequence: i });

      const missing = await postJson(url, { session_id: session, events: [MESSAGE] }, authHeaders(c));
      expect(missing.status).toBe(422);
      expect((missing.json as { detail: unknown[] }).detail).toEqual([
        { type: 'missing', loc: ['body', 'events', 0, 'sequence'], msg: 'Field required', input: MESSAGE },
      ]);
      const zero = await postJson(
        url,
        { session_id: session, events: [{ ...msg(1), sequence: 0 }] },
        authHeaders(c),
      );
      expect((zero.json as { detail: { type: string }[] }).detail[0]?.type).toBe('greater_than_equal');

      const first = await postJson(url, { session_id: session, events: [at(2), at(1)] }, authHeaders(c));
      expect(first.json).toMatchObject({ accepted: 2, last_sequence: 2 });
      const gap = await postJson(url, { session_id: session, events: [at(5), at(6)] }, authHeaders(c));
      expect(gap.status).toBe(409);
      expect(gap.json).toEqual({
        detail: {
          error: 'sequence_gap',
          message: 'Expected sequence 3, got 5',
          last_received_sequence: 2,
          expected_sequence: 3,
        },
      });
      const overlap = await postJson(url, { session_id: session, events: [at(2), at(3)] }, authHeaders(c));
      expect(overlap.json).toMatchObject({ accepted: 1, last_sequence: 3 });
      const st = await call(`${legacy.url}/collectors/sessions/${session}`, { headers: authHeaders(c) });
      expect(st.json).toMatchObject({ last_sequence: 3, event_count: 3 });
      expect(legacy.admin.rows(session).map((r) => r.sequence)).toEqual([1, 2, 3]);
      // a new session may start at any number
      const other = await postJson(url, { session_id: sid('legacy2'), events: [at(40)] }, authHeaders(c));
      expect(other.json).toMatchObject({ accepted: 1, last_sequence: 40 });
      // the legacy complete body requires final_sequence
      const done = await postJson(
        `${legacy.url}/collectors/sessions/${session}/complete`,
        { outcome: 'success' },
        authHeaders(c),
      );
      expect((done.json as { detail: { loc: unknown[] }[] }).detail[0]?.loc).toEqual([
        'body',
        'final_sequence',
      ]);
    },
  );
});

describe('HTTP admin API (for a server in another process)', () => {
  let s: RunningCatsyphonServer | undefined;
  afterAll(async () => {
    await s?.close();
  });

  openapi.it(
    'sets up, registers, disables, scripts faults, reads rows/requests/counters, runs a timed outage',
    async () => {
      s = await startCatsyphonServer({ adminPort: 0 });
      const admin = `${s.url}/__admin`;
      const side = `http://127.0.0.1:${s.adminPort}/__admin`;
      const reg = await postJson(`${admin}/collectors`, {});
      expect(reg.status).toBe(201);
      const cred = reg.json as { collector_id: string; api_key: string };
      const h = authHeaders({ collectorId: cred.collector_id, apiKey: cred.api_key });
      const session = sid('http-admin');

      await postJson(`${admin}/faults`, {
        fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
        match: MATCH,
      });
      expect(
        (await postJson(`${s.url}/collectors/events`, { session_id: session, events: [MESSAGE] }, h)).status,
      ).toBe(429);
      expect(
        (await postJson(`${s.url}/collectors/events`, { session_id: session, events: [MESSAGE] }, h)).status,
      ).toBe(202);

      const rows = (await call(`${admin}/rows?session_id=${encodeURIComponent(session)}`)).json as {
        hash: string;
      }[];
      expect(rows.map((r) => r.hash)).toEqual([MESSAGE.event_hash]);
      const conv = (await call(`${admin}/conversations/${encodeURIComponent(session)}`)).json as {
        eventCount: number;
      };
      expect(conv.eventCount).toBe(1);

      await postJson(`${admin}/collectors/${cred.collector_id}/disable`, {});
      expect(
        (await postJson(`${s.url}/collectors/events`, { session_id: session, events: [MESSAGE] }, h)).status,
      ).toBe(403);
      await postJson(`${admin}/collectors/${cred.collector_id}/enable`, {});

      const counters = (await call(`${admin}/counters`)).json as {
        requests: Record<string, number>;
        faults: Record<string, number>;
        statuses: Record<string, number>;
        duplicatesDropped: number;
      };
      expect(counters.requests['POST /collectors/events']).toBe(3);
      expect(counters.faults).toEqual({ status: 1 });
      expect(counters.statuses).toEqual({ 202: 1, 403: 1, 429: 1 });
      const log = (await call(`${admin}/requests`)).json as {
        headers: Record<string, string>;
        fault: string | null;
      }[];
      expect(log).toHaveLength(3);
      expect(log[0]?.headers.authorization).toBe(`Bearer ${cred.api_key}`);
      expect(log[0]?.fault).toBe('status');
      await postJson(`${admin}/counters/reset`, {});
      expect(((await call(`${admin}/counters`)).json as { requests: object }).requests).toEqual({});

      // timed outage, scripted from the side admin port which stays up
      const mode = await postJson(`${side}/modes`, { outage: true, outage_ms: 400 });
      expect(mode.json).toMatchObject({ outage: true });
      await new Promise((r) => setTimeout(r, 100));
      expect(await failure(call(`${s.url}/health`))).toBe('ECONNREFUSED');
      expect(((await call(`${side}/modes`)).json as { outage: boolean }).outage).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect((await call(`${s.url}/health`)).status).toBe(200);

      const bad = await postJson(`${admin}/faults`, { fault: { kind: 'explode' } });
      expect(bad.status).toBe(400);
    },
  );
});
