/** The fields each kind of usage row carries besides tokens and cost, and the order rows come in. */
import { type Db, usageSessions } from '../store/index.js';
import { BLOCK_MS, type BlockSpan, burnRate, floorToUtcHour, gapBetween, isActive } from './blocks.js';
import {
  costFields,
  tokenFields,
  type UsageGroup,
  type UsageReportKind,
  type UsageRow,
} from './usage-group.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const sorted = (s: Set<string>) => [...s].sort();
/** The row of responses without a timestamp (or without a session's project, or a model) has key ''. */
const orNull = (k: string) => (k === '' ? null : k);

function common(g: UsageGroup): UsageRow {
  return { models: sorted(g.models), ...tokenFields(g.responses, g.tokens), ...costFields(g.cost.result()) };
}

/** Cost first (unpriced last), then tokens: the rows worth looking at come first. */
function byCost(a: UsageRow, b: UsageRow): number {
  const ca = (a.cost_usd as number | null) ?? -1;
  const cb = (b.cost_usd as number | null) ?? -1;
  return cb - ca || (b.tokens_total as number) - (a.tokens_total as number);
}

/** Time keys sort as text; the row without a timestamp goes last. */
function byKey(a: UsageGroup, b: UsageGroup): number {
  if (a.key === '' || b.key === '') return Number(a.key === '') - Number(b.key === '');
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function sessionRows(db: Db, groups: UsageGroup[]): UsageRow[] {
  const info = usageSessions(
    db,
    groups.map((g) => g.key),
  );
  return groups
    .sort((a, b) => (a.last ?? 0) - (b.last ?? 0) || (a.key < b.key ? -1 : 1))
    .map((g) => {
      const s = info.get(g.key);
      return {
        session_id: g.key,
        assistant: s?.assistant ?? g.sample?.assistant ?? null,
        project: s?.cwd ?? g.sample?.cwd ?? null,
        title: s?.title ?? null,
        first_activity: iso(g.first),
        last_activity: iso(g.last),
        sub_agents: s?.sub_agents ?? 0,
        ...common(g),
      };
    });
}

/** What ccusage shows for the block in progress: time left, burn rate and where the block is heading. */
function activeFields(span: BlockSpan, now: number, c: UsageRow): UsageRow {
  const cost = c.cost_usd as number | null;
  const rate = burnRate(span, c.tokens_total as number, cost);
  const remaining = Math.max(0, span.end - now) / 60_000;
  const perHour = rate?.cost_per_hour_usd ?? null;
  return {
    remaining_minutes: Math.round(remaining),
    burn_rate: rate,
    projected_cost_usd: perHour === null || cost === null ? cost : cost + (perHour / 60) * remaining,
  };
}

/** Blocks in time order, each assistant's gaps between its own blocks, the untimed responses last. */
function blockRows(groups: UsageGroup[], now: number): UsageRow[] {
  const rows: UsageRow[] = [];
  const lastOf = new Map<string, number>();
  const timed = groups.filter((g) => g.first !== null && g.last !== null);
  for (const g of timed.sort((a, b) => a.first! - b.first!)) {
    const assistant = g.sample?.assistant ?? '';
    const start = floorToUtcHour(g.first!);
    const span: BlockSpan = { start, end: start + BLOCK_MS, first: g.first!, last: g.last! };
    const prev = lastOf.get(assistant);
    const gap = prev === undefined ? null : gapBetween(prev, span.first);
    if (gap)
      rows.push({ assistant, start: iso(gap.start), end: iso(gap.end), is_active: false, is_gap: true });
    lastOf.set(assistant, span.last);
    const c = common(g);
    const active = isActive(span, now);
    rows.push({
      assistant,
      start: iso(span.start),
      end: iso(span.end),
      first_activity: iso(span.first),
      last_activity: iso(span.last),
      is_active: active,
      is_gap: false,
      ...c,
      ...(active ? activeFields(span, now, c) : {}),
    });
  }
  const untimed = groups.find((g) => g.first === null);
  if (untimed)
    rows.push({
      assistant: null,
      start: null,
      end: null,
      is_active: false,
      is_gap: false,
      ...common(untimed),
    });
  return rows;
}

export function shapeRows(db: Db, kind: UsageReportKind, now: number, groups: UsageGroup[]): UsageRow[] {
  switch (kind) {
    case 'daily':
      return groups.sort(byKey).map((g) => ({ date: orNull(g.key), ...common(g) }));
    case 'weekly':
      return groups.sort(byKey).map((g) => ({ week_start: orNull(g.key), ...common(g) }));
    case 'monthly':
      return groups.sort(byKey).map((g) => ({ month: orNull(g.key), ...common(g) }));
    case 'session':
      return sessionRows(db, groups);
    case 'project':
      return groups
        .map((g) => ({
          project: orNull(g.key),
          sessions: g.sessions.size,
          assistants: sorted(g.assistants),
          ...common(g),
        }))
        .sort(byCost);
    case 'model':
      return groups
        .map((g) => ({
          model: orNull(g.key),
          assistants: sorted(g.assistants),
          priced_as: g.cost.pricedAs()[0] ?? null,
          ...common(g),
        }))
        .sort(byCost);
    case 'blocks':
      return blockRows(groups, now);
    default:
      return kind satisfies never;
  }
}
