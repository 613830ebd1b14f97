/** Days, ISO weeks and months in the zone `TZ` names (DST included), and in UTC. */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  dayKey,
  dayStart,
  formatMinute,
  isCalendarDay,
  monthKey,
  perQuarterHour,
  weekKey,
  zoneName,
} from '../../src/report/index.js';

const original = process.env.TZ;
afterEach(() => {
  process.env.TZ = original;
});
const at = (iso: string) => Date.parse(iso);

describe('periods', () => {
  it.each([
    // zone, instant, day, ISO week's Monday, month
    ['America/New_York', '2026-03-08T04:59:59Z', '2026-03-07', '2026-03-02', '2026-03'],
    ['America/New_York', '2026-03-08T07:30:00Z', '2026-03-08', '2026-03-02', '2026-03'],
    ['America/Los_Angeles', '2026-01-05T03:00:00Z', '2026-01-04', '2025-12-29', '2026-01'],
    ['UTC', '2026-01-05T03:00:00Z', '2026-01-05', '2026-01-05', '2026-01'],
    ['Asia/Tokyo', '2026-01-31T15:00:00Z', '2026-02-01', '2026-01-26', '2026-02'],
    ['Australia/Adelaide', '2025-12-31T13:29:59Z', '2025-12-31', '2025-12-29', '2025-12'],
    ['Australia/Adelaide', '2025-12-31T13:30:00Z', '2026-01-01', '2025-12-29', '2026-01'],
    ['Pacific/Kiritimati', '2026-01-04T10:00:00Z', '2026-01-05', '2026-01-05', '2026-01'],
  ])('%s %s → day %s, week of %s, month %s', (tz, iso, day, week, month) => {
    process.env.TZ = tz;
    expect(dayKey(at(iso), 'local')).toBe(day);
    expect(weekKey(at(iso), 'local')).toBe(week);
    expect(monthKey(at(iso), 'local')).toBe(month);
    expect(zoneName('local')).toBe(tz);
  });

  it('ignores TZ in UTC mode', () => {
    process.env.TZ = 'Pacific/Kiritimati';
    expect(dayKey(at('2026-01-04T23:00:00Z'), 'utc')).toBe('2026-01-04');
    expect(weekKey(at('2026-01-04T23:00:00Z'), 'utc')).toBe('2025-12-29');
    expect(formatMinute(at('2026-01-04T23:05:00Z'), 'utc')).toBe('2026-01-04 23:05');
    expect(formatMinute(at('2026-01-04T23:05:00Z'), 'local')).toBe('2026-01-05 13:05');
    expect(zoneName('utc')).toBe('UTC');
  });

  it('starts a local day at local midnight, on either side of a DST change', () => {
    process.env.TZ = 'America/New_York';
    expect(new Date(dayStart(2026, 3, 8, 'local')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(dayStart(2026, 3, 9, 'local')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(new Date(dayStart(2026, 2, 29, 'utc')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('knows which dates exist', () => {
    expect(isCalendarDay(2024, 2, 29)).toBe(true);
    expect(isCalendarDay(2026, 2, 29)).toBe(false);
    expect(isCalendarDay(2026, 2, 30)).toBe(false);
    expect(isCalendarDay(2026, 13, 1)).toBe(false);
  });

  it('gives the same keys when remembered per quarter hour, across DST changes and odd offsets', () => {
    for (const tz of ['America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Europe/Dublin', 'UTC']) {
      process.env.TZ = tz;
      const day = perQuarterHour((ms) => dayKey(ms, 'local'));
      const week = perQuarterHour((ms) => weekKey(ms, 'local'));
      fc.assert(
        fc.property(fc.integer({ min: Date.parse('2024-01-01'), max: Date.parse('2027-12-31') }), (ms) => {
          expect(day(ms)).toBe(dayKey(ms, 'local'));
          expect(week(ms)).toBe(weekKey(ms, 'local'));
        }),
        { numRuns: 2000 },
      );
    }
  });
});
