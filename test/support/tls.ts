/**
 * Real TLS for tests: a throwaway certificate authority and server certificates made with the `openssl`
 * command in a temp dir, and an HTTPS front on 127.0.0.1 that terminates TLS and passes the bytes on to a
 * plain HTTP server (the CatSyphon test server), so the server itself needs no TLS code.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { execFileSync } from './spawn.js';

export interface TestPki {
  dir: string;
  /** PEM of the authority: what `ca_file` points at. */
  caFile: string;
  /** Signed by the CA for IP 127.0.0.1 and DNS localhost, valid now. */
  server: KeyPair;
  /** Signed by the CA for 127.0.0.1, but expired in 2020. */
  expired: KeyPair;
  /** Signed by the CA, valid now, but only for the name `elsewhere.invalid`. */
  wrongHost: KeyPair;
  /** Self-signed for 127.0.0.1 (no CA). */
  selfSigned: KeyPair;
}

export interface KeyPair {
  key: string;
  cert: string;
  /** Path of the certificate's PEM file. */
  certFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** EC keys: generated in milliseconds, unlike RSA. */
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-pki-'));
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=aiobscura test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const signed = (name: string, san: string, dates?: { start: string; end: string }): KeyPair => {
    openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n`);
    if (dates) {
      // `openssl x509` (3.0) cannot back-date; `openssl ca` takes explicit start and end dates.
      fs.writeFileSync(path.join(dir, 'index.txt'), '');
      fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
      fs.writeFileSync(
        path.join(dir, 'ca.cnf'),
        '[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n' +
          'default_md = sha256\npolicy = any\nunique_subject = no\n[any]\ncommonName = supplied\n',
      );
      openssl(dir, [
        'ca',
        '-batch',
        '-notext',
        '-config',
        'ca.cnf',
        '-cert',
        'ca.pem',
        '-keyfile',
        'ca.key',
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
        '-startdate',
        dates.start,
        '-enddate',
        dates.end,
        '-extfile',
        `${name}.ext`,
      ]);
    } else {
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.pem`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ]);
    }
    return pair(dir, name);
  };
  const server = signed('server', 'IP:127.0.0.1,DNS:localhost');
  const expired = signed('expired', 'IP:127.0.0.1,DNS:localhost', {
    start: '20200101000000Z',
    end: '20200102000000Z',
  });
  const wrongHost = signed('wrong-host', 'DNS:elsewhere.invalid');
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { dir, caFile: path.join(dir, 'ca.pem'), server, expired, wrongHost, selfSigned: pair(dir, 'self') };
}

function pair(dir: string, name: string): KeyPair {
  const certFile = path.join(dir, `${name}.pem`);
  return {
    key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'),
    cert: fs.readFileSync(certFile, 'utf8'),
    certFile,
  };
}

export interface HttpsFront {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** TLS handshakes completed (a refused certificate never completes one). */
  handshakes(): number;
  /** TCP connections accepted, refused handshakes included: how often a client tried. */
  connections(): number;
  close(): Promise<void>;
}

/** Terminates TLS with `pair` on 127.0.0.1 and passes each connection's bytes to `upstreamPort`. */
export async function startHttpsFront(pair: KeyPair, upstreamPort: number): Promise<HttpsFront> {
  let handshakes = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: pair.key, cert: pair.cert }, (client) => {
    handshakes++;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  // A client that refuses our certificate aborts the handshake: expected here, not a test failure.
  server.on('tlsClientError', () => undefined);
  let connections = 0;
  server.on('connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    handshakes: () => handshakes,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
