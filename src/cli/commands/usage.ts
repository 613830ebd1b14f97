/** `aiobscura usage [report]`: tokens and dollars by day, week, month, session, project, model or block. */
import { Argument, type Command, Option } from 'commander';
import { parseInstant, type ResolvedConfig, TimeSpecError } from '../../config/index.js';
import {
  buildUsageReport,
  dayStart,
  TOKEN_COLUMNS,
  USAGE_REPORTS,
  type UsageReport,
  type UsageReportKind,
  type Zone,
  zoneName,
} from '../../report/index.js';
import { knownAssistants, openDatabase, type UsageFilter } from '../../store/index.js';
import { UsageError } from '../exit.js';
import { type Out, printJson } from '../output.js';
import { renderUsage } from './usage-render.js';

/** An option the user got wrong: a usage error (exit 64), printed as one line with the --help pointer. */
export class UsageOptionError extends UsageError {}

export interface UsageOptions {
  report: UsageReportKind;
  since?: string | undefined;
  until?: string | undefined;
  assistant?: string | undefined;
  project?: string | undefined;
  utc: boolean;
  json: boolean;
  /** The clock (tests pin it to see an active block). */
  now?: number | undefined;
}

/**
 * `--since` / `--until` in the one time grammar (config/time-spec.ts: a duration back from now, an ISO date
 * or date-time, read in the report's time zone). A date alone given to `--until` includes that day: the bound
 * is the next midnight.
 */
export function parseBound(flag: '--since' | '--until', value: string, zone: Zone, now: number): string {
  let at: Date;
  try {
    at = parseInstant(value, flag, { now: new Date(now), utc: zone === 'utc' });
  } catch (err) {
    if (err instanceof TimeSpecError) throw new UsageOptionError(err.message);
    throw err;
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (flag === '--until' && day)
    return new Date(dayStart(Number(day[1]), Number(day[2]), Number(day[3]) + 1, zone)).toISOString();
  return at.toISOString();
}

function filterFrom(opts: UsageOptions, zone: Zone, now: number): UsageFilter {
  const since = opts.since === undefined ? undefined : parseBound('--since', opts.since, zone, now);
  const until = opts.until === undefined ? undefined : parseBound('--until', opts.until, zone, now);
  if (since && until && since >= until)
    throw new UsageOptionError(
      `--since ${opts.since} is not before --until ${opts.until}: nothing can match`,
    );
  return { since, until, assistant: opts.assistant, project: opts.project };
}

export async function usageCommand(config: ResolvedConfig, opts: UsageOptions, out: Out): Promise<number> {
  const zone: Zone = opts.utc ? 'utc' : 'local';
  const now = opts.now ?? Date.now();
  const filter = filterFrom(opts, zone, now);
  const db = openDatabase(config.databasePath, { mustExist: true, readonly: true });
  let report: UsageReport;
  try {
    const known = knownAssistants(db);
    if (opts.assistant && !known.includes(opts.assistant))
      throw new UsageOptionError(
        `--assistant: no sessions from "${opts.assistant}" in ${config.databasePath} ` +
          `(known: ${known.join(', ') || 'none yet; run `aiobscura sync`'})`,
      );
    report = await buildUsageReport(db, { kind: opts.report, filter, zone, now });
  } finally {
    db.close();
  }
  if (opts.json) printJson(out, report);
  else out.stdout(renderUsage(report, zone, now));
  return 0;
}

const NOT_RECORDED = TOKEN_COLUMNS.filter((c) => !c.recorded).map(
  (c) => `${c.header.toLowerCase()}: ${c.note}`,
);

/** Registers `usage` on the program; `cfg` resolves the config from the global options. */
export function addUsageCommand(program: Command, cfg: (cmd: Command) => ResolvedConfig, out: Out): void {
  program
    .command('usage')
    .description('tokens and cost in dollars by day, week, month, session, project, model or 5-hour block')
    .addArgument(new Argument('[report]', 'how to group the rows').choices(USAGE_REPORTS).default('daily'))
    .option('--since <when>', 'from this day (2026-01-31), date-time, or duration back from now (7d, 12h)')
    .option('--until <when>', 'up to this day (included), date-time, or duration back from now')
    .option('--assistant <name>', 'only this assistant (claude, codex, …)')
    .option('--project <text>', 'only sessions whose working directory contains this text')
    .addOption(
      new Option('--utc', `days and times in UTC instead of the local time zone (${zoneName('local')})`),
    )
    .option('--json', 'machine-readable output (snake_case keys, numbers, ISO times in UTC)', false)
    .addHelpText(
      'after',
      [
        '',
        'Reports: daily (default), weekly (weeks start on Monday), monthly, session (sub-agents count in',
        'their parent session), project, model, blocks (the 5-hour windows ccusage shows: a block starts at',
        'its first response, floored to the hour, and lasts 5 hours; a pause over 5 hours starts a new one).',
        '',
        'Cost: each response priced by @pydantic/genai-prices (the price data it ships, no network; upgrade',
        'the package for newer prices), cache reads and writes at their own rates, long-context and dated',
        'prices per response. A model without a known price is shown as unpriced, never as $0.',
        'Filters apply first: blocks are cut from the responses they keep. More: docs/USAGE.md.',
        ...NOT_RECORDED.map((n) => `Not shown: ${n}.`),
      ].join('\n'),
    )
    .action(async (report: UsageReportKind, opts, cmd: Command) => {
      process.exitCode = await usageCommand(
        cfg(cmd),
        { ...opts, report, utc: cmd.optsWithGlobals().utc === true, json: opts.json === true },
        out,
      );
    });
}
