/**
 * What each exit code means: one meaning per code, the same for every command (issue 11, item 12). `main.ts`
 * is the only place that sets them; this module says which one an outcome or an error gets, and how an
 * error is printed.
 */
import { type Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.js';
import { jsonLine, type LogFormat } from '../log.js';
import { isDiskFull, SearchQueryError, SessionLookupError, StoreError } from '../store/index.js';
import { LockHeldError } from '../sync/index.js';

export const EXIT = {
  /** Done; for a check, healthy. */
  ok: 0,
  /**
   * The command could not do its job (the message says why), or what it checks is not healthy: a failing
   * doctor check, a paused collector, a service that is not running, work left queued by `collector flush`.
   */
  failure: 1,
  /** `collector status --max-age`: the oldest unpublished event is older than that. */
  backlogTooOld: 2,
  /** Another sync holds this database's lock. */
  lockHeld: 3,
  /** `service status`: no service is installed. */
  serviceNotInstalled: 4,
  /** The command line is wrong: unknown command or option, a bad or missing value (sysexits EX_USAGE). */
  usage: 64,
  /** A bug in aiobscura: printed with its stack trace (EX_SOFTWARE). */
  internal: 70,
  /** The configuration is invalid: the config file, a `--config` that does not exist, an environment value (EX_CONFIG). */
  config: 78,
  /** Stopped by SIGINT (Ctrl-C) before it finished: 128 + 2. */
  interrupted: 130,
  /** Stopped by SIGTERM before it finished: 128 + 15. */
  terminated: 143,
} as const;

/** The table printed by `aiobscura --help` and copied into the README. */
export const EXIT_CODES_HELP = `
Exit codes (the same for every command):
  0    done; for a check, healthy
  1    failed (the message says why and what to do), or the thing checked is not healthy
       (doctor: a check failed; collector status: paused; service status: not running)
  2    collector status: backlog older than --max-age
  3    another sync is running on this database
  4    service status: not installed
  64   usage error: unknown command or option, bad or missing value
  70   internal error (a bug; the stack trace is printed)
  78   configuration error (config file, --config, environment)
  130  interrupted by SIGINT (Ctrl-C) before finishing; 143 the same for SIGTERM`;

/** A wrong command line found after commander parsed it (`--poll` without `--watch`). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Errors that are outcomes, printed as their message: anything else is a bug, printed with its stack. */
function isKnown(err: unknown): boolean {
  return (
    [ConfigError, StoreError, SessionLookupError, LockHeldError, UsageError, SearchQueryError].some(
      (E) => err instanceof E,
    ) ||
    // Matched by name: the collector module is loaded only when a command needs it.
    /^(Collector\w*Error|CommandError|TimeSpecError)$/.test((err as Error)?.name ?? '')
  );
}

/** The error as it is reported: a full disk outside the database and a read-only database are no bugs. */
export function normalizeError(thrown: unknown): unknown {
  if (isDiskFull(thrown) && !(thrown instanceof StoreError))
    return new StoreError(`disk full: ${(thrown as Error).message}; free space and run again`);
  const code = String((thrown as { code?: unknown } | null)?.code ?? '');
  if (/^SQLITE_READONLY/.test(code))
    return new StoreError(
      `the database cannot be written (${code}: ${(thrown as Error).message}); check the permissions of ` +
        'the database file and its directory, or pass --db to use another database',
    );
  return thrown;
}

export function exitCodeFor(err: unknown): number {
  // A search query that cannot be searched is a wrong command line like any other.
  if (err instanceof UsageError || err instanceof SearchQueryError) return EXIT.usage;
  // A `[collector]` value only the collector can judge (server_url's scheme, an unreadable ca_file) is a
  // configuration error too; matched by name, as the collector module loads only when needed.
  if (err instanceof ConfigError || (err as Error)?.name === 'CollectorConfigError') return EXIT.config;
  if (err instanceof LockHeldError) return EXIT.lockHeld;
  return isKnown(err) ? EXIT.failure : EXIT.internal;
}

/** The `--log-format` given anywhere on the command line (an error may come before commander read it). */
export function logFormatOf(argv: readonly string[]): LogFormat {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--log-format' && argv[i + 1] === 'json') return 'json';
    if (a === '--log-format=json') return 'json';
  }
  return 'text';
}

/** `aiobscura: <message>` (text) or one `{ts, level, msg, error, exit_code}` line (JSON), for stderr. */
export function formatError(err: unknown, format: LogFormat, extra: Record<string, unknown> = {}): string {
  const known = isKnown(err);
  const message = known
    ? (err as Error).message
    : `internal error (a bug in aiobscura; please report it with this trace): ${(err as Error)?.stack ?? String(err)}`;
  return format === 'json'
    ? jsonLine(new Date(), 'error', message, {
        error: (err as Error)?.name ?? typeof err,
        exit_code: exitCodeFor(err),
        ...extra,
      })
    : `aiobscura: ${message}\n`;
}

/**
 * A usage error as one line: what was wrong and where the help is. Commander's message may carry a second
 * line ("(Did you mean --watch?)"), which joins the first.
 */
export function usageLine(message: string, commandPath: string): string {
  const text = message
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim()
    .replace(/\.$/, '');
  return `${text} (see \`${commandPath} --help\`)`;
}

/** Commander's own stops: help and version shown (exit 0), or a usage error it found. */
export function isCommanderStop(err: unknown): err is CommanderError {
  return err instanceof CommanderError;
}

/** `aiobscura collector status`: the command words of argv, for the pointer to its --help. */
export function commandPath(program: Command, argv: readonly string[]): string {
  const words = [program.name()];
  let cmd = program;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-')) {
      // A value-taking option of this command or of the program swallows the next word.
      const opt = [...cmd.options, ...program.options].find((o) => o.long === a || o.short === a);
      if (opt && (opt.required || opt.optional) && !a.includes('=')) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    words.push(sub.name());
    cmd = sub;
  }
  return words.join(' ');
}
