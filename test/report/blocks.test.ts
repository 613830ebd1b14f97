/** The 5-hour blocks, as ccusage defines them (see src/report/blocks.ts), on hand-made timelines. */
import { describe, expect, it } from 'vitest';
import { BlockCutter, floorToUtcHour, gapBetween, isActive } from '../../src/report/index.js';

const t = (hhmm: string, day = '2026-01-10') => Date.parse(`${day}T${hhmm}:00Z`);
const hm = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('2026-01-', '');

/** Blocks as `start-end first..last`, gaps as `gap start-end`, in order. */
function cut(times: number[]): string[] {
  const cutter = new BlockCutter();
  for (const at of times) cutter.assign(at);
  const out: string[] = [];
  cutter.blocks.forEach((b, i) => {
    const prev = cutter.blocks[i - 1];
    const gap = prev ? gapBetween(prev.last, b.first) : null;
    if (gap) out.push(`gap ${hm(gap.start)}-${hm(gap.end)}`);
    out.push(`${hm(b.start)}-${hm(b.end)} ${hm(b.first)}..${hm(b.last)}`);
  });
  return out;
}

describe('blocks', () => {
  it.each([
    ['one response, floored to its hour', [t('10:55')], ['10T10:00-10T15:00 10T10:55..10T10:55']],
    [
      'responses within 5 hours share a block',
      [t('10:00'), t('11:00'), t('12:00')],
      ['10T10:00-10T15:00 10T10:00..10T12:00'],
    ],
    [
      'exactly 5 hours after the start still belongs',
      [t('10:00'), t('15:00')],
      ['10T10:00-10T15:00 10T10:00..10T15:00'],
    ],
    [
      'past 5 hours after the start: a new block, no gap',
      [t('10:30'), t('14:00'), t('15:30')],
      ['10T10:00-10T15:00 10T10:30..10T14:00', '10T15:00-10T20:00 10T15:30..10T15:30'],
    ],
    [
      'a pause of exactly 5 hours is no gap',
      [t('10:00'), t('12:00'), t('17:00')],
      ['10T10:00-10T15:00 10T10:00..10T12:00', '10T17:00-10T22:00 10T17:00..10T17:00'],
    ],
    [
      'a pause over 5 hours is a gap from last + 5 h to the next response',
      [t('10:00'), t('16:01')],
      [
        '10T10:00-10T15:00 10T10:00..10T10:00',
        'gap 10T15:00-10T16:01',
        '10T16:00-10T21:00 10T16:01..10T16:01',
      ],
    ],
    [
      'across midnight and days',
      [t('22:10'), t('02:00', '2026-01-11'), t('09:00', '2026-01-12')],
      [
        '10T22:00-11T03:00 10T22:10..11T02:00',
        'gap 11T07:00-12T09:00',
        '12T09:00-12T14:00 12T09:00..12T09:00',
      ],
    ],
  ])('%s', (_name, times, expected) => {
    expect(cut(times)).toEqual(expected);
  });

  it('is active while under 5 hours since the last response and before the block ends', () => {
    const block = { start: t('10:00'), end: t('15:00'), first: t('10:20'), last: t('12:00') };
    expect(isActive(block, t('14:59'))).toBe(true);
    expect(isActive(block, t('15:00'))).toBe(false);
    expect(isActive({ ...block, last: t('10:20') }, t('15:20'))).toBe(false);
    expect(isActive({ ...block, last: t('10:20') }, t('14:00'))).toBe(true);
  });

  it('floors to the UTC hour, whatever the local zone (as ccusage does)', () => {
    expect(new Date(floorToUtcHour(Date.parse('2026-01-10T10:59:59.999Z'))).toISOString()).toBe(
      '2026-01-10T10:00:00.000Z',
    );
    expect(floorToUtcHour(Date.parse('1969-12-31T23:30:00Z'))).toBe(Date.parse('1969-12-31T23:00:00Z'));
  });
});
