#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, type ConfigOverrides, resolveConfig } from '../config/index.js';
import { jsonLine, LOG_FORMATS, parseLogFormat } from '../log.js';
import { isDiskFull, SessionLookupError, StoreError } from '../store/index.js';
import { LockHeldError } from '../sync/index.js';
import * as collectorCmd from './commands/collector.js';
import { doctorCommand } from './commands/doctor.js';
import { parseSince, sessionsCommand, showCommand, statsCommand, warningsCommand } from './commands/read.js';
import * as serviceCmd from './commands/service.js';
import { syncCommand } from './commands/sync.js';
import { processOut } from './output.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function overrides(cmd: Command): ConfigOverrides {
  const o = cmd.optsWithGlobals();
  return {
    configPath: o.config,
    databasePath: o.db,
    claudeDir: o.claudeDir,
    codexDir: o.codexDir,
    pollMs: o.poll,
  };
}

export function buildProgram(): Command {
  const program = new Command('aiobscura')
    .description(
      'Local-first collector for Claude Code and Codex session logs.\n' +
        'Reads ~/.claude/projects and ~/.codex/sessions incrementally into a local SQLite database.',
    )
    .version('0.1.0')
    .option('--db <path>', 'database file (default: $XDG_DATA_HOME/aiobscura/data.db)')
    .option('--config <path>', 'config file (default: $XDG_CONFIG_HOME/aiobscura/config.toml)')
    .option(
      '--claude-dir <dir>',
      'Claude Code directory holding projects/ (default: $CLAUDE_CONFIG_DIR or ~/.claude)',
    )
    .option('--codex-dir <dir>', 'Codex directory holding sessions/ (default: $CODEX_HOME or ~/.codex)')
    .addOption(
      new Option('--log-format <format>', 'log lines as text, or as one JSON object each')
        .choices(LOG_FORMATS)
        .default('text'),
    )
    .showHelpAfterError();

  program
    .command('sync')
    .description('ingest new log lines into the database (one pass, or continuously with --watch)')
    .option('-w, --watch', 'keep running: react to file changes and rescan periodically', false)
    .option(
      '--poll <ms>',
      'rescan interval in watch mode, in milliseconds (default 10000; file-system events trigger passes at once)',
      positiveInt,
    )
    .option('--json', 'print the summary as JSON (one JSON line per pass with --watch)', false)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nOnly one sync runs per database; SIGINT/SIGTERM finish the current transaction and exit.\n' +
        'A second SIGINT exits at once; nothing committed is lost either way.\n' +
        'With --watch, SIGHUP re-reads the config file: [collector] keys and sync.poll_ms apply at once.',
    )
    .action(async (opts, cmd) => {
      process.exitCode = await syncCommand(
        resolveConfig(overrides(cmd)),
        {
          ...opts,
          logFormat: parseLogFormat(cmd.optsWithGlobals().logFormat),
          reloadConfig: () => resolveConfig(overrides(cmd)),
        },
        processOut,
      );
    });

  program
    .command('sessions')
    .description('list stored sessions, most recent first')
    .addOption(new Option('--assistant <name>', 'only this assistant').choices(['claude', 'codex']))
    .option('--project <text>', 'only sessions whose working directory contains this text')
    .option('--since <when>', 'only sessions active since an ISO date or a duration (7d, 12h, 30m)', (v) => {
      try {
        return parseSince(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    })
    .option('-n, --limit <n>', 'at most this many sessions', positiveInt)
    .option('--json', 'machine-readable output', false)
    .action((opts, cmd) => {
      process.exitCode = sessionsCommand(
        resolveConfig(overrides(cmd)),
        { assistant: opts.assistant, project: opts.project, since: opts.since, limit: opts.limit },
        opts.json,
        processOut,
      );
    });

  program
    .command('show')
    .description('print a session transcript with its threads, tool calls and results')
    .argument('<session>', 'session id, or a unique prefix of one')
    .option('--json', 'machine-readable output', false)
    .action((session, opts, cmd) => {
      process.exitCode = showCommand(resolveConfig(overrides(cmd)), session, opts.json, processOut);
    });

  program
    .command('stats')
    .description('sessions, messages and tokens by assistant, model and day')
    .addOption(
      new Option('--by <group...>', 'grouping(s)')
        .choices(['assistant', 'model', 'day'])
        .default(['assistant', 'model', 'day']),
    )
    .option('--json', 'machine-readable output', false)
    .action((opts, cmd) => {
      process.exitCode = statsCommand(resolveConfig(overrides(cmd)), opts.by, opts.json, processOut);
    });

  program
    .command('warnings')
    .description('list problems found while reading logs (file, line, reason)')
    .option('-n, --limit <n>', 'at most this many, newest first', positiveInt, 100)
    .option('--json', 'machine-readable output', false)
    .action((opts, cmd) => {
      process.exitCode = warningsCommand(resolveConfig(overrides(cmd)), opts.limit, opts.json, processOut);
    });
  addCollectorCommands(program);
  addServiceCommands(program);
  program
    .command('doctor')
    .description(
      'check log directories, database, lock, config, server, credentials and clock; one line per check with the fix',
    )
    .option('--timeout <secs>', 'per server request (default 5)', positiveInt)
    .option('--json', 'machine-readable output', false)
    .action(async (opts, cmd) => {
      process.exitCode = await doctorCommand(overrides(cmd), opts, processOut);
    });
  return program;
}

function addCollectorCommands(program: Command): void {
  const collector = program
    .command('collector')
    .description('publish to a CatSyphon server: register, inspect and steer the publisher');
  const cfg = (cmd: Command) => resolveConfig(overrides(cmd));
  collector
    .command('register')
    .description('register this machine with a CatSyphon server and enable publishing')
    .option('--server-url, --server <url>', 'CatSyphon base URL (e.g. https://catsyphon.example.com)')
    .requiredOption('--workspace-id <uuid>', 'workspace to register in')
    .option('--hostname <name>', 'name shown on the server (default: this host name)')
    .option('--force', 'replace existing credentials', false)
    .option('--yes', 'do not ask before enabling (the backfill numbers are still printed)', false)
    .option('--json', 'machine-readable output', false)
    .action(async (opts, cmd) => {
      // commander names a flag with two long forms after the last one.
      process.exitCode = await collectorCmd.registerCommand(
        cfg(cmd),
        {
          ...opts,
          serverUrl: opts.serverUrl ?? opts.server,
          // Ask only a person at a terminal; scripts (stdin not a TTY) proceed with the numbers printed.
          confirm: process.stdin.isTTY && !opts.yes ? collectorCmd.askOnTerminal : undefined,
        },
        processOut,
      );
    });
  collector
    .command('status')
    .description(
      'configuration, pause state and backlog; exit 0 healthy, 1 paused, 2 backlog older than --max-age',
    )
    .argument('[session]', 'also ask the server about this session')
    .option('--max-age <duration>', 'backlog age that counts as unhealthy (e.g. 30m, 2h)')
    .option('--json', 'machine-readable output', false)
    .action(async (session, opts, cmd) => {
      process.exitCode = await collectorCmd.statusCommand(cfg(cmd), { session, ...opts }, processOut);
    });
  collector
    .command('flush')
    .description('publish everything pending now (asks a running sync --watch, or does it itself)')
    .option('--json', 'machine-readable output', false)
    .action(async (opts, cmd) => {
      process.exitCode = await collectorCmd.flushCommand(cfg(cmd), opts.json, processOut);
    });
  collector
    .command('stats')
    .description(
      'persisted counters: sent, accepted, duplicates, rejected, calls, failures, retries, latency',
    )
    .option('--json', 'machine-readable output', false)
    .action(async (opts, cmd) => {
      process.exitCode = await collectorCmd.statsCommand(cfg(cmd), opts.json, processOut);
    });
  collector
    .command('sessions')
    .description('sessions with events waiting to be published (all sessions with --all)')
    .option('--all', 'include sessions that are fully published', false)
    .option('--json', 'machine-readable output', false)
    .action(async (opts, cmd) => {
      process.exitCode = await collectorCmd.sessionsCommand(cfg(cmd), opts.all, opts.json, processOut);
    });
  collector
    .command('resume')
    .description("lift a pause (all sessions), or clear one session's failed state")
    .argument('[session]', 'session id or prefix')
    .option(
      '--reset-cursors',
      'send everything again (after server_url changed; the server deduplicates)',
      false,
    )
    .option('--json', 'machine-readable output', false)
    .action(async (session, opts, cmd) => {
      process.exitCode = await collectorCmd.resumeCommand(cfg(cmd), { session, ...opts }, processOut);
    });
  collector
    .command('preview')
    .description('print exactly the events that would be sent for a session')
    .argument('<session>', 'session id or prefix')
    .option('-n, --limit <n>', 'at most this many messages', positiveInt, 200)
    .option('--json', 'machine-readable output', false)
    .action(async (session, opts, cmd) => {
      process.exitCode = await collectorCmd.previewCommand(cfg(cmd), { session, ...opts }, processOut);
    });
  collector
    .command('rejections')
    .description('events the server refused for good, with its reason')
    .option('-n, --limit <n>', 'at most this many, newest first', positiveInt, 100)
    .option('--json', 'machine-readable output', false)
    .action(async (opts, cmd) => {
      process.exitCode = await collectorCmd.rejectionsCommand(cfg(cmd), opts.limit, opts.json, processOut);
    });
  collector
    .command('complete')
    .description('mark a session completed on the server (POST …/complete)')
    .argument('<session>', 'session id or prefix')
    .addOption(
      new Option('--outcome <outcome>', 'outcome to report')
        .choices(['success', 'partial', 'failed', 'abandoned'])
        .default('partial'),
    )
    .option('--summary <text>', 'summary to store with the session')
    .option('--json', 'machine-readable output', false)
    .action(async (session, opts, cmd) => {
      process.exitCode = await collectorCmd.completeCommand(cfg(cmd), { session, ...opts }, processOut);
    });
}

function addServiceCommands(program: Command): void {
  const service = program
    .command('service')
    .description(
      'run `sync --watch` in the background: a systemd user unit (Linux) or a launchd agent (macOS)',
    );
  const platform = () =>
    new Option(
      '--platform <manager>',
      'service manager (default: launchd on macOS, systemd elsewhere)',
    ).choices(['systemd', 'launchd']);
  const ctx = (
    cmd: Command,
    opts: { platform?: 'systemd' | 'launchd' },
  ): serviceCmd.ServiceCommandContext => {
    const g = cmd.optsWithGlobals();
    return {
      platform: opts.platform,
      globals: {
        config: g.config,
        db: g.db,
        claudeDir: g.claudeDir,
        codexDir: g.codexDir,
        logFormat: g.logFormat,
      },
      env: process.env,
    };
  };
  service
    .command('install')
    .description('write the unit (with the global options given here) and start it; restarts on failure')
    .addOption(platform())
    .option('--dry-run', 'print the unit file and change nothing', false)
    .option('--no-load', 'only write the file; do not ask systemctl/launchctl to start it')
    .option('--json', 'machine-readable output', false)
    .action((opts, cmd) => {
      process.exitCode = serviceCmd.installCommand(ctx(cmd, opts), opts, processOut);
    });
  service
    .command('uninstall')
    .description('stop the service and remove its file')
    .addOption(platform())
    .option('--no-load', 'only remove the file; do not ask systemctl/launchctl to stop it')
    .option('--json', 'machine-readable output', false)
    .action((opts, cmd) => {
      process.exitCode = serviceCmd.uninstallCommand(ctx(cmd, opts), opts, processOut);
    });
  service
    .command('status')
    .description(
      'installed or not, file up to date, running state; exit 0 running, 1 not running, 4 not installed',
    )
    .addOption(platform())
    .option('--json', 'machine-readable output', false)
    .action((opts, cmd) => {
      process.exitCode = serviceCmd.statusCommand(ctx(cmd, opts), opts, processOut);
    });
}

/** The one place that turns errors into exit codes. */
export async function main(argv: string[]): Promise<void> {
  // `aiobscura sessions | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (thrown) {
    // A write outside the database (the lock, the config file) that found the disk full is no bug.
    const err =
      isDiskFull(thrown) && !(thrown instanceof StoreError)
        ? new StoreError(`disk full: ${(thrown as Error).message}; free space and run again`)
        : thrown;
    // Collector errors are matched by name: the collector module is loaded only when a command needs it.
    const known =
      [ConfigError, StoreError, SessionLookupError, LockHeldError].some((E) => err instanceof E) ||
      /^(Collector\w*Error|CommandError)$/.test((err as Error)?.name ?? '');
    const message = known ? (err as Error).message : ((err as Error).stack ?? String(err));
    process.stderr.write(
      parseLogFormat(program.opts().logFormat) === 'json'
        ? jsonLine(new Date(), 'error', message, { error: (err as Error)?.name })
        : `aiobscura: ${message}\n`,
    );
    process.exitCode = err instanceof LockHeldError ? 3 : known ? 2 : 1;
  }
}

await main(process.argv);
