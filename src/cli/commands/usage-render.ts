/** The text form of a usage report: one table, a total row, and what the numbers rest on. */
import {
  formatMinute,
  RECORDED_COLUMNS,
  type UsageReport,
  type UsageRow,
  type Zone,
} from '../../report/index.js';
import { formatCount } from '../output.js';

interface Column {
  header: string;
  right: boolean;
  cell: (r: UsageRow) => string;
}

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const ms = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);

/** `claude-sonnet-4-5-20250929` → `sonnet-4-5`: enough to tell the models of a row apart. */
export function shortModel(model: string): string {
  return model.replace(/^claude-/, '').replace(/-\d{8}$/, '');
}

/** The last two parts of a working directory, which name a project well enough in a table. */
export function shortProject(cwd: string | null): string {
  if (!cwd) return '(none)';
  const parts = cwd.split(/[\\/]/).filter(Boolean);
  return parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : cwd;
}

export function formatCost(r: UsageRow): string {
  const cost = r.cost_usd as number | null;
  const unpriced = (r.unpriced_tokens as number) > 0;
  if (cost === null) return unpriced || (r.responses as number) > 0 ? 'unpriced' : '';
  const text =
    cost > 0 && cost < 0.005
      ? '<$0.01'
      : `$${cost.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return unpriced ? `${text}*` : text;
}

function duration(fromMs: number, toMs: number): string {
  const minutes = Math.max(0, Math.round((toMs - fromMs) / 60_000));
  const h = Math.floor(minutes / 60);
  return h > 0 ? `${h}h ${String(minutes % 60).padStart(2, '0')}m` : `${minutes}m`;
}

function blockStatus(r: UsageRow): string {
  if (r.is_gap) return `gap of ${duration(ms(r.start), ms(r.end))}`;
  if (r.start === null) return 'no timestamp';
  if (r.is_active) return `ACTIVE, ${duration(0, (r.remaining_minutes as number) * 60_000)} left`;
  return `${duration(ms(r.first_activity), ms(r.last_activity))} of activity`;
}

function keyColumns(report: UsageReport, zone: Zone): Column[] {
  const when = (v: unknown) => (typeof v === 'string' ? formatMinute(ms(v), zone) : '(no timestamp)');
  const col = (header: string, cell: (r: UsageRow) => string): Column => ({ header, right: false, cell });
  switch (report.report) {
    case 'daily':
      return [col('DATE', (r) => str(r.date) || '(no timestamp)')];
    case 'weekly':
      return [col('WEEK OF', (r) => str(r.week_start) || '(no timestamp)')];
    case 'monthly':
      return [col('MONTH', (r) => str(r.month) || '(no timestamp)')];
    case 'session':
      return [
        col('SESSION', (r) => str(r.session_id)),
        col('ASSISTANT', (r) => str(r.assistant)),
        col('PROJECT', (r) => shortProject(r.project as string | null)),
        col('LAST ACTIVITY', (r) => when(r.last_activity)),
      ];
    case 'project':
      return [
        col('PROJECT', (r) => str(r.project) || '(none)'),
        { header: 'SESSIONS', right: true, cell: (r) => formatCount(r.sessions as number) },
      ];
    case 'model':
      return [
        col('MODEL', (r) => str(r.model) || '(none)'),
        col('PRICED AS', (r) => str(r.priced_as) || '-'),
      ];
    case 'blocks':
      return [
        col('BLOCK START', (r) => (r.is_gap ? `${when(r.start)} → ${when(r.end)}` : when(r.start))),
        col('ASSISTANT', (r) => str(r.assistant)),
        col('STATUS', blockStatus),
      ];
    default:
      return report.report satisfies never;
  }
}

function columns(report: UsageReport, zone: Zone): Column[] {
  const num = (header: string, key: string): Column => ({
    header,
    right: true,
    cell: (r) => (r.is_gap ? '' : formatCount(r[key] as number)),
  });
  const models: Column[] =
    report.report === 'model'
      ? []
      : [
          {
            header: 'MODELS',
            right: false,
            cell: (r) => ((r.models as string[] | undefined) ?? []).map(shortModel).join(', '),
          },
        ];
  return [
    ...keyColumns(report, zone),
    ...models,
    ...RECORDED_COLUMNS.map((c) => num(c.header, c.json)),
    num('TOTAL', 'tokens_total'),
    { header: 'COST', right: true, cell: (r) => (r.is_gap ? '' : formatCost(r)) },
  ];
}

function renderTable(cols: Column[], rows: string[][], total: string[]): string {
  const widths = cols.map((c, i) => Math.max(c.header.length, ...[...rows, total].map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((s, i) => (cols[i]!.right ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(cols.map((c) => c.header)), ...rows.map(line), rule, line(total)].join('\n');
}

const TITLES: Record<UsageReport['report'], string> = {
  daily: 'by day',
  weekly: 'by week',
  monthly: 'by month',
  session: 'by session',
  project: 'by project',
  model: 'by model',
  blocks: 'in 5-hour blocks',
};

function footer(report: UsageReport): string[] {
  const t = report.totals;
  const lines = [
    `Prices: ${report.pricing.library} ${report.pricing.version} (the price data it ships; upgrade the package for newer prices).`,
  ];
  if ((t.unpriced_tokens as number) > 0 || (t.unpriced_models as string[]).length > 0)
    lines.push(
      `* ${formatCount(t.unpriced_tokens as number)} tokens have no known price and are not in any cost ` +
        `(${(t.unpriced_models as string[]).join(', ')}).`,
    );
  return [...lines, ...report.notes.filter((n) => !n.startsWith('no known price')).map((n) => `Note: ${n}.`)];
}

export function renderUsage(report: UsageReport, zone: Zone, now: number): string {
  const head = `Usage ${TITLES[report.report]}, ${zone === 'utc' ? 'UTC' : `local time (${report.time_zone})`}`;
  if (report.rows.length === 0) return `${head}: no usage matches.\n`;
  const cols = columns(report, zone);
  const rows = report.rows.map((r) => cols.map((c) => c.cell(r)));
  const totalRow: UsageRow = { ...report.totals, models: [] };
  const total = cols.map((c, i) => (i === 0 ? 'TOTAL' : c.right ? c.cell(totalRow) : ''));
  const stamp = report.report === 'blocks' ? `, now ${formatMinute(now, zone)}` : '';
  return `${head}${stamp}\n\n${renderTable(cols, rows, total)}\n\n${footer(report).join('\n')}\n`;
}
