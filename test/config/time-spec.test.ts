/**
 * The one time grammar (config/time-spec.ts): every accepted form, the local-time reading of dates, and the
 * refusals (a bare number, impossible dates and times), each against an expectation built independently
 * (Date's own constructors, arithmetic on milliseconds).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseAgeMs, parseInstant, TIME_SPEC_FORMS, TimeSpecError } from '../../src/config/index.js';

const now = new Date('2026-11-27T12:00:00.000Z');
const at = (v: string, utc = false) => parseInstant(v, '--since', { now, utc }).toISOString();

const savedTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = savedTz;
});

describe('durations back from now', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 30 * 60_000],
    ['12h', 12 * 3_600_000],
    ['7d', 7 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['0d', 0],
    [' 3 h ', 3 * 3_600_000],
  ])('%s is now minus %i ms', (v, ms) => {
    expect(at(v)).toBe(new Date(now.getTime() - ms).toISOString());
    expect(parseAgeMs(v, '--max-age', { now })).toBe(ms);
  });
});

describe('ISO dates and date-times', () => {
  it('with Z or an offset: that instant, whatever the time zone', () => {
    process.env.TZ = 'Asia/Kolkata';
    expect(at('2026-01-31T09:30:00Z')).toBe('2026-01-31T09:30:00.000Z');
    expect(at('2026-01-31T09:30:00.250Z')).toBe('2026-01-31T09:30:00.250Z');
    expect(at('2026-01-31T10:00:00+02:00')).toBe('2026-01-31T08:00:00.000Z');
    expect(at('2026-01-31T10:00-0130')).toBe('2026-01-31T11:30:00.000Z');
    expect(at('2026-01-31 10:00+05')).toBe('2026-01-31T05:00:00.000Z');
  });

  it.each(['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati'])(
    'without an offset: local time in %s (a date alone is its midnight), or UTC when asked',
    (tz) => {
      process.env.TZ = tz;
      expect(at('2026-01-31')).toBe(new Date(2026, 0, 31).toISOString());
      expect(at('2026-07-04T09:30')).toBe(new Date(2026, 6, 4, 9, 30).toISOString());
      expect(at('2026-07-04 09:30:15')).toBe(new Date(2026, 6, 4, 9, 30, 15).toISOString());
      expect(at('2026-01-31', true)).toBe(new Date(Date.UTC(2026, 0, 31)).toISOString());
    },
  );

  it('a date as --max-age is the time since it', () => {
    expect(parseAgeMs('2026-11-26T12:00:00Z', '--max-age', { now })).toBe(86_400_000);
    expect(parseAgeMs('2027-01-01T00:00:00Z', '--max-age', { now })).toBe(0);
  });
});

describe('refusals name the key and the accepted forms', () => {
  const refused = (v: string, key = 'collector.backfill_since') => {
    try {
      parseInstant(v, key, { now });
    } catch (err) {
      expect(err).toBeInstanceOf(TimeSpecError);
      return (err as TimeSpecError).message;
    }
    throw new Error(`${v} was accepted`);
  };

  it.each([
    '7',
    '12',
    '1.5h',
    '7 days',
    'yesterday',
    '-3d',
    '3x',
    '',
    '2026-1-31',
    '2026-01-31T9:30',
    '31/01/2026',
  ])('%j is not in the grammar', (v) => {
    expect(refused(v)).toBe(
      `collector.backfill_since: expected ${TIME_SPEC_FORMS}, got ${JSON.stringify(v)}`,
    );
  });

  it.each([
    ['2026-02-30', 'February 2026 has 28 days'],
    ['2028-02-30', 'February 2028 has 29 days'],
    ['2026-04-31', 'April 2026 has 30 days'],
    ['2026-13-01', 'there is no month 13'],
    ['2026-00-10', 'there is no month 0'],
    ['2026-01-00', 'January 2026 has 31 days'],
    ['2026-01-31T24:00', 'hours go to 23'],
    ['2026-01-31T10:60', 'minutes and seconds to 59'],
    ['2026-01-31T10:00+25:00', '+25:00 is not a UTC offset'],
  ])('%s is not a real date or time: %s', (v, why) => {
    const message = refused(v, '--since');
    expect(message.startsWith(`--since: "${v}" is not a real date or time (`)).toBe(true);
    expect(message).toContain(why);
    expect(message).toContain(TIME_SPEC_FORMS);
  });

  it('a leap day exists only in leap years', () => {
    expect(at('2028-02-29', true)).toBe('2028-02-29T00:00:00.000Z');
    expect(refused('2027-02-29')).toContain('February 2027 has 28 days');
  });

  it('a duration beyond what a date can hold is refused, not wrapped', () => {
    expect(refused('99999999999999w', '--max-age')).toContain('is out of range');
  });
});
