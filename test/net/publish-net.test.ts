/**
 * Publishing as users run it, through the network pieces: the compiled CLI in its own process, a real
 * proxy and a real HTTPS front (openssl-made certificates) before the CatSyphon test server. The proxy
 * and NODE_EXTRA_CA_CERTS come from the process environment, as in production.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  type Credentials,
  type RunningCatsyphonServer,
  startCatsyphonServer,
} from '../support/catsyphon/index.js';
import { fakeHome, type Home, runAsync as run, syncLoadedModules } from '../support/cli.js';
import { writeCollectorConfig } from '../support/collector-home.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { duplicateHashes, expectedServerHashes, SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';
import { type HttpsFront, makePki, startHttpsFront, type TestPki } from '../support/tls.js';

const shared = needs('corpus', 'catsyphon-openapi');

let pki: TestPki;
let server: RunningCatsyphonServer;
let https: HttpsFront;
let proxy: TestProxy;

beforeAll(async () => {
  pki = makePki();
  proxy = await startProxy();
});

afterAll(async () => {
  await proxy?.close();
});

afterEach(async () => {
  await https?.close();
  await server?.close();
});

/** A fresh server behind its HTTPS front, and a home with one real session and a registered collector. */
async function setup(
  collector: (urls: { http: string; https: string }) => Record<string, string | number | boolean>,
): Promise<{ home: Home; creds: Credentials }> {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  https = await startHttpsFront(pki.server, server.port);
  const creds = server.admin.registerCollector();
  const home = fakeHome();
  fs.mkdirSync(path.join(home.claudeProjects, '-w'));
  fs.copyFileSync(SPLIT_CLAUDE, path.join(home.claudeProjects, '-w', path.basename(SPLIT_CLAUDE)));
  writeCollectorConfig(home, {
    enabled: true,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    timeout_secs: 5,
    ...collector({ http: server.url, https: https.url }),
  });
  return { home, creds };
}

/** Everything local that is publishable is on the server, once, for this collector. */
function expectComplete(home: Home): void {
  const rows = server.admin.rows();
  expect(rows.length).toBeGreaterThan(0);
  expect(duplicateHashes(rows)).toEqual([]);
  expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expectedServerHashes(home.db).hashes);
}

shared.describe('sync through the network pieces', () => {
  it('HTTPS_PROXY and ca_file: every batch goes through the CONNECT tunnel to the https server', async () => {
    const { home } = await setup((u) => ({ server_url: u.https, ca_file: pki.caFile }));
    const before = proxy.tunnels.length;
    const r = await run(home, ['sync', '--json'], { HTTPS_PROXY: proxy.url });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    const tunnels = proxy.tunnels.slice(before);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([`127.0.0.1:${https.port}`]));
    expectComplete(home);
  });

  it('NO_PROXY matching the server: published directly, the proxy sees nothing', async () => {
    const { home } = await setup((u) => ({ server_url: u.https, ca_file: pki.caFile }));
    const before = { t: proxy.tunnels.length, f: proxy.forwarded.length };
    const r = await run(home, ['sync', '--json'], { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(JSON.parse(r.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expect(proxy.tunnels.length).toBe(before.t);
    expect(proxy.forwarded.length).toBe(before.f);
    expectComplete(home);
  });

  it('HTTP_PROXY with an http:// loopback server: forwarded in absolute form', async () => {
    const { home } = await setup((u) => ({ server_url: u.http }));
    const before = proxy.forwarded.length;
    const r = await run(home, ['sync', '--json'], { HTTP_PROXY: proxy.url });
    expect(JSON.parse(r.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    const forwarded = proxy.forwarded.slice(before);
    expect(forwarded.length).toBeGreaterThan(0);
    expect(forwarded.every((line) => line === `POST ${server.url}/collectors/events`)).toBe(true);
    expectComplete(home);
  });

  it('NODE_EXTRA_CA_CERTS is honoured without ca_file', async () => {
    const { home } = await setup((u) => ({ server_url: u.https }));
    const r = await run(home, ['sync', '--json'], { NODE_EXTRA_CA_CERTS: pki.caFile });
    expect(JSON.parse(r.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expectComplete(home);
  });

  it('an untrusted certificate pauses publishing after one attempt, says why, and setting ca_file resumes it', async () => {
    const { home, creds } = await setup((u) => ({ server_url: u.https }));
    const connections = https.connections();
    const r = await run(home, ['sync', '--json']);
    expect(r.code).toBe(0); // ingest is unaffected
    const publish = JSON.parse(r.stdout).publish;
    expect(publish.remainingSessions).toBe(1);
    expect(publish.reason).toBe('publishing paused: tls-certificate');
    expect(r.stderr).toContain('publishing paused (tls-certificate)');
    expect(r.stderr).toContain('the server certificate is signed by an unknown authority: set ca_file');
    // One connection, not one per retry and session: a refused certificate is not retried.
    expect(https.connections() - connections).toBe(1);
    const status = await run(home, ['collector', 'status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('tls-certificate');
    expect(status.stdout).toContain('set ca_file for a private CA, which lifts the pause at once');

    // The pause was decided under the old trust settings: a config change lifts it at once.
    writeCollectorConfig(home, {
      enabled: true,
      server_url: https.url,
      collector_id: creds.collectorId,
      api_key: creds.apiKey,
      flush_interval_secs: 0,
      timeout_secs: 5,
      ca_file: pki.caFile,
    });
    const again = await run(home, ['sync', '--json']);
    expect(JSON.parse(again.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    expectComplete(home);
  });

  it('an unreadable ca_file stops sync before anything is sent, naming the key', async () => {
    const { home } = await setup((u) => ({
      server_url: u.https,
      ca_file: path.join(pki.dir, 'missing.pem'),
    }));
    const connections = https.connections();
    const r = await run(home, ['sync']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(`ca_file: cannot read ${path.join(pki.dir, 'missing.pem')} (ENOENT)`);
    expect(https.connections()).toBe(connections);
  });

  it('the HTTP client (undici) is loaded only by a sync that sends something, never with the collector off', async () => {
    const { home } = await setup((u) => ({ server_url: u.http }));
    const loaded = async (enabled: boolean) => {
      const urls = await syncLoadedModules(home, enabled);
      return {
        collector: urls.some((u) => u.includes('/dist/bundle/collector/')),
        undici: urls.some((u) => /\/dist\/bundle\/undici-[^/]*\.js$/.test(u)),
      };
    };
    expect(await loaded(true)).toEqual({ collector: true, undici: true });
    expectComplete(home);
    // Nothing left to send: the collector loads, the HTTP client does not.
    expect(await loaded(true)).toEqual({ collector: true, undici: false });
    expect(await loaded(false)).toEqual({ collector: false, undici: false });
  });
});
