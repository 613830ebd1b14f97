/**
 * Datetimes the way CatSyphon sees them: pydantic's lax `datetime` parsing (speedate) of `emitted_at` /
 * `observed_at`, Python's `datetime.isoformat()` for the hash preimage, and pydantic's serialisation (`Z`,
 * microseconds only when non-zero) for response bodies.
 */

import { PyFloat, PyInt } from './pyjson.js';

export interface PyDatetime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly micro: number;
  /** UTC offset in seconds; null for a naive datetime. */
  readonly offset: number | null;
  /** Microseconds since the epoch (a naive value is read as UTC, as Postgres does with timezone UTC). */
  readonly epochMicros: number;
}

export type DatetimeResult =
  | { ok: true; value: PyDatetime }
  | { ok: false; type: 'datetime_type' | 'datetime_parsing' | 'datetime_from_date_parsing'; error?: string };

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function epochMicros(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime() * 1000 + us;
}

function make(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  us: number,
  offset: number | null,
): PyDatetime {
  return {
    year: y,
    month: mo,
    day: d,
    hour: h,
    minute: mi,
    second: s,
    micro: us,
    offset,
    epochMicros: epochMicros(y, mo, d, h, mi, s, us) - (offset ?? 0) * 1_000_000,
  };
}

/** A UTC-aware datetime for epoch microseconds (how a unix-timestamp input becomes a datetime). */
export function fromEpochMicros(us: number): PyDatetime {
  const ms = Math.floor(us / 1000);
  const date = new Date(ms);
  return make(
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    us - Math.floor(us / 1_000_000) * 1_000_000,
    0,
  );
}

const MIN_TS = -62_135_596_800; // 0001-01-01T00:00:00Z
const MAX_TS = 253_402_300_799; // 9999-12-31T23:59:59Z

function fromTimestamp(n: number): DatetimeResult {
  if (!Number.isFinite(n))
    return { ok: false, type: 'datetime_parsing', error: 'input is not a valid timestamp' };
  // speedate: values above 2e10 are milliseconds
  const seconds = Math.abs(n) > 20_000_000_000 ? n / 1000 : n;
  if (seconds > MAX_TS) {
    return {
      ok: false,
      type: 'datetime_parsing',
      error: 'dates after 9999 are not supported as unix timestamps',
    };
  }
  if (seconds < MIN_TS) {
    return {
      ok: false,
      type: 'datetime_parsing',
      error: 'dates before 0000 are not supported as unix timestamps',
    };
  }
  return { ok: true, value: fromEpochMicros(Math.round(seconds * 1_000_000)) };
}

/** pydantic (python mode, lax) `datetime` validation of a JSON value. */
export function parseDatetime(v: unknown): DatetimeResult {
  if (typeof v === 'number') return fromTimestamp(v);
  if (v instanceof PyFloat) return fromTimestamp(v.value);
  if (v instanceof PyInt) return fromTimestamp(Number(v.value));
  if (typeof v !== 'string') return { ok: false, type: 'datetime_type' };
  if (/^\s*-?\d+(\.\d+)?\s*$/.test(v)) return fromTimestamp(Number(v));
  const r = parseIsoString(v);
  if (typeof r === 'string') return { ok: false, type: 'datetime_from_date_parsing', error: r };
  return { ok: true, value: r };
}

function digits(s: string, at: number, n: number): number | null {
  const part = s.slice(at, at + n);
  if (part.length !== n || !/^\d+$/.test(part)) return null;
  return Number(part);
}

/** speedate's RFC 3339 / ISO 8601 subset; returns the error text on failure. */
function parseIsoString(s: string): PyDatetime | string {
  if (s.length < 10) return 'input is too short';
  const y = digits(s, 0, 4);
  if (y === null) return 'invalid character in year';
  if (s[4] !== '-') return 'invalid date separator, expected `-`';
  const mo = digits(s, 5, 2);
  if (mo === null) return 'invalid character in month';
  if (s[7] !== '-') return 'invalid date separator, expected `-`';
  const d = digits(s, 8, 2);
  if (d === null) return 'invalid character in day';
  if (mo < 1 || mo > 12) return 'month value is outside expected range';
  const dim = mo === 2 && isLeap(y) ? 29 : (DAYS[mo - 1] ?? 31);
  if (d < 1 || d > dim) return 'day value is outside expected range';
  if (y === 0) return 'year 0 is out of range';
  if (s.length === 10) return make(y, mo, d, 0, 0, 0, 0, null);
  if (!'Tt _'.includes(s[10] ?? '')) return 'invalid datetime separator, expected `T`, `t`, `_` or space';
  let i = 11;
  const h = digits(s, i, 2);
  if (h === null) return s.length < i + 2 ? 'input is too short' : 'invalid character in hour';
  if (s[i + 2] !== ':')
    return s.length <= i + 2 ? 'input is too short' : 'invalid time separator, expected `:`';
  const mi = digits(s, i + 3, 2);
  if (mi === null) return s.length < i + 5 ? 'input is too short' : 'invalid character in minute';
  if (h > 23) return 'hour value is outside expected range';
  if (mi > 59) return 'minute value is outside expected range';
  i += 5;
  let sec = 0;
  let us = 0;
  if (s[i] === ':') {
    const ss = digits(s, i + 1, 2);
    if (ss === null) return s.length < i + 3 ? 'input is too short' : 'invalid character in second';
    if (ss > 59) return 'second value is outside expected range';
    sec = ss;
    i += 3;
    if (s[i] === '.' || s[i] === ',') {
      const m = /^\d+/.exec(s.slice(i + 1));
      if (!m) return 'invalid character in second fraction';
      if (m[0].length > 6) return 'second fraction value is more than 6 digits long';
      us = Number(m[0].padEnd(6, '0'));
      i += 1 + m[0].length;
    }
  }
  let offset: number | null = null;
  const tz = s[i];
  if (tz === 'Z' || tz === 'z') {
    offset = 0;
    i += 1;
  } else if (tz === '+' || tz === '-') {
    const oh = digits(s, i + 1, 2);
    if (oh === null) return 'invalid timezone hour';
    let om = 0;
    let j = i + 3;
    if (s[j] === ':') j++;
    if (j < s.length) {
      const m = digits(s, j, 2);
      if (m === null) return 'invalid timezone minute';
      om = m;
      j += 2;
    }
    if (oh >= 24) return 'timezone offset must be less than 24 hours';
    if (om > 59) return 'timezone minute value is outside expected range';
    offset = (tz === '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i = j;
  } else if (tz !== undefined) {
    return 'invalid timezone sign';
  }
  if (i !== s.length) return 'unexpected extra characters at the end of the input';
  return make(y, mo, d, h, mi, sec, us, offset);
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** Python `datetime.isoformat()`. */
export function isoformat(dt: PyDatetime): string {
  let out = `${String(dt.year).padStart(4, '0')}-${p2(dt.month)}-${p2(dt.day)}T${p2(dt.hour)}:${p2(dt.minute)}:${p2(dt.second)}`;
  if (dt.micro !== 0) out += `.${String(dt.micro).padStart(6, '0')}`;
  if (dt.offset !== null) {
    const sign = dt.offset < 0 ? '-' : '+';
    const abs = Math.abs(dt.offset);
    out += `${sign}${p2(Math.floor(abs / 3600))}:${p2(Math.floor((abs % 3600) / 60))}`;
    if (abs % 60 !== 0) out += `:${p2(abs % 60)}`;
  }
  return out;
}

/** A response datetime: UTC, `Z`, microseconds only when non-zero (e.g. `2026-11-27T10:23:41.178031Z`). */
export function formatResponseTime(epochMicrosValue: number): string {
  const dt = fromEpochMicros(epochMicrosValue);
  return `${isoformat({ ...dt, offset: null })}Z`;
}

/** Server "now" in epoch microseconds (millisecond clock, sub-millisecond digits from the monotonic clock). */
export function nowMicros(): number {
  const ms = Date.now();
  const sub = Math.floor((performance.now() % 1) * 1000);
  return ms * 1000 + sub;
}
