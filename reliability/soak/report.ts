/** The soak's figures and its pass/fail criteria, from a result of soak.ts. */
import type { SoakResult } from './soak.js';

/** The memory criterion of issue 4: peak RSS during the outage minus the baseline. */
const MAX_RSS_GROWTH = 20 * 1024 * 1024;

export interface Criterion {
  what: string;
  figure: string;
  target: string;
  pass: boolean;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/**
 * Events/s over the sampling intervals in which the server stored rows: the publishing speed itself, without
 * the time sessions spent waiting out their round pauses.
 */
export function activeDrainRate(r: SoakResult): number | null {
  let ms = 0;
  let rows = 0;
  for (let i = 1; i < r.drainCurve.length; i++) {
    const [t0, n0] = r.drainCurve[i - 1]!;
    const [t1, n1] = r.drainCurve[i]!;
    if (n1 > n0) {
      ms += t1 - t0;
      rows += n1 - n0;
    }
  }
  return ms > 0 ? rows / (ms / 1000) : null;
}

export function criteria(r: SoakResult): { figures: [string, string][]; checks: Criterion[] } {
  const v = r.verification;
  const active = activeDrainRate(r);
  const delta = r.peakRss - r.baselineRss;
  const figures: [string, string][] = [
    ['records appended (rate)', `${r.recordsWritten} (${r.rate}/s)`],
    ['outage', secs(r.outageMs)],
    ['backlog growth during the outage', `${v.inWindow} events`],
    ['backlog drained after the outage', `${r.backlogDrained} events`],
    ['baseline RSS (at warm-up end)', mib(r.baselineRss)],
    ['peak RSS during the outage', mib(r.peakRss)],
    ['peak RSS while draining (not a criterion)', mib(r.drainPeakRss)],
    ['recovery wait (outage off -> first row)', secs(r.recoveryMs)],
    ['drain time (outage off -> nothing publishable left)', secs(r.drainMs)],
    ['drain rate (first row -> drained)', r.drainRate === null ? '-' : `${Math.round(r.drainRate)} events/s`],
    ['drain rate while rows were arriving', active === null ? '-' : `${Math.round(active)} events/s`],
    [
      'drain rate (outage off -> drained)',
      r.drainMs === null ? '-' : `${Math.round(r.backlogDrained / (r.drainMs / 1000))} events/s`,
    ],
    ['server rows / expected events', `${v.stored} / ${v.expected} in ${v.sessions} sessions`],
    ['refused by the server / still open locally', `${v.refused} / ${v.open}`],
  ];
  const checks: Criterion[] = [
    {
      what: 'backlog growth during the outage',
      figure: `${v.inWindow} events`,
      target: `>= ${r.options.events}`,
      pass: v.inWindow >= r.options.events,
    },
    {
      what: 'peak RSS - baseline RSS',
      figure: `${(delta / 2 ** 20).toFixed(1)} MiB`,
      target: '<= 20 MiB',
      pass: delta <= MAX_RSS_GROWTH,
    },
    { what: 'backlog drained', figure: secs(r.drainMs), target: 'yes', pass: r.drainMs !== null },
    {
      what: 'open groups closed and published',
      figure: r.settled ? 'yes' : 'no',
      target: r.options.settleS > 0 ? 'yes' : 'not waited for',
      pass: r.settled,
    },
    {
      what: 'rows in ordinal order; last ordinal stored',
      figure: `${v.outOfOrder} out of order, ${v.gapsAtEnd} sessions short`,
      target: '0, 0',
      pass: v.outOfOrder === 0 && v.gapsAtEnd === 0,
    },
    {
      what: 'multiset per session: missing / twice / unknown',
      figure: `${v.missing} / ${v.twice} / ${v.unexpected}`,
      target: '0 / 0 / 0',
      pass: v.missing === 0 && v.twice === 0 && v.unexpected === 0 && v.unnumbered === 0,
    },
    {
      what: 'sync --watch stopped with SIGTERM',
      figure: `exit ${r.daemonExit.code ?? r.daemonExit.signal}`,
      target: 'exit 0',
      pass: r.daemonExit.code === 0,
    },
  ];
  return { figures, checks };
}
