/**
 * `aiobscura usage`: the responses of the store folded into report rows (a day, a week, a month, a session,
 * a project, a model or a 5-hour block), each with its token columns and its cost, plus a total row.
 * Every response lands in exactly one row, so the rows always add up to the total.
 */
import { type Db, type UsageFilter, type UsageResponseRow, usageResponses } from '../store/index.js';
import { BlockCutter } from './blocks.js';
import type { CostResult } from './cost.js';
import { dayKey, monthKey, perQuarterHour, weekKey, type Zone, zoneName } from './periods.js';
import { PriceBook, type PriceSource, priceSource } from './pricing.js';
import { TOKEN_COLUMNS, type TokenCounts } from './tokens.js';
import {
  addToGroup,
  costFields,
  newGroup,
  tokenFields,
  type UsageGroup,
  type UsageReportKind,
  type UsageRow,
} from './usage-group.js';
import { shapeRows } from './usage-rows.js';

export interface UsageReportOptions {
  kind: UsageReportKind;
  filter: UsageFilter;
  zone: Zone;
  /** The clock, for the active block. */
  now: number;
}

export interface UsageReport {
  report: UsageReportKind;
  time_zone: string;
  filter: { since: string | null; until: string | null; assistant: string | null; project: string | null };
  pricing: PriceSource;
  rows: UsageRow[];
  totals: UsageRow;
  notes: string[];
}

/** Parsed timestamp of a response, null when it has none or it does not parse. */
function instant(r: UsageResponseRow): number | null {
  if (!r.emitted_at) return null;
  const t = Date.parse(r.emitted_at);
  return Number.isNaN(t) ? null : t;
}

function keyer(kind: UsageReportKind, zone: Zone): (r: UsageResponseRow, at: number | null) => string {
  const cutters = new Map<string, BlockCutter>();
  const period = (fn: (ms: number, z: Zone) => string) => {
    const of = perQuarterHour((ms) => fn(ms, zone));
    return (_r: UsageResponseRow, at: number | null) => (at === null ? '' : of(at));
  };
  switch (kind) {
    case 'daily':
      return period(dayKey);
    case 'weekly':
      return period(weekKey);
    case 'monthly':
      return period(monthKey);
    case 'session':
      return (r) => r.root_session_id;
    case 'project':
      return (r) => r.cwd ?? '';
    case 'model':
      return (r) => r.model ?? '';
    case 'blocks':
      return (r, at) => {
        if (at === null) return '';
        let cutter = cutters.get(r.assistant);
        if (!cutter) {
          cutter = new BlockCutter();
          cutters.set(r.assistant, cutter);
        }
        return `${r.assistant}\u0000${cutter.assign(at)}`;
      };
    default:
      return kind satisfies never;
  }
}

export async function buildUsageReport(db: Db, opts: UsageReportOptions): Promise<UsageReport> {
  const book = await PriceBook.load();
  const groups = new Map<string, UsageGroup>();
  const all = newGroup('', book);
  const key = keyer(opts.kind, opts.zone);
  for (const r of usageResponses(db, opts.filter, opts.kind === 'blocks')) {
    const at = instant(r);
    const t: TokenCounts = {
      input: r.input,
      output: r.output,
      cache_read: r.cache_read,
      cache_creation: r.cache_creation,
    };
    const k = key(r, at);
    let g = groups.get(k);
    if (!g) {
      g = newGroup(k, book);
      groups.set(k, g);
    }
    const priced = book.classify(r.assistant, r.model, t, at);
    addToGroup(g, r, t, at, priced);
    addToGroup(all, r, t, at, priced);
  }
  const total = all.cost.result();
  return {
    report: opts.kind,
    time_zone: zoneName(opts.zone),
    filter: {
      since: opts.filter.since ?? null,
      until: opts.filter.until ?? null,
      assistant: opts.filter.assistant ?? null,
      project: opts.filter.project ?? null,
    },
    pricing: priceSource(),
    rows: shapeRows(db, opts.kind, opts.now, [...groups.values()]),
    totals: { ...tokenFields(all.responses, all.tokens), sessions: all.sessions.size, ...costFields(total) },
    notes: notes(total),
  };
}

function notes(total: CostResult): string[] {
  const out = TOKEN_COLUMNS.filter((c) => !c.recorded && c.note).map((c) => c.note!);
  out.push(
    'cache writes are priced at the 5-minute rate: the store does not keep the 1-hour part separately',
  );
  if (total.unpriced_tokens > 0 || total.unpriced_models.length > 0)
    out.push(`no known price for: ${total.unpriced_models.join(', ')}`);
  return out;
}
