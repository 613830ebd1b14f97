/** The result rows every benchmark returns, the printed table and `bench/.work/results.json`. */
import fs from 'node:fs';
import path from 'node:path';

export type Status = 'PASS' | 'MISS' | 'INFO' | 'SKIP';

export interface Row {
  /** Which DESIGN.md §4 row this belongs to. */
  group: string;
  what: string;
  figure: string;
  target: string;
  status: Status;
}

/** What one benchmark hands back: its rows plus the raw figures behind them. */
export interface BenchResult {
  rows: Row[];
  details: Record<string, unknown>;
}

export function verdict(ok: boolean): Status {
  return ok ? 'PASS' : 'MISS';
}

export function renderTable(rows: Row[]): string {
  const head: Row = { group: 'row', what: 'measure', figure: 'figure', target: 'target', status: 'INFO' };
  const cells = (r: Row) => [r.group, r.what, r.figure, r.target, r === head ? 'result' : r.status];
  const all = [head, ...rows].map(cells);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => s.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

/** The same rows as a Markdown table, for docs/PERFORMANCE.md. */
export function renderMarkdown(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| row | measure | figure | target | result |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.group, r.what, r.figure, r.target, r.status].map(esc).join(' | ')} |`),
  ].join('\n');
}

export function writeResults(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(data, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}
