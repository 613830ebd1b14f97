/**
 * Calendar periods in the user's time zone (the process's `TZ`, as every local time we print) or in UTC.
 * Node's Date getters follow `TZ`, DST included, so a local day can be 23 or 25 hours long.
 */

export type Zone = 'local' | 'utc';

interface Parts {
  y: number;
  m: number; // 1–12
  d: number;
  hh: number;
  mm: number;
  weekday: number; // 0 = Sunday
}

function parts(ms: number, zone: Zone): Parts {
  const t = new Date(ms);
  return zone === 'utc'
    ? {
        y: t.getUTCFullYear(),
        m: t.getUTCMonth() + 1,
        d: t.getUTCDate(),
        hh: t.getUTCHours(),
        mm: t.getUTCMinutes(),
        weekday: t.getUTCDay(),
      }
    : {
        y: t.getFullYear(),
        m: t.getMonth() + 1,
        d: t.getDate(),
        hh: t.getHours(),
        mm: t.getMinutes(),
        weekday: t.getDay(),
      };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const ymd = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

export function dayKey(ms: number, zone: Zone): string {
  const p = parts(ms, zone);
  return ymd(p.y, p.m, p.d);
}

export function monthKey(ms: number, zone: Zone): string {
  const p = parts(ms, zone);
  return `${pad(p.y, 4)}-${pad(p.m)}`;
}

/** The Monday that starts the ISO 8601 week holding `ms`, as YYYY-MM-DD. */
export function weekKey(ms: number, zone: Zone): string {
  const p = parts(ms, zone);
  // Calendar arithmetic on a UTC date: no DST in the way, and Date.UTC normalises day 0 or -3.
  const monday = new Date(Date.UTC(p.y, p.m - 1, p.d - ((p.weekday + 6) % 7)));
  return ymd(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate());
}

/** `2026-11-27 10:01` in the zone. */
export function formatMinute(ms: number, zone: Zone): string {
  const p = parts(ms, zone);
  return `${ymd(p.y, p.m, p.d)} ${pad(p.hh)}:${pad(p.mm)}`;
}

/** What the zone is called, for labels: the IANA name Node resolved from `TZ`, or UTC. */
export function zoneName(zone: Zone): string {
  if (zone === 'utc') return 'UTC';
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';
}

/** The instant a calendar day starts in the zone (local midnight, or the first instant after a DST gap). */
export function dayStart(y: number, m: number, d: number, zone: Zone): number {
  return zone === 'utc' ? Date.UTC(y, m - 1, d) : new Date(y, m - 1, d).getTime();
}

/** True when y-m-d names a real day (not 2026-02-30). */
export function isCalendarDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * `fn` remembered per quarter hour of UTC. Exact for calendar keys: every zone offset in use, and every
 * instant a zone changes its offset, falls on a quarter hour, so no local midnight lies inside one. Saves
 * the zone lookups of the Date getters, which are most of a daily report's time.
 */
export function perQuarterHour(fn: (ms: number) => string): (ms: number) => string {
  const memo = new Map<number, string>();
  return (ms) => {
    const q = Math.floor(ms / 900_000);
    let key = memo.get(q);
    if (key === undefined) {
      key = fn(q * 900_000);
      memo.set(q, key);
    }
    return key;
  };
}
