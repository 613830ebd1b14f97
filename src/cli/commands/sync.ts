import cliProgress from 'cli-progress';
import type { ResolvedConfig } from '../../config/index.js';
import { createLogger, type LogFormat, type Logger } from '../../log.js';
import { type PassSummary, runSync, type SyncResult } from '../../sync/index.js';
import { formatCount, type Out, printJson } from '../output.js';

export interface SyncCommandOptions {
  watch: boolean;
  json: boolean;
  progress: boolean;
  /** @default 'text' */
  logFormat?: LogFormat;
  /** Re-reads the configuration on SIGHUP (watch mode). */
  reloadConfig?: () => ResolvedConfig;
}

/** `aiobscura sync [--watch]`: ingest everything new, print a summary (or one line per pass when watching). */
export async function syncCommand(
  config: ResolvedConfig,
  opts: SyncCommandOptions,
  out: Out,
): Promise<number> {
  const bar =
    opts.progress && out.isTTY && !opts.json && !opts.watch
      ? new cliProgress.SingleBar(
          {
            format: 'sync [{bar}] {percentage}% | {value}/{total} MB | {file}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let done = 0;
  const logger = createLogger(opts.logFormat ?? 'text', out.stderr);
  const summary = await runSync(config, {
    watch: opts.watch,
    handleSignals: true,
    events: {
      onStart: (total) => bar?.start(Math.max(1, Math.ceil(total / 1e6)), 0, { file: '' }),
      onProgress: (bytes, file) => {
        done += bytes;
        bar?.update(Math.ceil(done / 1e6), { file: file.length > 50 ? `…${file.slice(-49)}` : file });
      },
      onWarning: (file, message) => logger.log('warn', message, { file }, `warning: ${file}: ${message}`),
    },
    log: (level, message, fields) => logger.log(level, message, fields),
    onPass: (s) => {
      bar?.stop();
      if (opts.watch) reportWatchPass(s, opts.json, out, logger);
    },
    ...(opts.reloadConfig ? { reloadConfig: opts.reloadConfig } : {}),
  });
  if (!opts.watch) {
    if (opts.json) printJson(out, summary);
    else out.stdout(renderSummary(summary, config));
  }
  return 0;
}

function reportWatchPass(s: PassSummary, json: boolean, out: Out, logger: Logger): void {
  if (json) {
    out.stdout(`${JSON.stringify(s)}\n`);
    return;
  }
  if (s.read === 0 && s.skipped.length === 0) return;
  const text =
    `${s.read} file(s) read, ${formatCount(s.messages)} message(s), ` +
    `${s.warnings} warning(s)${s.skipped.length ? `, ${s.skipped.length} skipped` : ''}`;
  // The pass line stays on stdout, where it has always been; in the JSON log format it is a log record.
  const passLog = createLogger(logger.format, out.stdout);
  passLog.log(
    'info',
    text,
    { event: 'pass', read: s.read, messages: s.messages, warnings: s.warnings, skipped: s.skipped.length },
    `${new Date().toISOString()} ${text}`,
  );
}

export function renderSummary(s: SyncResult, config: ResolvedConfig): string {
  const changes = Object.entries(s.changes)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const lines = [
    `Synced ${config.databasePath}${s.stopped ? ' (stopped early; run sync again to continue)' : ''}`,
    `  files     ${formatCount(s.files)} found, ${formatCount(s.read)} read${changes ? ` (${changes})` : ''}, ` +
      `${formatCount(s.unchanged)} unchanged, ${s.skipped.length} skipped`,
    `  sessions  ${formatCount(s.sessions)} in total, ${formatCount(s.newSessions)} new`,
    `  messages  ${formatCount(s.messages)} new from ${formatCount(s.lines)} lines` +
      (s.duplicates ? `, ${formatCount(s.duplicates)} already stored` : ''),
    `  warnings  ${formatCount(s.warnings)}${s.warnings ? ' (see `aiobscura warnings`)' : ''}`,
  ];
  if (s.heldBackBytes > 0)
    lines.push(`  waiting   ${formatCount(s.heldBackBytes)} bytes of unfinished lines`);
  if (s.publish) {
    lines.push(
      s.publish.remainingSessions === 0
        ? '  publish   everything publishable was acknowledged by the server'
        : `  publish   ${s.publish.remainingSessions} session(s) still queued: ${s.publish.reason ?? 'unknown reason'} ` +
            '(they stay queued locally; see `aiobscura collector status`)',
    );
  }
  for (const k of s.skipped.slice(0, 20)) lines.push(`  skipped   ${k.path}: ${k.reason}`);
  if (s.skipped.length > 20) lines.push(`  skipped   … and ${s.skipped.length - 20} more (use --json)`);
  return `${lines.join('\n')}\n`;
}
