/** One report row while responses are folded into it, and the token and cost fields every row shares. */
import type { UsageResponseRow } from '../store/index.js';
import { CostAccumulator, type CostResult } from './cost.js';
import type { PriceBook, PricedResponse } from './pricing.js';
import { addTokens, RECORDED_COLUMNS, type TokenCounts, totalTokens, zeroTokens } from './tokens.js';

export const USAGE_REPORTS = ['daily', 'weekly', 'monthly', 'session', 'project', 'model', 'blocks'] as const;
export type UsageReportKind = (typeof USAGE_REPORTS)[number];

export type UsageRow = Record<string, unknown>;

export interface UsageGroup {
  key: string;
  assistants: Set<string>;
  sessions: Set<string>;
  models: Set<string>;
  responses: number;
  tokens: TokenCounts;
  cost: CostAccumulator;
  /** First and last response time (ms), null when no response of the row has a timestamp. */
  first: number | null;
  last: number | null;
  /** The first response of the row, for what all its responses share (assistant, project). */
  sample: UsageResponseRow | null;
}

export function newGroup(key: string, book: PriceBook): UsageGroup {
  return {
    key,
    assistants: new Set(),
    sessions: new Set(),
    models: new Set(),
    responses: 0,
    tokens: zeroTokens(),
    cost: new CostAccumulator(book),
    first: null,
    last: null,
    sample: null,
  };
}

export function addToGroup(
  g: UsageGroup,
  r: UsageResponseRow,
  t: TokenCounts,
  at: number | null,
  priced: PricedResponse | null,
): void {
  g.sample ??= r;
  g.assistants.add(r.assistant);
  g.sessions.add(r.root_session_id);
  if (r.model) g.models.add(r.model);
  g.responses++;
  addTokens(g.tokens, t);
  g.cost.add(priced, r.model, t);
  if (at !== null) {
    if (g.first === null || at < g.first) g.first = at;
    if (g.last === null || at > g.last) g.last = at;
  }
}

export function tokenFields(responses: number, t: TokenCounts): UsageRow {
  const row: UsageRow = { responses };
  for (const c of RECORDED_COLUMNS) row[c.json] = t[c.kind];
  row.tokens_total = totalTokens(t);
  return row;
}

export function costFields(c: CostResult): UsageRow {
  return { cost_usd: c.cost_usd, unpriced_tokens: c.unpriced_tokens, unpriced_models: c.unpriced_models };
}
