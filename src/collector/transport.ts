/**
 * How requests reach the server: proxies from the environment and the certificate authorities trusted.
 *
 * - Proxies: `HTTPS_PROXY` for https server URLs, `HTTP_PROXY` for http ones (and for https when only it is
 *   set), `NO_PROXY` for the hosts that bypass them; lower-case names win over upper-case, as in curl.
 *   Loopback is NOT bypassed by default (nor by curl): list `localhost,127.0.0.1` in NO_PROXY for that.
 *   https goes through a CONNECT tunnel (the proxy sees only the host name); http is forwarded in absolute
 *   form (the proxy sees everything, which is why plain http is only allowed to loopback by default).
 * - Trust: without `ca_file`, Node's default store, which includes `NODE_EXTRA_CA_CERTS`. With `ca_file`,
 *   the system roots plus that file plus `NODE_EXTRA_CA_CERTS` (Node drops its extra certificates whenever a
 *   connection names its own `ca`, so they are added back here).
 *
 * undici's own `fetch` and dispatcher are used because Node 20's global fetch takes neither a proxy nor a
 * dispatcher option. undici is about 1 MB of code: it is imported at the first request, not when the
 * collector loads, so a sync with nothing to publish does not pay for parsing it.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { CollectorConfigError } from './errors.js';

export interface TransportOptions {
  /** `ca_file` (`~` already expanded by the config): a PEM file of extra certificate authorities, or null. */
  caFile: string | null;
  /** Where proxy variables and `NODE_EXTRA_CA_CERTS` are read (the process environment in production). */
  env: Readonly<Record<string, string | undefined>>;
}

export interface Transport {
  /** Created at the first request (see above), then shared by every request of this client. */
  dispatcher(): Promise<Dispatcher>;
  /** Said after a network failure when a proxy is configured: which one, and that NO_PROXY decides. */
  proxyNote: string | null;
}

export function createTransport(opts: TransportOptions): Transport {
  const env = opts.env;
  const pick = (name: string) => env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? '';
  const httpProxy = pick('http_proxy');
  const httpsProxy = pick('https_proxy');
  const noProxy = pick('no_proxy');
  const ca = opts.caFile === null ? undefined : trustedAuthorities(opts.caFile, env.NODE_EXTRA_CA_CERTS);
  const tlsOptions = ca ? { ca } : {};
  for (const [name, value] of [
    ['HTTPS_PROXY', httpsProxy],
    ['HTTP_PROXY', httpProxy],
  ] as const) {
    if (value && !URL.canParse(value)) {
      throw new CollectorConfigError(
        name,
        `${name}: "${value}" is not a URL (expected e.g. http://proxy:3128)`,
      );
    }
  }
  let dispatcher: Promise<Dispatcher> | null = null;
  const create = async () => {
    const { EnvHttpProxyAgent } = await loadUndici();
    return new EnvHttpProxyAgent({
      // Empty strings, not undefined: undici would otherwise read process.env itself.
      httpProxy,
      httpsProxy,
      noProxy,
      connect: tlsOptions,
      requestTls: tlsOptions,
      proxyTls: tlsOptions,
      // http targets are forwarded in absolute form, as classic forward proxies expect; https is tunnelled.
      proxyTunnel: false,
    });
  };
  const proxies = [
    httpsProxy && `HTTPS_PROXY=${redactCredentials(httpsProxy)}`,
    httpProxy && `HTTP_PROXY=${redactCredentials(httpProxy)}`,
  ].filter(Boolean);
  const proxyNote =
    proxies.length > 0 ? `through ${proxies.join(', ')} (NO_PROXY=${noProxy || '(unset)'})` : null;
  return {
    dispatcher: () => {
      dispatcher ??= create();
      return dispatcher;
    },
    proxyNote,
  };
}

let undici: Promise<Undici> | null = null;

type Undici = typeof import('undici');

/**
 * undici, imported once on first use (a separate chunk of the bundle). It is CommonJS: Node's loader exposes
 * its named exports, but the bundle's chunk only a `default` holding `module.exports`, so that is preferred.
 */
export function loadUndici(): Promise<Undici> {
  undici ??= import('undici').then((m) => (m as Undici & { default?: Undici }).default ?? m);
  return undici;
}

/** The system roots, then `NODE_EXTRA_CA_CERTS`, then `ca_file`; each file checked to be PEM certificates. */
export function trustedAuthorities(caFile: string, extraCaCerts: string | undefined): string[] {
  const own = readPemCertificates('ca_file', caFile);
  // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (by ignoring it), rather
  // than refusing a ca_file that is fine.
  let extra: string[] = [];
  if (extraCaCerts) {
    try {
      extra = readPemCertificates('NODE_EXTRA_CA_CERTS', extraCaCerts);
    } catch {
      extra = [];
    }
  }
  return [...tls.rootCertificates, ...extra, ...own];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readPemCertificates(key: string, file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CollectorConfigError(key, `${key}: cannot read ${file} (${code}); it must be a PEM file`);
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new CollectorConfigError(
      key,
      `${key}: ${file} holds no PEM certificate (expected "-----BEGIN CERTIFICATE-----" blocks)`,
    );
  }
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new CollectorConfigError(
        key,
        `${key}: certificate ${i + 1} in ${file} cannot be parsed (${(err as Error).message})`,
      );
    }
  });
  return blocks;
}

/** A proxy URL may carry `user:password@`; it is shown without them. */
function redactCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.href.replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}
