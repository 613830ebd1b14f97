import { describe, expect, it } from 'vitest';
import {
  CollectorConfigError,
  isCollectorError,
  maskSecret,
  scrubSecret,
} from '../../src/collector/errors.js';
import { endpoint, normalizeServerUrl } from '../../src/collector/url.js';

describe('normalizeServerUrl (DESIGN §3.7)', () => {
  it.each([
    ['https://catsyphon.example.com', 'https://catsyphon.example.com'],
    ['https://catsyphon.example.com/', 'https://catsyphon.example.com'],
    ['https://catsyphon.example.com/api/', 'https://catsyphon.example.com/api'],
    ['https://catsyphon.example.com/api//', 'https://catsyphon.example.com/api'],
    ['  https://CatSyphon.Example.com:443/api  ', 'https://catsyphon.example.com/api'],
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['http://127.1:8000/', 'http://127.0.0.1:8000'],
    ['http://127.200.3.4:3000/api', 'http://127.200.3.4:3000/api'],
    ['http://localhost:8000', 'http://localhost:8000'],
    ['http://[::1]:8000', 'http://[::1]:8000'],
    ['http://[::ffff:127.0.0.1]:8000', 'http://[::ffff:7f00:1]:8000'],
  ])('%s → %s', (given, want) => {
    expect(normalizeServerUrl(given, false)).toBe(want);
  });

  it.each([
    ['not a url', 'not an absolute URL'],
    ['catsyphon.example.com', 'not an absolute URL'],
    ['ftp://catsyphon.example.com', 'only http and https'],
    ['http://catsyphon.example.com', 'allow_insecure_http'],
    ['http://10.0.0.5:8000', 'allow_insecure_http'],
    ['http://localhost.evil.example', 'allow_insecure_http'],
    ['http://128.0.0.1', 'allow_insecure_http'],
    ['https://user:pw@catsyphon.example.com', 'user name or password'],
    ['https://catsyphon.example.com/?x=1', 'query or fragment'],
    ['https://catsyphon.example.com/#x', 'query or fragment'],
  ])('%s is refused (%s)', (given, message) => {
    let err: unknown;
    try {
      normalizeServerUrl(given, false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CollectorConfigError);
    expect(isCollectorError(err)).toBe(true);
    expect((err as CollectorConfigError).key).toBe('server_url');
    expect((err as Error).message).toContain('server_url');
    expect((err as Error).message).toContain(message);
  });

  it('allow_insecure_http permits plain http anywhere', () => {
    expect(normalizeServerUrl('http://catsyphon.lan:8000/', true)).toBe('http://catsyphon.lan:8000');
  });

  it('endpoint appends paths to the base', () => {
    expect(endpoint('https://h/api', '/collectors/events')).toBe('https://h/api/collectors/events');
    expect(endpoint('https://h/', '/collectors')).toBe('https://h/collectors');
  });
});

describe('maskSecret / scrubSecret', () => {
  const key = 'cs_live_Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';

  it('shows only the 12-character prefix', () => {
    expect(maskSecret(key)).toBe('cs_live_Zm9v…');
    expect(maskSecret('short')).toBe('sh…');
    expect(maskSecret('')).toBe('…');
  });

  it('scrubs the raw key anywhere and is idempotent', () => {
    const once = scrubSecret(`a ${key} b ${key}`, key);
    expect(once).toBe('a cs_live_Zm9v… b cs_live_Zm9v…');
    expect(scrubSecret(once, key)).toBe(once);
  });

  it('masks a key cut off at the end of the text, but not a bare prefix', () => {
    expect(scrubSecret(`x ${key.slice(0, 30)}`, key)).toBe('x cs_live_Zm9v…');
    expect(scrubSecret(`x ${key.slice(0, 12)}`, key)).toBe(`x ${key.slice(0, 12)}`);
  });

  it('masks URL-encoded forms from any encoder and JSON-escaped forms, in any mixture', () => {
    const odd = 'cs_live_Ab+Cd/Ef=Gh+Ij/Kl=Mn+Op/Qr=St+Uv/Wx=Yz0123456';
    const unicode = (s: string) =>
      [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const forms = [
      encodeURIComponent(odd),
      encodeURIComponent(odd).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      encodeURIComponent(odd).replace(/%2F/g, '/'), // Python's quote keeps `/`
      odd.replace(/\//g, '\\/'), // a JSON encoder escaping `/`
      unicode(odd),
      unicode(odd).toUpperCase().replace(/\\U/g, '\\u'),
      `${odd.slice(0, 20)}${unicode(odd.slice(20, 30))}${encodeURIComponent(odd.slice(30))}`,
    ];
    for (const form of forms) {
      const out = scrubSecret(`{"detail": "echo ${form} end"}`, odd);
      expect(out).toBe(`{"detail": "echo ${maskSecret(odd)} end"}`);
      // What classification reads after decoding the JSON holds no more of the key either.
      expect(JSON.parse(out).detail).not.toContain(odd.slice(0, 13));
    }
  });

  it('leaves text alone when there is no key', () => {
    expect(scrubSecret('hello', '')).toBe('hello');
  });
});
