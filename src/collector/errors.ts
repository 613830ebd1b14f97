/**
 * The collector's error family (STYLE rule 9) and the API-key hygiene every message goes through.
 *
 * Expected server answers are *values* (see `outcome.ts`); these classes are thrown only where there is no
 * outcome to return: bad config (`server_url`) and `collector register`, whose caller needs one error to print.
 * Each class sets `name` explicitly so `isCollectorError` survives bundling and cross-realm errors (as ky's
 * type guards do). Messages name the config key or the method + URL, and the fix.
 */

export class CollectorError extends Error {
  override readonly name: string = 'CollectorError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A `[collector]` setting that cannot be used as given; `key` is the config key to fix. */
export class CollectorConfigError extends CollectorError {
  override readonly name: string = 'CollectorConfigError';
  readonly key: string;

  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

/** The server answered, but not with what the call needs (a 4xx/5xx, a redirect, an unusable 2xx body). */
export class CollectorHttpError extends CollectorError {
  override readonly name: string = 'CollectorHttpError';
  readonly method: string;
  readonly url: string;
  /** HTTP status of the answer (a 2xx when its body was the problem). */
  readonly status: number;
  /** The server's detail, already scrubbed of the API key and truncated. */
  readonly detail: string;

  constructor(method: string, url: string, status: number, detail: string, fix: string) {
    super(`${method} ${url} answered ${status}: ${detail}${fix ? ` (${fix})` : ''}`);
    this.method = method;
    this.url = url;
    this.status = status;
    this.detail = detail;
  }
}

/** No HTTP answer at all: refused, reset, DNS, TLS or timeout. `reason` is the short machine-readable kind. */
export class CollectorNetworkError extends CollectorError {
  override readonly name: string = 'CollectorNetworkError';
  readonly method: string;
  readonly url: string;
  readonly reason: string;

  constructor(method: string, url: string, reason: string, detail: string, options?: { cause?: unknown }) {
    super(`${method} ${url} failed: ${detail}`, options);
    this.method = method;
    this.url = url;
    this.reason = reason;
  }
}

export function isCollectorError(err: unknown): err is CollectorError {
  return err instanceof Error && /^Collector[A-Za-z]*Error$/.test(err.name);
}

/** How many leading characters of a key may be shown: CatSyphon's own `api_key_prefix` is 12 (contract §3). */
const VISIBLE_PREFIX = 12;

/**
 * The only form in which an API key may appear in output, logs, errors or the database: its 12-character
 * prefix + `…`. A key too short to keep most of it hidden (not one CatSyphon issues: those are 51 chars) shows
 * at most half of itself, so masking never reveals a whole key.
 */
export function maskSecret(apiKey: string): string {
  const visible = Math.min(VISIBLE_PREFIX, Math.floor(apiKey.length / 2));
  return `${apiKey.slice(0, visible)}…`;
}

/**
 * Replaces every occurrence of `apiKey` in server-provided `text` by `maskSecret(apiKey)`: the raw key, its
 * URL-encoded forms (any encoder, any mixture: see `keyPattern`), its JSON-escaped forms (`\/`, `\u00XX`,
 * which decoding the body would turn back into the key), and its base64/base64url encodings (of the key and of `Bearer <key>`, at all three byte
 * alignments, so the key is found even inside a longer base64 string such as an echoed header dump). A form
 * cut off at the end of `text` (a body truncated at `maxResponseBytes`) is masked too when more than the
 * visible prefix of it remains.
 */
export function scrubSecret(text: string, apiKey: string): string {
  if (apiKey.length === 0 || text.length === 0) return text;
  const mask = maskSecret(apiKey);
  let out = text.replace(keyPattern(apiKey), mask);
  for (const form of secretForms(apiKey)) {
    if (out.includes(form)) out = out.split(form).join(mask);
    out = maskCutOffTail(out, form, mask);
  }
  return out;
}

/**
 * The key with each ASCII character also accepted as `%XX` (either hex case) or as a JSON escape (`\u00XX`,
 * and `\/` for `/`). Encoders differ in what they leave alone (JavaScript's `encodeURIComponent` escapes `/`,
 * Python's `quote` keeps it; some JSON encoders escape `/` or `+`), so matching per character catches them all.
 */
function keyPattern(apiKey: string): RegExp {
  const anyCase = (hex: string) =>
    [...hex].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join('');
  const parts = [...apiKey].map((c) => {
    const literal = c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const code = c.codePointAt(0) ?? 0;
    if (code >= 0x80) return literal;
    const hex = code.toString(16).padStart(2, '0');
    const alternatives = [literal, `%${anyCase(hex)}`, `\\\\u00${anyCase(hex)}`];
    if (c === '/') alternatives.push('\\\\/');
    return `(?:${alternatives.join('|')})`;
  });
  return new RegExp(parts.join(''), 'g');
}

/** Shortest partial form worth masking: anything shorter could be a coincidence and reveals no more. */
const MIN_PARTIAL = VISIBLE_PREFIX + 1;

function maskCutOffTail(text: string, form: string, mask: string): string {
  for (let n = Math.min(form.length - 1, text.length); n >= MIN_PARTIAL; n--) {
    if (text.endsWith(form.slice(0, n))) return text.slice(0, text.length - n) + mask;
  }
  return text;
}

function secretForms(apiKey: string): string[] {
  const forms = new Set<string>([apiKey, encodeURIComponent(apiKey)]);
  forms.add(encodeURIComponent(apiKey).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  for (const plain of [apiKey, `Bearer ${apiKey}`]) {
    for (const encoded of base64Interiors(plain)) forms.add(encoded);
  }
  // Very short forms would mask unrelated text; a real key's forms are all ≥ 60 chars.
  return [...forms].filter((f) => f.length >= MIN_PARTIAL).sort((a, b) => b.length - a.length);
}

/**
 * base64 of `plain` as it appears when `plain` starts at byte offset 0, 1 or 2 of a longer encoded input:
 * only the characters that depend on `plain` alone are kept (the 4-char groups mixing in neighbouring bytes
 * are dropped), in both the standard and the URL-safe alphabet.
 */
function base64Interiors(plain: string): string[] {
  const bytes = Buffer.from(plain, 'utf8');
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const fullGroups = Math.floor(padded.length / 3);
    // Groups that contain a padding byte (the first one when shift > 0) are not the key's own characters.
    const firstGroup = shift === 0 ? 0 : 1;
    if (fullGroups <= firstGroup) continue;
    const std = padded.subarray(firstGroup * 3, fullGroups * 3).toString('base64');
    out.push(std, std.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}
