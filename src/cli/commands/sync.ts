import fs from 'node:fs';
import os from 'node:os';
import cliProgress from 'cli-progress';
import { type LogDirectory, logDirectories, type ResolvedConfig } from '../../config/index.js';
import { createLogger, type LogFormat, type Logger } from '../../log.js';
import { assertDatabaseWritable } from '../../store/index.js';
import { type PassSummary, runSync, type SyncResult } from '../../sync/index.js';
import { formatBytes, formatCount, MIB, type Out, plural, printJson } from '../output.js';

export interface SyncCommandOptions {
  watch: boolean;
  json: boolean;
  progress: boolean;
  /** @default 'text' */
  logFormat?: LogFormat;
  /** Re-reads the configuration on SIGHUP (watch mode). */
  reloadConfig?: () => ResolvedConfig;
}

/**
 * A log directory that does not exist, as every summary names it (never just "0 found"). `explicit`: the user
 * named it (flag, config key, the agent's environment variable), so its absence is a mistake to warn about;
 * otherwise it is an agent's default place, absent because that agent is not used on this machine.
 */
export interface MissingDir {
  assistant: string;
  path: string;
  key: string;
  explicit: boolean;
}

function missingDirs(config: ResolvedConfig): MissingDir[] {
  return logDirectories(config)
    .filter((d) => !fs.existsSync(d.dir))
    .map((d) => ({ assistant: d.assistant, path: d.dir, key: d.key, explicit: d.explicit }));
}

function missingText(d: MissingDir, dirs: readonly LogDirectory[]): string {
  const dir = dirs.find((x) => x.assistant === d.assistant);
  return (
    `${dir?.label ?? d.assistant} log directory ${d.path} does not exist ` +
    `(set ${d.key}${dir ? ` or ${dir.flag}` : ''} if the logs are elsewhere)`
  );
}

/**
 * The exit code of a one-shot sync a signal stopped before it finished: 128 + the signal's number (130, 143),
 * so `sync && …` does not go on. `sync --watch` ends only by a signal, so for it that is a normal stop.
 */
function interruptedCode(summary: SyncResult, watch: boolean): number {
  if (watch || summary.stoppedBy === null) return 0;
  return 128 + (os.constants.signals[summary.stoppedBy] ?? 0);
}

/** `aiobscura sync [--watch]`: ingest everything new, print a summary (or one line per pass when watching). */
export async function syncCommand(
  config: ResolvedConfig,
  opts: SyncCommandOptions,
  out: Out,
): Promise<number> {
  // Before the lock or SQLite touch anything: the path that refuses, and why (issue 11, item 10).
  assertDatabaseWritable(config.databasePath);
  const bar =
    opts.progress && out.isTTY && !opts.json && !opts.watch
      ? new cliProgress.SingleBar(
          {
            format: 'sync [{bar}] {percentage}% | {value}/{total} MiB | {file}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let done = 0;
  let passes = 0;
  const logger = createLogger(opts.logFormat ?? 'text', out.stderr);
  const summary = await runSync(config, {
    watch: opts.watch,
    handleSignals: true,
    events: {
      onStart: (total) => bar?.start(Math.max(1, Math.ceil(total / MIB)), 0, { file: '' }),
      onProgress: (bytes, file) => {
        done += bytes;
        bar?.update(Math.ceil(done / MIB), { file: file.length > 50 ? `…${file.slice(-49)}` : file });
      },
      onWarning: (file, message) => logger.log('warn', message, { file }, `warning: ${file}: ${message}`),
    },
    log: (level, message, fields) => logger.log(level, message, fields),
    onPass: (s) => {
      bar?.stop();
      if (!opts.watch) return;
      reportWatchPass(s, missingDirs(config), opts.json, out, logger);
      // After the first pass the watcher is running: say what it watches and how to stop it.
      if (passes++ === 0 && out.isTTY) announceWatching(config, logger);
    },
    ...(opts.reloadConfig ? { reloadConfig: opts.reloadConfig } : {}),
  });
  if (opts.watch && out.isTTY) announceStopped(summary, logger);
  if (!opts.watch) {
    const missing = missingDirs(config);
    const { stoppedBy, ...rest } = summary;
    if (opts.json) printJson(out, { ...rest, stopped_by: stoppedBy, missing_dirs: missing });
    else out.stdout(renderSummary(summary, config, missing));
  }
  return interruptedCode(summary, opts.watch);
}

function announceWatching(config: ResolvedConfig, logger: Logger): void {
  const dirs = logDirectories(config);
  // An agent's default place that does not exist only means the agent is not used here: named, not listed.
  const shown = dirs.filter((d) => d.explicit || fs.existsSync(d.dir));
  const absent = dirs.filter((d) => !shown.includes(d)).map((d) => d.label);
  const list =
    shown.map((d) => `${d.dir} (${d.label}${fs.existsSync(d.dir) ? '' : ', not there yet'})`).join(', ') +
    (absent.length > 0 ? `, and the default places of ${absent.join(', ')} once they appear` : '');
  const every = config.pollMs >= 1000 ? `${Math.round(config.pollMs / 1000)} s` : `${config.pollMs} ms`;
  logger.log(
    'info',
    `watching ${list} for changes, with a full rescan every ${every}; press Ctrl-C to stop`,
    { event: 'watching', dirs: dirs.map((d) => d.dir), poll_ms: config.pollMs },
    `aiobscura: watching ${list} for changes, with a full rescan every ${every}.\n` +
      'aiobscura: press Ctrl-C to stop (what was read is stored either way).',
  );
}

function announceStopped(summary: SyncResult, logger: Logger): void {
  const how = summary.stoppedBy === 'SIGINT' ? 'Ctrl-C' : (summary.stoppedBy ?? 'request');
  const queued =
    summary.publish && summary.publish.remainingSessions > 0
      ? `; ${plural(summary.publish.remainingSessions, 'session')} still queued for publishing`
      : '';
  const text = `stopped (${how}): everything read is stored${queued}; \`aiobscura sync --watch\` continues where it left off`;
  logger.log('info', text, { event: 'stopped', signal: summary.stoppedBy }, `aiobscura: ${text}`);
}

function reportWatchPass(
  s: PassSummary,
  missing: MissingDir[],
  json: boolean,
  out: Out,
  logger: Logger,
): void {
  if (json) {
    out.stdout(`${JSON.stringify({ ...s, missing_dirs: missing })}\n`);
    return;
  }
  if (s.read === 0 && s.skipped.length === 0) return;
  const named = missing.filter((d) => d.explicit);
  const dirs = named.length ? `; ${named.map((d) => `${d.path} does not exist`).join(', ')}` : '';
  const text =
    `${plural(s.read, 'file')} read, ${plural(s.messages, 'message')}, ` +
    `${plural(s.warnings, 'warning')}${s.skipped.length ? `, ${formatCount(s.skipped.length)} skipped` : ''}${dirs}`;
  // The pass line stays on stdout, where it has always been; in the JSON log format it is a log record.
  const passLog = createLogger(logger.format, out.stdout);
  passLog.log(
    'info',
    text,
    {
      event: 'pass',
      read: s.read,
      messages: s.messages,
      warnings: s.warnings,
      skipped: s.skipped.length,
      missing_dirs: missing.map((d) => d.path),
    },
    `${new Date().toISOString()} ${text}`,
  );
}

export function renderSummary(s: SyncResult, config: ResolvedConfig, missing: MissingDir[] = []): string {
  const changes = Object.entries(s.changes)
    .map(([k, v]) => `${formatCount(v)} ${k}`)
    .join(', ');
  const lines = [
    `Synced ${config.databasePath}${s.stopped ? ' (stopped early; run sync again to continue)' : ''}`,
    `  files     ${formatCount(s.files)} found, ${formatCount(s.read)} read${changes ? ` (${changes})` : ''}, ` +
      `${formatCount(s.unchanged)} unchanged, ${formatCount(s.skipped.length)} skipped`,
    `  sessions  ${formatCount(s.sessions)} in total, ${formatCount(s.newSessions)} new`,
    `  messages  ${formatCount(s.messages)} new from ${plural(s.lines, 'line')}` +
      (s.duplicates ? `, ${formatCount(s.duplicates)} already stored` : ''),
    `  warnings  ${formatCount(s.warnings)}${s.warnings ? ' (see `aiobscura warnings`)' : ''}`,
  ];
  const dirs = logDirectories(config);
  for (const d of missing.filter((m) => m.explicit)) lines.push(`  missing   ${missingText(d, dirs)}`);
  const unused = missing.filter((m) => !m.explicit);
  if (unused.length > 0) {
    const names = unused.map((m) => `${dirs.find((d) => d.assistant === m.assistant)?.label} (${m.path})`);
    lines.push(`  absent    no logs here of ${names.join(', ')}`);
  }
  if (s.heldBackBytes > 0) lines.push(`  waiting   ${formatBytes(s.heldBackBytes)} of unfinished lines`);
  if (s.publish) {
    lines.push(
      s.publish.remainingSessions === 0
        ? '  publish   everything publishable was acknowledged by the server'
        : `  publish   ${plural(s.publish.remainingSessions, 'session')} still queued: ${s.publish.reason ?? 'unknown reason'} ` +
            '(they stay queued locally; see `aiobscura collector status`)',
    );
  }
  for (const k of s.skipped.slice(0, 20)) lines.push(`  skipped   ${k.path}: ${k.reason}`);
  if (s.skipped.length > 20)
    lines.push(`  skipped   … and ${formatCount(s.skipped.length - 20)} more (use --json)`);
  return `${lines.join('\n')}\n`;
}
