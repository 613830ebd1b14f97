#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { AGENTS, ASSISTANTS, type Assistant, type ConfigOverrides, resolveConfig } from '../config/index.js';
import { LOG_FORMATS, parseLogFormat } from '../log.js';
import { ageArg, instantArg, pollArg, positiveInt } from './args.js';
import * as collectorCmd from './commands/collector.js';
import { doctorCommand } from './commands/doctor.js';
import { sessionsCommand, showCommand, statsCommand, warningsCommand } from './commands/read.js';
import * as searchCmd from './commands/search.js';
import * as serviceCmd from './commands/service.js';
import { syncCommand } from './commands/sync.js';
import { addUsageCommand } from './commands/usage.js';
import {
  commandPath,
  EXIT,
  EXIT_CODES_HELP,
  exitCodeFor,
  formatError,
  isCommanderStop,
  logFormatOf,
  normalizeError,
  UsageError,
  usageLine,
} from './exit.js';
import { colorWanted } from './highlight.js';
import { processOut } from './output.js';

function overrides(cmd: Command): ConfigOverrides {
  const o = cmd.optsWithGlobals();
  return {
    configPath: o.config,
    // A file named with --config must exist (only `collector register` may create it).
    configMustExist: o.config !== undefined,
    databasePath: o.db,
    dirs: agentDirFlags(o),
    pollMs: o.poll,
  };
}

/** `--claude-dir`, `--gemini-dir`, …: commander's camelCase option names, by agent. */
function agentDirFlags(o: Record<string, unknown>): Partial<Record<Assistant, string>> {
  const dirs: Partial<Record<Assistant, string>> = {};
  for (const a of AGENTS) {
    const v = o[`${a.name}Dir`];
    if (typeof v === 'string') dirs[a.name] = v;
  }
  return dirs;
}

/** The help line of `--<agent>-dir`: what the directory holds and where it is by default. */
const DIR_HELP: Record<Assistant, string> = {
  claude: '$CLAUDE_CONFIG_DIR or ~/.claude',
  codex: '$CODEX_HOME or ~/.codex',
  gemini: '$GEMINI_CLI_HOME/.gemini or ~/.gemini',
  opencode: '$XDG_DATA_HOME/opencode or ~/.local/share/opencode',
  copilot: '$COPILOT_HOME or ~/.copilot',
  pi: '$PI_CODING_AGENT_DIR or ~/.pi/agent',
  qwen: '~/.qwen',
};

export function buildProgram(): Command {
  const program = new Command('aiobscura')
    .description(
      `Local-first collector for coding-agent session logs (${AGENTS.map((a) => a.label).join(', ')}).\n` +
        "Reads each agent's logs incrementally into a local SQLite database.",
    )
    .version('0.1.0')
    .option('--db <path>', 'database file (default: $XDG_DATA_HOME/aiobscura/data.db)')
    .option('--config <path>', 'config file (default: $XDG_CONFIG_HOME/aiobscura/config.toml)');
  for (const a of AGENTS)
    program.option(
      `${a.flag} <dir>`,
      `${a.label} directory holding ${a.holds} (default: ${DIR_HELP[a.name]})`,
    );
  program
    .addOption(
      new Option('--log-format <format>', 'log lines as text, or as one JSON object each')
        .choices(LOG_FORMATS)
        .default('text'),
    )
    .addHelpText('after', EXIT_CODES_HELP)
    // Commander stops by throwing (main() decides the exit code) and prints nothing itself: a usage error is
    // one line with a pointer to --help, in the chosen log format.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  program
    .command('sync')
    .description('ingest new log lines into the database (one pass, or continuously with --watch)')
    .option('-w, --watch', 'keep running: react to file changes and rescan periodically', false)
    .option(
      '--poll <ms>',
      'rescan interval with --watch, in milliseconds, 50 … 3600000 (default: sync.poll_ms, else 10000; ' +
        'file-system events trigger passes at once)',
      pollArg,
    )
    .option('--json', 'print the summary as JSON (one JSON line per pass with --watch)', false)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nOnly one sync runs per database; SIGINT/SIGTERM finish the current transaction and exit.\n' +
        'A second SIGINT exits at once; nothing committed is lost either way.\n' +
        'With --watch, SIGHUP re-reads the config file: [collector] keys and sync.poll_ms apply at once.\n' +
        'Exit: 0 done (and sync --watch stopped by SIGINT/SIGTERM), 1 failed (e.g. the database is not\n' +
        'writable), 3 another sync is running, 78 invalid config, 130/143 a one-shot sync interrupted by\n' +
        'SIGINT/SIGTERM before it finished (what it read so far is stored).\n' +
        'SIGUSR1 publishes now and applies what `collector resume` / `collector register` asked for.',
    )
    .action(async (opts, cmd) => {
      if (opts.poll !== undefined && !opts.watch)
        throw new UsageError('--poll needs --watch: a one-shot sync does not rescan');
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
    .addOption(new Option('--assistant <name>', 'only this assistant').choices([...ASSISTANTS]))
    .option('--project <text>', 'only sessions whose working directory contains this text')
    .option(
      '--since <when>',
      'only sessions active since an ISO date or date-time (local time unless it ends in Z or an offset) ' +
        'or a duration back from now (45s, 30m, 12h, 7d, 2w)',
      instantArg('--since'),
    )
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
  addUsageCommand(program, (cmd) => resolveConfig(overrides(cmd)), processOut);
  addSearchCommand(program);
  addCollectorCommands(program);
  addServiceCommands(program);
  program
    .command('doctor')
    .description(
      'check log directories, database, lock, config, server, credentials and clock; one line per check with the fix',
    )
    .option('--timeout <secs>', 'per server request (default 5)', positiveInt)
    .option('--json', 'machine-readable output', false)
    .addHelpText('after', '\nExit: 0 when no check fails (warnings do not count), 1 when one does.')
    .action(async (opts, cmd) => {
      process.exitCode = await doctorCommand(overrides(cmd), opts, processOut);
    });
  return program;
}

function addSearchCommand(program: Command): void {
  const invalid =
    <T>(parse: (v: string, prev: T | undefined) => T) =>
    (v: string, prev: T | undefined): T => {
      try {
        return parse(v, prev);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    };
  program
    .command('search')
    .description('full-text search of prompts, responses, thinking, tool calls and tool results')
    .argument('[query...]', 'words to find (all of them, in one message)')
    .addOption(new Option('--assistant <name>', 'only this assistant').choices([...ASSISTANTS]))
    .option('--project <text>', 'only sessions whose working directory contains this text')
    .option(
      '--since <when>',
      'only messages since an ISO date or date-time, or a duration back from now (7d, 12h, 30m)',
      instantArg('--since'),
    )
    .option(
      '--type <kinds>',
      `only these message kinds, comma-separated or repeated: ${searchCmd.MESSAGE_TYPES.join(', ')}`,
      invalid<string[]>(searchCmd.parseMessageTypes),
    )
    .option('-n, --limit <n>', 'at most this many hits, best first', positiveInt, 20)
    .option('--fts', 'the query is SQLite FTS5 syntax (OR, NOT, NEAR(), prefix*, column:word)', false)
    .option('--reindex', 'rebuild the search index from the stored messages (no query)', false)
    .option('--check', 'verify that the index matches the stored messages (no query)', false)
    .option('--no-progress', 'no progress bar for --reindex')
    .option('--json', 'machine-readable output', false)
    .addHelpText(
      'after',
      '\nEvery word must appear in the message, in any order; punctuation only separates words, so\n' +
        '`foo.bar()` finds "foo" followed by "bar". Put a phrase in double quotes (\'"exact words"\'),\n' +
        'end a word with * for a prefix (refact*). Case and accents are ignored. Hits are ranked by bm25;\n' +
        'each names its session and message number: `aiobscura show SESSION` prints the session.\n' +
        'A query that starts with "-" goes after --: aiobscura search -- -v.\n' +
        'The index follows every stored message in the same transaction; --reindex rebuilds it (not\n' +
        'while a sync runs), --check compares it with the messages (exit 1 when they differ).',
    )
    .action((words: string[], opts, cmd) => {
      const config = resolveConfig(overrides(cmd));
      if (opts.reindex || opts.check) {
        if (words.length > 0) throw new InvalidArgumentError('--reindex and --check take no query');
        process.exitCode = opts.reindex
          ? searchCmd.reindexCommand(config, { json: opts.json, progress: opts.progress }, processOut)
          : searchCmd.checkIndexCommand(config, opts.json, processOut);
        return;
      }
      if (words.length === 0) cmd.error('error: missing the query (words to search for)');
      process.exitCode = searchCmd.searchCommand(
        config,
        {
          query: words.join(' '),
          fts: opts.fts,
          assistant: opts.assistant,
          project: opts.project,
          since: opts.since,
          types: opts.type,
          limit: opts.limit,
          json: opts.json,
          color: colorWanted(processOut.isTTY, process.env),
        },
        processOut,
      );
    });
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
    .option(
      '--reset-cursors',
      'publish everything again even to the same server (e.g. one that lost its data; the server deduplicates)',
      false,
    )
    .option('--yes', 'do not ask (before enabling, or before a reset; the numbers are still printed)', false)
    .option('--json', 'machine-readable output', false)
    .addHelpText(
      'after',
      '\nRegistering again with the same server checks that it still holds the sessions the cursors say were\n' +
        'published (a status request for a few of them). If it does not, register offers to reset the cursors\n' +
        '(on a terminal), or says how (`collector resume --reset-cursors`); --reset-cursors resets without asking.\n' +
        'With `sync --watch` running, the change is applied by it (it is asked with SIGUSR1).',
    )
    .action(async (opts, cmd) => {
      // commander names a flag with two long forms after the last one.
      process.exitCode = await collectorCmd.registerCommand(
        // Registering may create the file --config names.
        resolveConfig({ ...overrides(cmd), configMustExist: false }),
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
      'configuration, pause state, health and backlog; exit 0 healthy, 1 paused or failing, 2 backlog older than --max-age',
    )
    .argument('[session]', 'also ask the server about this session')
    .option(
      '--max-age <duration>',
      'backlog age that counts as unhealthy: 45s, 30m, 2h, 1d, 2w, or an ISO date (older than it)',
      ageArg('--max-age'),
    )
    .option('--json', 'machine-readable output', false)
    .addHelpText(
      'after',
      '\n"healthy" means the last request to the server succeeded; "failing" that it did not (the server is\n' +
        'down, or refused the credentials), even when nothing is paused. Latency counts live events; history\n' +
        'sent after enabling (backfill) is counted apart.',
    )
    .action(async (session, opts, cmd) => {
      process.exitCode = await collectorCmd.statusCommand(cfg(cmd), { session, ...opts }, processOut);
    });
  collector
    .command('flush')
    .description('publish everything pending now (asks a running sync --watch, or does it itself)')
    .option('--timeout <secs>', 'stop after this many seconds (default: no limit)', positiveInt)
    .option('--json', 'machine-readable output', false)
    .addHelpText(
      'after',
      '\nWithout a running sync, flush publishes round after round while the server acknowledges batches: it\n' +
        'stops when a round makes no progress (what is left waits for its retry time, or a pause), on\n' +
        'Ctrl-C / SIGTERM (exit 130 / 143; nothing is lost), or at --timeout. On a terminal it shows the\n' +
        'events published so far on stderr. Exit 0 when everything publishable was acknowledged, else 1.',
    )
    .action(async (opts, cmd) => {
      process.exitCode = await collectorCmd.flushCommand(
        cfg(cmd),
        { json: opts.json, timeout: opts.timeout },
        processOut,
      );
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
    .description('lift a pause (all sessions), or make one session retry now; says what it resumed')
    .argument('[session]', 'session id or prefix')
    .option(
      '--reset-cursors',
      'send everything again (after server_url changed; the server deduplicates)',
      false,
    )
    .option('--json', 'machine-readable output', false)
    .addHelpText(
      'after',
      '\nWith `sync --watch` running, resume asks it (SIGUSR1) and waits for it to apply the change between\n' +
        'passes, after it re-read its config file; otherwise resume takes the sync lock and applies it itself.',
    )
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
        dirs: agentDirFlags(g),
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
  const format = logFormatOf(argv);
  try {
    await program.parseAsync(argv);
  } catch (thrown) {
    if (isCommanderStop(thrown) && (thrown.exitCode === 0 || thrown.code === 'commander.help')) {
      // Help or the version was printed (as asked, or because a command group was given no command).
      process.exitCode = thrown.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const usage = isCommanderStop(thrown) || thrown instanceof UsageError;
    const where = commandPath(program, argv);
    const err = usage ? new UsageError(usageLine((thrown as Error).message, where)) : normalizeError(thrown);
    process.stderr.write(formatError(err, format, usage ? { help: `${where} --help` } : {}));
    process.exitCode = exitCodeFor(err);
  }
}

await main(process.argv);
