/** Parts of `collector status|stats` output: latency in seconds, and the server's view of one session. */
import type { CollectorConfig } from '../../../config/index.js';
import { formatCount, plural, shortTime } from '../../output.js';
import type { CollectorModule } from './shared.js';

type StatusOutcome = import('../../../collector/index.js').StatusOutcome;

export type LatencyView = ReturnType<CollectorModule['publishStats']>['latency_secs'];

function secs(v: number | null): string {
  if (v === null) return '-';
  return v < 10 ? `${v.toFixed(1)} s` : `${formatCount(Math.round(v))} s`;
}

export function latencyLine(l: LatencyView): string {
  const live =
    l.live.count === 0
      ? 'no live event acknowledged yet'
      : `p50 ${secs(l.live.p50)}, p90 ${secs(l.live.p90)}, p99 ${secs(l.live.p99)}, max ${secs(l.live.max)} ` +
        `over ${plural(l.live.count, 'live event')}`;
  const backfill =
    l.backfill.count === 0
      ? ''
      : `; backfill counted apart: ${plural(l.backfill.count, 'event')} of history, p50 ${secs(l.backfill.p50)}`;
  return `latency observed → acknowledged: ${live}${backfill}`;
}

/** What the server says about one session (`collector status SESSION`), as data. */
export interface SessionProbe {
  id: string;
  wire_session_id: string;
  /** `found`; `not-found` (the server has no events for it); `foreign` (another collector's); `error`. */
  server: 'found' | 'not-found' | 'foreign' | 'error';
  conversation_id: string | null;
  last_sequence: number | null;
  event_count: number | null;
  first_event_at: string | null;
  last_event_at: string | null;
  status: string | null;
  /** What went wrong (or the server's text for not-found / foreign). */
  detail: string | null;
}

export async function sessionProbe(
  c: CollectorModule,
  cc: CollectorConfig,
  id: string,
): Promise<SessionProbe> {
  const wire = c.wireSessionId(id);
  const o: StatusOutcome = await c.clientFor(cc).sessionStatus(wire);
  const empty = {
    conversation_id: null,
    last_sequence: null,
    event_count: null,
    first_event_at: null,
    last_event_at: null,
    status: null,
  };
  const base = { id, wire_session_id: wire };
  if (o.kind === 'status') {
    const s = o.session;
    return {
      ...base,
      server: 'found',
      conversation_id: s.conversation_id,
      last_sequence: s.last_sequence,
      event_count: s.event_count,
      first_event_at: s.first_event_at,
      last_event_at: s.last_event_at,
      status: s.status,
      detail: null,
    };
  }
  const detail = 'detail' in o && typeof o.detail === 'string' ? o.detail : o.kind;
  if (o.kind === 'notFound') return { ...base, ...empty, server: 'not-found', detail };
  if (o.kind === 'foreignSession') return { ...base, ...empty, server: 'foreign', detail };
  return { ...base, ...empty, server: 'error', detail: `${o.kind}: ${detail}` };
}

export function renderProbe(p: SessionProbe): string[] {
  const head = `session ${p.id}${p.wire_session_id !== p.id ? ` (on the server: ${p.wire_session_id})` : ''}`;
  switch (p.server) {
    case 'found':
      return [
        `${head}: the server holds ${plural(p.event_count ?? 0, 'event')}, last sequence ${p.last_sequence}, ` +
          `status ${p.status}`,
        `  first event ${shortTime(p.first_event_at)}, last batch received ${shortTime(p.last_event_at)}; ` +
          `conversation ${p.conversation_id}`,
      ];
    case 'not-found':
      return [`${head}: the server has no events for it`];
    case 'foreign':
      return [`${head}: the server holds it for another collector`];
    case 'error':
      return [`${head}: could not ask the server: ${p.detail}`];
    default:
      return p.server satisfies never;
  }
}
