/**
 * `server_url` normalization (DESIGN §3.7) and endpoint joining.
 *
 * The backend serves `/collectors/...` at its root; the web UI's proxies serve the same under `/api`
 * (contract §1). So a base is kept as given, minus trailing slashes, and paths are appended to it: both
 * `http://host:8000` and `https://host/api` work without special-casing `/api`.
 */
import { CollectorConfigError } from './errors.js';

const KEY = 'server_url';

export function normalizeServerUrl(url: string, allowInsecureHttp: boolean): string {
  const given = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch (cause) {
    throw new CollectorConfigError(
      KEY,
      `${KEY} "${given}" is not an absolute URL: use e.g. https://catsyphon.example.com or http://127.0.0.1:8000`,
      { cause },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CollectorConfigError(
      KEY,
      `${KEY} "${given}" uses ${parsed.protocol.replace(/:$/, '')}: only http and https are supported`,
    );
  }
  // fetch refuses URLs with credentials, and a password in the config would be shown by `collector status`.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new CollectorConfigError(
      KEY,
      `${KEY} must not contain a user name or password: the collector authenticates with api_key`,
    );
  }
  // Endpoint paths are appended to the base; a query or fragment would end up in the middle of them.
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new CollectorConfigError(
      KEY,
      `${KEY} "${given}" must not contain a query or fragment: give the server's base URL`,
    );
  }
  if (parsed.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(parsed.hostname)) {
    throw new CollectorConfigError(
      KEY,
      `${KEY} "${given}" is plain http to a non-loopback host, which would send the API key and transcripts ` +
        'unencrypted: use https, or set allow_insecure_http = true in [collector] if the network is trusted',
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/**
 * Loopback as the URL parser spells it: `localhost`, 127.0.0.0/8 (already canonical: `127.1` parses to
 * `127.0.0.1`), `[::1]`, and IPv4-mapped 127/8 (`[::ffff:7f00:1]`).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

/** `base` (normalized, but a stray trailing slash is tolerated) + `path` (starting with `/`). */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}
