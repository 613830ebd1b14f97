/**
 * `aiobscura collector …`. Every action loads the collector module lazily, so `sync` with the collector
 * disabled never loads collector code through this file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertWritable,
  type ResolvedConfig,
  readConfigFile,
  replaceCollectorSection,
  writeFileAtomic,
} from '../../config/index.js';
import { type Db, openDatabase, resolveSessionId } from '../../store/index.js';
import { LockHeldError, SyncLock } from '../../sync/index.js';
import { formatCount, type Out, printJson, shortTime, table } from '../output.js';

const collector = () => import('../../collector/index.js');

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

function withDb<T>(config: ResolvedConfig, fn: (db: Db) => T): T {
  const db = openDatabase(config.databasePath);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface RegisterOptions {
  serverUrl?: string;
  workspaceId: string;
  hostname?: string;
  force?: boolean;
  json?: boolean;
  /**
   * Asks the user whether to go ahead after the backfill numbers were printed (given only when stdin is a
   * terminal and `--yes` was not passed). Without it, registration proceeds.
   */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}

/** A y/N question on the terminal: anything but y/yes is no. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const readline = await import('node:readline/promises');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Registers this machine, then rewrites only `[collector]` of config.toml (atomically, mode 0600). */
export async function registerCommand(
  config: ResolvedConfig,
  opts: RegisterOptions,
  out: Out,
): Promise<number> {
  if (!opts.serverUrl) throw new CommandError('collector register: --server-url (or --server) is required');
  const c = await collector();
  const serverUrl = c.normalizeServerUrl(opts.serverUrl, config.collector.allowInsecureHttp);
  if (config.collector.collectorId && !opts.force) {
    throw new CommandError(
      `already registered as ${config.collector.collectorId} with ${config.collector.serverUrl}; ` +
        'pass --force to register again (the old credentials are replaced)',
    );
  }
  try {
    assertWritable(config.configPath);
  } catch (err) {
    throw new CommandError(
      `cannot write ${config.configPath} (${(err as Error).message}); nothing was registered`,
    );
  }
  // What enabling would send at once: the history already stored (all of it when the server is new, since
  // registering with another server resets the cursors), minus what the selection keeps local.
  const estimate = withDb(config, (db) =>
    c.backfillEstimate(db, config.collector, new c.SessionTracker(db).global().serverUrl !== serverUrl),
  );
  const since = config.collector.backfillSince;
  const summary =
    `Backfill: ${formatCount(estimate.sessions)} session(s), ${formatCount(estimate.events)} event(s) ` +
    `already stored would be published to ${serverUrl}` +
    (since ? ` (backfill_since ${since})` : '') +
    (estimate.excludedSessions > 0
      ? `; ${formatCount(estimate.excludedSessions)} session(s) (${formatCount(estimate.excludedEvents)} event(s)) stay local (include_projects/exclude_projects/backfill_since)`
      : '') +
    '.\n';
  if (!opts.json) out.stdout(summary);
  if (opts.confirm && !(await opts.confirm('Register and enable publishing? [y/N] '))) {
    if (opts.json) printJson(out, { registered: false, backfill: estimate });
    else out.stdout('Nothing was registered.\n');
    return 1;
  }
  const reg = await c.registerCollector(
    serverUrl,
    {
      collector_type: 'aiobscura',
      collector_version: c.COLLECTOR_VERSION,
      hostname: opts.hostname ?? os.hostname(),
      workspace_id: opts.workspaceId,
      metadata: { os: `${os.platform()} ${os.release()}` },
    },
    config.collector.timeoutSecs * 1000,
    c.transportFor(config.collector),
  );
  const values = {
    enabled: true,
    server_url: serverUrl,
    collector_id: reg.collector_id,
    api_key: reg.api_key,
  };
  let savedTo = config.configPath;
  try {
    const text = fs.existsSync(config.configPath) ? fs.readFileSync(config.configPath, 'utf8') : '';
    writeFileAtomic(config.configPath, replaceCollectorSection(text, values));
    readConfigFile(config.configPath); // the file must still parse
  } catch (err) {
    // The server has issued a key it will never show again: keep it somewhere the user can find.
    savedTo = path.join(path.dirname(config.configPath), `collector-credentials-${reg.collector_id}.toml`);
    writeFileAtomic(savedTo, replaceCollectorSection('', values));
    out.stderr(
      `could not update ${config.configPath} (${(err as Error).message}); credentials saved to ${savedTo}\n`,
    );
  }
  // A new server (or new credentials) means cursors no longer describe what the server holds.
  withDb(config, (db) => {
    const tracker = new c.SessionTracker(db);
    if (tracker.global().serverUrl !== serverUrl) tracker.resetCursors(serverUrl);
    tracker.clearPause();
  });
  const result = {
    collector_id: reg.collector_id,
    api_key_prefix: c.maskSecret(reg.api_key),
    server_url: serverUrl,
    config: savedTo,
    backfill: estimate,
  };
  if (opts.json) printJson(out, result);
  else {
    out.stdout(
      `Registered collector ${reg.collector_id} with ${serverUrl} (key ${result.api_key_prefix}).\n` +
        `Publishing is enabled in ${savedTo}; run \`aiobscura sync --watch\` to start.\n`,
    );
  }
  return 0;
}

function parseDuration(v: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(v);
  if (!m) throw new CommandError(`--max-age: "${v}" is not a duration like 30m, 2h, 1d`);
  return Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** `collector status [SESSION]`: exit 0 healthy, 1 paused, 2 backlog older than --max-age. */
export async function statusCommand(
  config: ResolvedConfig,
  opts: { session?: string; maxAge?: string; json?: boolean },
  out: Out,
): Promise<number> {
  const c = await collector();
  const cc = config.collector;
  const maxAgeMs = opts.maxAge ? parseDuration(opts.maxAge) : null;
  const local = withDb(config, (db) => {
    const tracker = new c.SessionTracker(db);
    const excluded = new c.SessionSelector(db, cc).excluded();
    return {
      global: tracker.global(),
      backlog: c.backlog(db, new Set(excluded.keys())),
      stats: c.publishStats(db),
      excluded: countReasons(excluded),
    };
  });
  const settings = {
    enabled: cc.enabled,
    server_url: cc.serverUrl,
    collector_id: cc.collectorId,
    api_key: cc.apiKey ? c.maskSecret(cc.apiKey) : null,
    batch_size: cc.batchSize,
    flush_interval_secs: cc.flushIntervalSecs,
    timeout_secs: cc.timeoutSecs,
    max_retries: cc.maxRetries,
    // What leaves the machine (docs/CONFIG.md, Privacy).
    redact: cc.redact,
    redact_patterns: cc.redactPatterns.length,
    send_raw_data: cc.sendRawData,
    send_thinking: cc.sendThinking,
    send_tool_results: cc.sendToolResults,
    include_projects: cc.includeProjects.length > 0 ? cc.includeProjects : null,
    exclude_projects: cc.excludeProjects.length > 0 ? cc.excludeProjects : null,
    backfill_since: cc.backfillSince,
    ca_file: cc.caFile,
  };
  let session: unknown = null;
  if (opts.session && cc.enabled) {
    const id = withDb(config, (db) => resolveSessionId(db, opts.session!));
    const client = c.clientFor(cc);
    session = {
      id,
      wire_session_id: c.wireSessionId(id),
      server: await client.sessionStatus(c.wireSessionId(id)),
    };
  }
  const age = local.backlog.oldestObservedAt ? Date.now() - Date.parse(local.backlog.oldestObservedAt) : 0;
  const state = !cc.enabled
    ? 'disabled'
    : local.global.pausedReason
      ? 'paused'
      : maxAgeMs !== null && age > maxAgeMs
        ? 'backlog-too-old'
        : 'healthy';
  const code = state === 'paused' ? 1 : state === 'backlog-too-old' ? 2 : 0;
  const report = {
    state,
    settings,
    sources: cc.sources,
    pause: local.global.pausedReason
      ? {
          reason: local.global.pausedReason,
          detail: local.global.pausedDetail,
          since: local.global.pausedAt,
          location: local.global.location,
          hint: pauseHint(local.global.pausedReason),
        }
      : null,
    backlog: { ...local.backlog, age_ms: age },
    excluded: local.excluded,
    counters: local.stats.counters,
    session,
  };
  if (opts.json) printJson(out, report);
  else out.stdout(renderStatus(report));
  return code;
}

/** Excluded sessions counted by reason (`exclude_projects: <glob>`, `not in include_projects`, …). */
function countReasons(excluded: Map<string, string>): { sessions: number; reasons: Record<string, number> } {
  const reasons: Record<string, number> = {};
  for (const r of excluded.values()) {
    // The backfill reason names each session's own time; counted by rule, not by instant.
    const key = r.startsWith('backfill_since') ? 'backfill_since' : r;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  return { sessions: excluded.size, reasons };
}

function pauseHint(reason: string): string {
  switch (reason) {
    case 'redirect':
      return 'the server answered with a redirect, which is never followed: check server_url (scheme, host, /api)';
    case 'unauthorized':
    case 'invalid-collector-id':
      return 'the server refused the credentials: run `aiobscura collector register --force`';
    case 'collector-disabled':
      return 'this collector was disabled on the server: ask its admin, then `aiobscura collector resume`';
    case 'tls-certificate':
      return 'the server certificate was refused (the detail says which check failed): set ca_file for a private CA, which lifts the pause at once, or fix the certificate and run `aiobscura collector resume`';
    default:
      return 'fix the cause, then run `aiobscura collector resume` (publishing also retries every 15 minutes)';
  }
}

function renderStatus(r: {
  state: string;
  settings: Record<string, unknown>;
  sources: Record<string, string>;
  pause: { reason: string; detail: string | null; location: string | null; hint: string } | null;
  backlog: { sessions: number; messages: number; oldestObservedAt: string | null };
  excluded: { sessions: number; reasons: Record<string, number> };
  counters: Record<string, number>;
  session: unknown;
}): string {
  const lines = [`collector: ${r.state}`];
  for (const [k, v] of Object.entries(r.settings)) {
    lines.push(`  ${k.padEnd(20)} ${v === null ? '(unset)' : String(v)}  [${r.sources[k] ?? 'default'}]`);
  }
  if (r.pause) {
    lines.push(`paused: ${r.pause.reason}: ${r.pause.detail ?? ''}`);
    if (r.pause.location) lines.push(`  redirect target: ${r.pause.location}`);
    lines.push(`  ${r.pause.hint}`);
  }
  lines.push(
    `backlog: ${formatCount(r.backlog.messages)} message(s) in ${formatCount(r.backlog.sessions)} session(s)` +
      (r.backlog.oldestObservedAt ? `, oldest observed ${shortTime(r.backlog.oldestObservedAt)}` : ''),
    `sent ${formatCount(r.counters.sent ?? 0)}, accepted ${formatCount(r.counters.accepted ?? 0)}, ` +
      `duplicates ${formatCount(r.counters.duplicates ?? 0)}, rejected ${formatCount(r.counters.rejected ?? 0)}`,
  );
  if (r.excluded.sessions > 0) {
    lines.push(`excluded: ${formatCount(r.excluded.sessions)} session(s) never published`);
    for (const [reason, n] of Object.entries(r.excluded.reasons))
      lines.push(`  ${formatCount(n).padStart(6)}  ${reason}`);
  }
  if (r.session) lines.push(`session: ${JSON.stringify(r.session)}`);
  return `${lines.join('\n')}\n`;
}

/** `collector flush`: asks the running daemon (SIGUSR1), or publishes everything itself under the lock. */
export async function flushCommand(config: ResolvedConfig, json: boolean, out: Out): Promise<number> {
  if (!config.collector.enabled)
    throw new CommandError('the collector is disabled (collector.enabled = false)');
  let lock: SyncLock;
  try {
    lock = SyncLock.acquire(config.databasePath);
  } catch (err) {
    if (err instanceof LockHeldError && err.holderPid) {
      process.kill(err.holderPid, 'SIGUSR1');
      const msg = `asked the running sync (PID ${err.holderPid}) to publish now`;
      if (json) printJson(out, { delegatedTo: err.holderPid });
      else out.stdout(`${msg}\n`);
      return 0;
    }
    throw err;
  }
  try {
    const c = await collector();
    const db = openDatabase(config.databasePath);
    try {
      const publisher = c.createPublisher(db, config.collector, {
        log: (level, m) => out.stderr(`${level}: ${m}\n`),
      });
      const result = await publisher.drain(config.collector.shutdownTimeoutSecs * 1000);
      if (json) printJson(out, result);
      else if (result.remainingSessions === 0) out.stdout('everything publishable was acknowledged\n');
      else out.stdout(`${result.remainingSessions} session(s) still queued: ${result.reason}\n`);
      return result.remainingSessions === 0 ? 0 : 1;
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}

export async function statsCommand(config: ResolvedConfig, json: boolean, out: Out): Promise<number> {
  const c = await collector();
  const s = withDb(config, (db) => c.publishStats(db));
  if (json) printJson(out, s);
  else {
    const l = s.latencyMs;
    out.stdout(
      `${Object.entries(s.counters)
        .map(([k, v]) => `${k.padEnd(11)} ${formatCount(v)}`)
        .join('\n')}\n` +
        `latency observed → acknowledged (ms): p50 ${l.p50 ?? '-'}, p90 ${l.p90 ?? '-'}, p99 ${l.p99 ?? '-'}, ` +
        `max ${l.max ?? '-'} over ${formatCount(l.count)} events\n`,
    );
  }
  return 0;
}

export async function sessionsCommand(
  config: ResolvedConfig,
  all: boolean,
  json: boolean,
  out: Out,
): Promise<number> {
  const c = await collector();
  const rows = withDb(config, (db) => {
    const excluded = new c.SessionSelector(db, config.collector).excluded();
    // An excluded session is listed as such (with the reason) instead of as waiting to be published.
    return c.publishSessions(db, all).map((r) => {
      const reason = excluded.get(r.session_id);
      return reason === undefined
        ? { ...r, excluded_reason: null }
        : { ...r, status: 'excluded', excluded_reason: reason };
    });
  });
  if (json) printJson(out, rows);
  else if (rows.length === 0) out.stdout(all ? 'No sessions.\n' : 'Nothing waiting to be published.\n');
  else {
    out.stdout(
      `${table(
        ['SESSION', 'STATUS', 'SENT UP TO', 'LAST SEQ', 'PENDING', 'LAST PUBLISHED', 'ERROR / REASON'],
        rows.map((r) => [
          r.session_id,
          r.status,
          r.last_published_seq,
          r.last_seq,
          r.pending,
          shortTime(r.last_published_at),
          r.error_message ?? r.excluded_reason ?? '',
        ]),
      )}\n`,
    );
  }
  return 0;
}

/** `collector resume [SESSION]`: lifts a global pause, or a session's `failed` status. */
export async function resumeCommand(
  config: ResolvedConfig,
  opts: { session?: string; resetCursors?: boolean; json?: boolean },
  out: Out,
): Promise<number> {
  const c = await collector();
  const done = withDb(config, (db) => {
    const tracker = new c.SessionTracker(db);
    if (opts.resetCursors) tracker.resetCursors(config.collector.serverUrl ?? '');
    tracker.clearPause();
    if (!opts.session) return { resumed: 'all', resetCursors: Boolean(opts.resetCursors) };
    const id = resolveSessionId(db, opts.session);
    db.prepare(
      `UPDATE collector_publish_state SET status = 'active', failed_rounds = 0, next_retry_at = NULL, error_message = NULL
       WHERE session_id = ?`,
    ).run(id);
    return { resumed: id, resetCursors: Boolean(opts.resetCursors) };
  });
  if (opts.json) printJson(out, done);
  else
    out.stdout(
      `resumed ${done.resumed}${done.resetCursors ? ' (cursors reset: everything is sent again)' : ''}\n`,
    );
  return 0;
}

/**
 * `collector preview SESSION`: exactly the events that would be sent (withheld content, redaction,
 * sanitising, shrinking); an excluded session previews as nothing, with the reason on stderr.
 */
export async function previewCommand(
  config: ResolvedConfig,
  opts: { session: string; limit: number; json?: boolean },
  out: Out,
): Promise<number> {
  const c = await collector();
  const events = withDb(config, (db) => {
    const id = resolveSessionId(db, opts.session);
    const tracker = new c.SessionTracker(db);
    const session = tracker.session(id);
    const messages = tracker.messagesAfter(id, 0, opts.limit);
    const wire = c.wireSessionId(id);
    const verdict = new c.SessionSelector(db, config.collector).verdict(id);
    if (!verdict.publish) return { session_id: wire, excluded: verdict.reason, events: [] };
    const mapping = c.mappingOptionsFor(config.collector);
    const start = session
      ? [
          c.sessionStartEvent(
            session,
            messages[0]?.observedAt ?? new Date().toISOString(),
            mapping.maxEventBytes,
            mapping.redact,
          ),
        ]
      : [];
    return {
      session_id: wire,
      excluded: null,
      events: [...start, ...messages.flatMap((m) => c.messageEvents(m, wire, mapping))],
    };
  });
  if (events.excluded !== null && !opts.json)
    out.stderr(`session ${events.session_id} is excluded (${events.excluded}): nothing is sent\n`);
  if (opts.json) printJson(out, events);
  else for (const e of events.events) out.stdout(`${JSON.stringify(e)}\n`);
  return 0;
}

export async function rejectionsCommand(
  config: ResolvedConfig,
  limit: number,
  json: boolean,
  out: Out,
): Promise<number> {
  const c = await collector();
  const rows = withDb(config, (db) => c.rejections(db, limit));
  if (json) printJson(out, rows);
  else if (rows.length === 0) out.stdout('No events were refused.\n');
  else
    for (const r of rows)
      out.stdout(
        `${r.created_at} ${r.session_id} #${r.seq} ${r.event_type} ${r.status ?? ''}: ${r.detail}\n`,
      );
  return 0;
}

/** `collector complete SESSION`: the manual `/complete` call (DESIGN.md §3.6). */
export async function completeCommand(
  config: ResolvedConfig,
  opts: { session: string; outcome: string; summary?: string; json?: boolean },
  out: Out,
): Promise<number> {
  const cc = config.collector;
  if (!cc.enabled) throw new CommandError('the collector is disabled (collector.enabled = false)');
  const c = await collector();
  const id = withDb(config, (db) => resolveSessionId(db, opts.session));
  const client = c.clientFor(cc);
  const result = await client.completeSession(c.wireSessionId(id), {
    outcome: opts.outcome,
    ...(opts.summary ? { summary: opts.summary } : {}),
  });
  if (opts.json) printJson(out, result);
  else
    out.stdout(
      `${result.kind === 'completed' ? 'completed' : `not completed (${result.kind})`}: ${JSON.stringify(result)}\n`,
    );
  return result.kind === 'completed' ? 0 : 1;
}
