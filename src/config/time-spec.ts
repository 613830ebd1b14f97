/**
 * The one grammar for a point in time given on the command line or in the config file (`--since`, `--until`,
 * `--max-age`, `collector.backfill_since`): a duration back from now (`45s`, `30m`, `12h`, `7d`, `2w`) or an
 * ISO 8601 date or date-time. A date without a time is that day's midnight, and a date-time without an offset
 * is read in the local time zone (`TZ`), as `date` and `git --since` read them; `utc` reads both in UTC.
 * Anything else (a bare number, `2026-02-30`, `yesterday`) is an error naming the flag or key and these forms:
 * a guess would silently select the wrong sessions.
 */

export const TIME_SPEC_FORMS =
  'an ISO date or date-time (2026-01-31, 2026-01-31T09:30, 2026-01-31T09:30:00Z) ' +
  'or a duration back from now (45s, 30m, 12h, 7d, 2w)';

/** A value outside the grammar; `key` is the flag (`--since`) or config key (`collector.backfill_since`). */
export class TimeSpecError extends Error {
  override name = 'TimeSpecError';
  constructor(
    readonly key: string,
    /** The message without the key, for callers that name the key themselves (commander does). */
    readonly detail: string,
  ) {
    super(`${key}: ${detail}`);
  }
}

export interface TimeSpecOptions {
  /** The instant durations count back from; default: now. */
  now?: Date;
  /** Read dates and offset-less date-times in UTC instead of the local time zone. */
  utc?: boolean;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const DURATION = /^(\d+)\s*([smhdw])$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function expected(value: string): string {
  return `expected ${TIME_SPEC_FORMS}, got ${JSON.stringify(value)}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Offset in minutes east of UTC, from `Z`, `+02`, `+0200` or `+02:00`; null when out of range. */
function offsetMinutes(zone: string): number | null {
  if (/^z$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? 0);
  if (hours > 23 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function parseIso(value: string, m: RegExpExecArray, key: string, utc: boolean): Date {
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const impossible = (why: string) =>
    new TimeSpecError(
      key,
      `${JSON.stringify(value)} is not a real date or time (${why}); expected ${TIME_SPEC_FORMS}`,
    );
  if (month < 1 || month > 12) throw impossible(`there is no month ${month}`);
  const days = daysIn(year, month);
  if (day < 1 || day > days) throw impossible(`${MONTHS[month - 1]} ${year} has ${days} days`);
  if (hour > 23 || minute > 59 || second > 59) throw impossible('hours go to 23, minutes and seconds to 59');
  if (m[8] !== undefined) {
    const offset = offsetMinutes(m[8]);
    if (offset === null) throw impossible(`${m[8]} is not a UTC offset`);
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000);
  }
  if (utc) return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  const local = new Date(year, month - 1, day, hour, minute, second, ms);
  // Years 0–99 are taken as 1900–1999 by the Date constructor.
  local.setFullYear(year);
  return local;
}

/** The instant a value names: now minus a duration, or the date or date-time it spells. */
export function parseInstant(value: string, key: string, opts: TimeSpecOptions = {}): Date {
  const text = value.trim();
  const now = opts.now ?? new Date();
  const rel = DURATION.exec(text);
  let at: Date;
  if (rel) at = new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  else {
    const iso = ISO.exec(text);
    if (!iso) throw new TimeSpecError(key, expected(value));
    at = parseIso(value, iso, key, opts.utc === true);
  }
  if (Number.isNaN(at.getTime())) throw new TimeSpecError(key, `${JSON.stringify(value)} is out of range`);
  return at;
}

/**
 * How long ago a value is, in milliseconds: the duration itself, or the time since the date it names (so
 * `--max-age 2026-01-31` means "older than that date"). Never negative.
 */
export function parseAgeMs(value: string, key: string, opts: TimeSpecOptions = {}): number {
  const now = opts.now ?? new Date();
  return Math.max(0, now.getTime() - parseInstant(value, key, { ...opts, now }).getTime());
}
