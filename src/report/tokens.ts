/**
 * The token columns of every usage report, in display order. A kind the store does not record yet is
 * listed with `recorded: false`: it is left out of tables and JSON until a column exists for it. Adding
 * reasoning tokens later means a store column, `recorded: true` here and its field in `TokenCounts`.
 */
export interface TokenCounts {
  input: number;
  output: number;
  cache_read: number;
  cache_creation: number;
}

export type TokenKind = keyof TokenCounts | 'reasoning';

export interface TokenColumn {
  kind: TokenKind;
  /** The JSON key, the same names `sessions --json` and `stats --json` use. */
  json: string;
  header: string;
  recorded: boolean;
  /** Why the column is missing, for `--help` and the report notes. */
  note?: string;
}

export const TOKEN_COLUMNS: readonly TokenColumn[] = [
  { kind: 'input', json: 'tokens_input', header: 'INPUT', recorded: true },
  { kind: 'output', json: 'tokens_output', header: 'OUTPUT', recorded: true },
  { kind: 'cache_read', json: 'tokens_cache_read', header: 'CACHE READ', recorded: true },
  { kind: 'cache_creation', json: 'tokens_cache_creation', header: 'CACHE WRITE', recorded: true },
  {
    kind: 'reasoning',
    json: 'tokens_reasoning',
    header: 'REASONING',
    recorded: false,
    note: 'reasoning tokens are not recorded separately (Codex counts them in output, and they are priced as output)',
  },
];

export const RECORDED_COLUMNS = TOKEN_COLUMNS.filter(
  (c): c is TokenColumn & { kind: keyof TokenCounts } => c.recorded,
);

export function zeroTokens(): TokenCounts {
  const t = {} as TokenCounts;
  for (const c of RECORDED_COLUMNS) t[c.kind] = 0;
  return t;
}

export function addTokens(into: TokenCounts, t: TokenCounts): void {
  for (const c of RECORDED_COLUMNS) into[c.kind] += t[c.kind];
}

export function totalTokens(t: TokenCounts): number {
  let n = 0;
  for (const c of RECORDED_COLUMNS) n += t[c.kind];
  return n;
}
