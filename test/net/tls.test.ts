/**
 * TLS against real components: certificates made by `openssl`, an HTTPS front on 127.0.0.1 terminating TLS
 * for the CatSyphon test server, and the collector's own client. Each failing check must be named in plain
 * words with its fix, and a refused certificate must pause publishing rather than be retried.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorClient, createClient } from '../../src/collector/client.js';
import { isCollectorError } from '../../src/collector/errors.js';
import type { StatusOutcome } from '../../src/collector/outcome.js';
import { createTransport, trustedAuthorities } from '../../src/collector/transport.js';
import {
  type Credentials,
  type RunningCatsyphonServer,
  startCatsyphonServer,
} from '../support/catsyphon/index.js';
import { type HttpsFront, type KeyPair, makePki, startHttpsFront, type TestPki } from '../support/tls.js';

let pki: TestPki;
let server: RunningCatsyphonServer;
let creds: Credentials;
const fronts: HttpsFront[] = [];

beforeAll(async () => {
  pki = makePki();
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  creds = server.admin.registerCollector();
});

afterAll(async () => {
  for (const f of fronts) await f.close();
  await server?.close();
});

async function front(pair: KeyPair): Promise<HttpsFront> {
  const f = await startHttpsFront(pair, server.port);
  fronts.push(f);
  return f;
}

function client(url: string, caFile: string | null, env: Record<string, string> = {}): CollectorClient {
  return createClient({
    serverUrl: url,
    collectorId: creds.collectorId,
    apiKey: creds.apiKey,
    timeoutMs: 5000,
    transport: createTransport({ caFile, env }),
  });
}

/** A GET the server answers 404 (no events yet): proof that the request got through TLS to the server. */
const probe = (c: CollectorClient): Promise<StatusOutcome> => c.sessionStatus('no-such-session');

describe('certificate checks', () => {
  it('a private CA: refused without ca_file (named, with the fix, as a pause), accepted with it', async () => {
    const f = await front(pki.server);
    const refused = await probe(client(f.url, null));
    expect(refused).toMatchObject({ kind: 'paused', reason: 'tls-certificate' });
    const detail = (refused as { detail: string }).detail;
    expect(detail).toContain('signed by an unknown authority');
    expect(detail).toContain('set ca_file');
    expect(detail).toContain(`GET ${f.url}/collectors/sessions/`);
    expect(f.handshakes()).toBe(0);

    expect(await probe(client(f.url, pki.caFile))).toMatchObject({ kind: 'notFound' });
    expect(f.handshakes()).toBe(1);
  });

  it('ca_file adds to the system roots and to NODE_EXTRA_CA_CERTS instead of replacing them', async () => {
    // Two servers whose certificates need different extra authorities: the CA from ca_file, and the
    // self-signed certificate named by NODE_EXTRA_CA_CERTS. One client must trust both.
    const byCa = await front(pki.server);
    const bySelf = await front(pki.selfSigned);
    const env = { NODE_EXTRA_CA_CERTS: pki.selfSigned.certFile };
    expect(await probe(client(byCa.url, pki.caFile, env))).toMatchObject({ kind: 'notFound' });
    expect(await probe(client(bySelf.url, pki.caFile, env))).toMatchObject({ kind: 'notFound' });
    // Without NODE_EXTRA_CA_CERTS the self-signed one is refused, by name.
    const alone = await probe(client(bySelf.url, pki.caFile));
    expect(alone).toMatchObject({ kind: 'paused', reason: 'tls-certificate' });
    expect((alone as { detail: string }).detail).toContain('self-signed');
    // And the system's own roots stay trusted (public servers are not reachable from tests).
    const trusted = trustedAuthorities(pki.caFile, pki.selfSigned.certFile);
    expect(trusted).toEqual([
      ...tls.rootCertificates,
      pki.selfSigned.cert.trim(),
      fs.readFileSync(pki.caFile, 'utf8').trim(),
    ]);
  });

  it('a certificate for another host name', async () => {
    const f = await front(pki.wrongHost);
    const r = await probe(client(f.url, pki.caFile));
    expect(r).toMatchObject({ kind: 'paused', reason: 'tls-certificate' });
    const detail = (r as { detail: string }).detail;
    expect(detail).toContain('not valid for the host name in server_url: use a name the certificate lists');
    expect(detail).toContain('(ERR_TLS_CERT_ALTNAME_INVALID: ');
  });

  it('an expired certificate', async () => {
    const f = await front(pki.expired);
    const r = await probe(client(f.url, pki.caFile));
    expect(r).toMatchObject({ kind: 'paused', reason: 'tls-certificate' });
    expect((r as { detail: string }).detail).toContain(
      'the server certificate has expired: the server needs a renewed certificate',
    );
    expect((r as { detail: string }).detail).toContain('(CERT_HAS_EXPIRED: ');
  });

  it('a self-signed server certificate: refused by name, trusted when it is the ca_file', async () => {
    const f = await front(pki.selfSigned);
    const r = await probe(client(f.url, null));
    expect(r).toMatchObject({ kind: 'paused', reason: 'tls-certificate' });
    expect((r as { detail: string }).detail).toContain(
      'the server certificate is self-signed: set ca_file to that certificate',
    );
    expect((r as { detail: string }).detail).toContain('(DEPTH_ZERO_SELF_SIGNED_CERT: ');
    expect(await probe(client(f.url, pki.selfSigned.certFile))).toMatchObject({ kind: 'notFound' });
  });

  it('https:// to a port that speaks plain HTTP is a transient handshake failure that says so', async () => {
    const r = await probe(client(server.url.replace('http://', 'https://'), null));
    expect(r).toMatchObject({ kind: 'transient', reason: 'tls' });
    expect((r as { detail: string }).detail).toContain('did not answer in TLS');
  });
});

describe('ca_file problems are configuration errors naming the key', () => {
  it('unreadable', () => {
    const missing = path.join(pki.dir, 'nope.pem');
    const err = catchError(() => createTransport({ caFile: missing, env: {} }));
    expect(isCollectorError(err)).toBe(true);
    expect(err).toMatchObject({ name: 'CollectorConfigError', key: 'ca_file' });
    expect((err as Error).message).toBe(`ca_file: cannot read ${missing} (ENOENT); it must be a PEM file`);
  });

  it('not PEM', () => {
    const err = catchError(() => createTransport({ caFile: path.join(pki.dir, 'server.key'), env: {} }));
    expect(err).toMatchObject({ key: 'ca_file' });
    expect((err as Error).message).toContain('holds no PEM certificate');
  });

  it('a PEM block that is not a certificate', () => {
    const bad = path.join(pki.dir, 'bad.pem');
    fs.writeFileSync(
      bad,
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    );
    const err = catchError(() => createTransport({ caFile: bad, env: {} }));
    expect(err).toMatchObject({ key: 'ca_file' });
    expect((err as Error).message).toContain('certificate 1 in');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
