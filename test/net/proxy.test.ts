/**
 * Proxies from the environment, against a real forward proxy on 127.0.0.1 (test/support/proxy.ts) that
 * records every CONNECT tunnel and every forwarded request: requests must go through it when a proxy
 * variable applies, and around it when NO_PROXY matches.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorClient, createClient } from '../../src/collector/client.js';
import type { StatusOutcome } from '../../src/collector/outcome.js';
import { createTransport } from '../../src/collector/transport.js';
import {
  type Credentials,
  type RunningCatsyphonServer,
  startCatsyphonServer,
} from '../support/catsyphon/index.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { type HttpsFront, makePki, startHttpsFront, type TestPki } from '../support/tls.js';

let pki: TestPki;
let server: RunningCatsyphonServer;
let creds: Credentials;
let https: HttpsFront;
let proxy: TestProxy;
/** A loopback port nothing listens on: a proxy that is down. */
let deadPort: number;

beforeAll(async () => {
  pki = makePki();
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  creds = server.admin.registerCollector();
  https = await startHttpsFront(pki.server, server.port);
  proxy = await startProxy();
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await proxy?.close();
  await https?.close();
  await server?.close();
});

function client(url: string, env: Record<string, string>): CollectorClient {
  return createClient({
    serverUrl: url,
    collectorId: creds.collectorId,
    apiKey: creds.apiKey,
    timeoutMs: 5000,
    transport: createTransport({ caFile: pki.caFile, env }),
  });
}

/** The server answers 404 for an unknown session: proof that the request reached it. */
const probe = (c: CollectorClient): Promise<StatusOutcome> => c.sessionStatus('no-such-session');

/** What went through the proxy during `fn`. */
async function through(fn: () => Promise<void>): Promise<{ tunnels: string[]; forwarded: string[] }> {
  const t = proxy.tunnels.length;
  const f = proxy.forwarded.length;
  await fn();
  return { tunnels: proxy.tunnels.slice(t), forwarded: proxy.forwarded.slice(f) };
}

describe('HTTPS_PROXY', () => {
  it('tunnels https through the proxy with CONNECT; loopback is not bypassed by default', async () => {
    const seen = await through(async () => {
      expect(await probe(client(https.url, { HTTPS_PROXY: proxy.url }))).toMatchObject({ kind: 'notFound' });
    });
    expect(seen).toEqual({ tunnels: [`127.0.0.1:${https.port}`], forwarded: [] });
  });

  it('is read in lower case too, and lower case wins over upper case (as in curl)', async () => {
    const dead = `http://127.0.0.1:${deadPort}`;
    const seen = await through(async () => {
      const c = client(https.url, { https_proxy: proxy.url, HTTPS_PROXY: dead });
      expect(await probe(c)).toMatchObject({ kind: 'notFound' });
    });
    expect(seen.tunnels).toEqual([`127.0.0.1:${https.port}`]);
  });

  it('NO_PROXY naming the host (or host:port) bypasses the proxy; another port does not', async () => {
    for (const noProxy of ['127.0.0.1', `localhost, 127.0.0.1:${https.port}`, '*']) {
      const seen = await through(async () => {
        const c = client(https.url, { HTTPS_PROXY: proxy.url, NO_PROXY: noProxy });
        expect(await probe(c)).toMatchObject({ kind: 'notFound' });
      });
      expect(seen, noProxy).toEqual({ tunnels: [], forwarded: [] });
    }
    const seen = await through(async () => {
      const c = client(https.url, { HTTPS_PROXY: proxy.url, no_proxy: `127.0.0.1:${deadPort}` });
      expect(await probe(c)).toMatchObject({ kind: 'notFound' });
    });
    expect(seen.tunnels).toEqual([`127.0.0.1:${https.port}`]);
  });

  it('does not apply to an http:// server', async () => {
    const seen = await through(async () => {
      expect(await probe(client(server.url, { HTTPS_PROXY: proxy.url }))).toMatchObject({ kind: 'notFound' });
    });
    expect(seen).toEqual({ tunnels: [], forwarded: [] });
  });

  it('a proxy that is down: the failure names the proxy, without its password', async () => {
    const url = `http://user:s3cret@127.0.0.1:${deadPort}`;
    const r = await probe(client(https.url, { HTTPS_PROXY: url }));
    expect(r).toMatchObject({ kind: 'transient', reason: 'refused' });
    const detail = (r as { detail: string }).detail;
    expect(detail).toContain(`through HTTPS_PROXY=http://***@127.0.0.1:${deadPort} (NO_PROXY=(unset))`);
    expect(detail).not.toContain('s3cret');
  });

  it('a proxy variable that is not a URL is a configuration error naming it', () => {
    expect(() => createTransport({ caFile: null, env: { HTTPS_PROXY: 'not a url' } })).toThrow(
      /^HTTPS_PROXY: "not a url" is not a URL/,
    );
  });
});

describe('HTTP_PROXY', () => {
  it('forwards plain http in absolute form (no tunnel)', async () => {
    const seen = await through(async () => {
      expect(await probe(client(server.url, { HTTP_PROXY: proxy.url }))).toMatchObject({ kind: 'notFound' });
    });
    expect(seen).toEqual({
      tunnels: [],
      forwarded: [`GET ${server.url}/collectors/sessions/no-such-session`],
    });
  });

  it('is used for https too when HTTPS_PROXY is not set', async () => {
    const seen = await through(async () => {
      expect(await probe(client(https.url, { HTTP_PROXY: proxy.url }))).toMatchObject({ kind: 'notFound' });
    });
    expect(seen.tunnels).toEqual([`127.0.0.1:${https.port}`]);
  });
});
