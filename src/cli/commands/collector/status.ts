/**
 * `collector status [SESSION]`: configuration, pause, health, backlog and privacy summary. It tells the truth
 * (issue 11 §14): "healthy" only when the last request to the server succeeded, so not while the server is
 * down nor after a `resume` whose credentials are still refused. Exit 0 healthy (or nothing sent yet), 1 not
 * publishing (paused, or the last request failed), 2 backlog older than `--max-age`.
 */
import { parseAgeMs, type ResolvedConfig } from '../../../config/index.js';
import { resolveSessionId } from '../../../store/index.js';
import { formatCount, type Out, plural, printJson, shortTime } from '../../output.js';
import { type CollectorModule, collectorModule, configuredServer, readDb } from './shared.js';
import {
  type LatencyView,
  latencyLine,
  renderProbe,
  type SessionProbe,
  sessionProbe,
} from './status-parts.js';

type GlobalState = import('../../../collector/index.js').GlobalState;

export interface StatusReport {
  state: 'disabled' | 'paused' | 'failing' | 'backlog-too-old' | 'healthy' | 'not-contacted';
  settings: Record<string, unknown>;
  sources: Record<string, string>;
  pause: {
    reason: string;
    detail: string | null;
    since: string | null;
    location: string | null;
    hint: string;
  } | null;
  last_request: { at: string; ok: boolean; detail: string | null; last_success_at: string | null } | null;
  backlog: { sessions: number; messages: number; oldest_observed_at: string | null; age_secs: number };
  latency_secs: LatencyView;
  excluded: { sessions: number; never_sent: number; already_sent: number; reasons: Record<string, number> };
  counters: Record<string, number>;
  session: SessionProbe | null;
}

export async function statusCommand(
  config: ResolvedConfig,
  opts: { session?: string; maxAge?: string; json?: boolean },
  out: Out,
): Promise<number> {
  const c = await collectorModule();
  const cc = config.collector;
  const maxAgeMs = opts.maxAge ? parseAgeMs(opts.maxAge, '--max-age') : null;
  const serverUrl = configuredServer(c, config);
  const local = localView(c, config, serverUrl);
  let session: SessionProbe | null = null;
  if (opts.session && cc.enabled) {
    const id = readDb(config, (db) => resolveSessionId(db, opts.session!));
    session = await sessionProbe(c, cc, id);
  }
  const oldest = local.backlog.oldestObservedAt;
  const ageMs = oldest ? Date.now() - Date.parse(oldest) : 0;
  const state = stateOf(cc.enabled, local.global, maxAgeMs !== null && ageMs > maxAgeMs);
  const g = local.global;
  const report: StatusReport = {
    state,
    settings: settingsOf(c, config),
    sources: cc.sources,
    pause: g.pausedReason
      ? {
          reason: g.pausedReason,
          detail: g.pausedDetail,
          since: g.pausedAt,
          location: g.location,
          hint: pauseHint(g.pausedReason, serverUrl),
        }
      : null,
    last_request:
      g.lastRequestAt === null || g.lastRequestOk === null
        ? null
        : {
            at: g.lastRequestAt,
            ok: g.lastRequestOk,
            detail: g.lastRequestDetail,
            last_success_at: g.lastSuccessAt,
          },
    backlog: {
      sessions: local.backlog.sessions,
      messages: local.backlog.messages,
      oldest_observed_at: oldest,
      age_secs: Math.round(ageMs / 1000),
    },
    latency_secs: local.stats.latency_secs,
    excluded: local.excluded,
    counters: local.stats.counters,
    session,
  };
  if (opts.json) printJson(out, report);
  else out.stdout(renderStatus(report));
  return state === 'paused' || state === 'failing' ? 1 : state === 'backlog-too-old' ? 2 : 0;
}

/** What the database says: the global state, the backlog, the counters, the privacy summary. */
function localView(c: CollectorModule, config: ResolvedConfig, serverUrl: string | null) {
  return readDb(config, (db) => {
    const excluded = new c.SessionSelector(db, config.collector).excluded();
    const sent = c.alreadySent(db, serverUrl, excluded.keys());
    return {
      global: new c.SessionTracker(db).global(),
      backlog: c.backlog(db, serverUrl, new Set(excluded.keys())),
      stats: c.publishStats(db),
      excluded: { ...countReasons(excluded), already_sent: sent.size, never_sent: excluded.size - sent.size },
    };
  });
}

function stateOf(enabled: boolean, g: GlobalState, tooOld: boolean): StatusReport['state'] {
  if (!enabled) return 'disabled';
  if (g.pausedReason) return 'paused';
  if (g.lastRequestOk === false) return 'failing';
  if (tooOld) return 'backlog-too-old';
  return g.lastRequestOk === true ? 'healthy' : 'not-contacted';
}

function settingsOf(c: CollectorModule, config: ResolvedConfig): Record<string, unknown> {
  const cc = config.collector;
  return {
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

function pauseHint(reason: string, serverUrl: string | null): string {
  switch (reason) {
    case 'redirect':
      return 'the server answered with a redirect, which is never followed: check server_url (scheme, host, /api)';
    case 'unauthorized':
    case 'invalid-collector-id':
      return (
        'the server refused the credentials: register again with ' +
        `\`aiobscura collector register --force --server-url ${serverUrl ?? '<url>'} --workspace-id <workspace uuid>\``
      );
    case 'collector-disabled':
      return 'this collector was disabled on the server: ask its admin, then `aiobscura collector resume`';
    case 'tls-certificate':
      return 'the server certificate was refused (the detail says which check failed): set ca_file for a private CA, which lifts the pause at once, or fix the certificate and run `aiobscura collector resume`';
    case 'server-url-changed':
      return 'server_url changed: `aiobscura collector resume --reset-cursors` publishes everything to the new server';
    default:
      return 'fix the cause, then run `aiobscura collector resume` (publishing also retries every 15 minutes)';
  }
}

const HEADLINE: Record<StatusReport['state'], string> = {
  disabled: 'disabled (collector.enabled = false)',
  paused: 'paused',
  failing: 'failing: the last request to the server did not succeed',
  'backlog-too-old': 'behind: the backlog is older than --max-age',
  healthy: 'healthy: the last request to the server succeeded',
  'not-contacted': 'no request made to the server yet',
};

export function renderStatus(r: StatusReport): string {
  const lines = [`collector: ${HEADLINE[r.state]}`];
  for (const [k, v] of Object.entries(r.settings)) {
    lines.push(`  ${k.padEnd(20)} ${v === null ? '(unset)' : String(v)}  [${r.sources[k] ?? 'default'}]`);
  }
  if (r.pause) {
    lines.push(`paused: ${r.pause.reason}: ${r.pause.detail ?? ''}`);
    if (r.pause.location) lines.push(`  redirect target: ${r.pause.location}`);
    lines.push(`  ${r.pause.hint}`);
  }
  if (r.last_request) {
    const l = r.last_request;
    lines.push(
      l.ok
        ? `last request: ${shortTime(l.at)} succeeded`
        : `last request: ${shortTime(l.at)} failed: ${l.detail ?? ''}` +
            (l.last_success_at ? ` (last success ${shortTime(l.last_success_at)})` : ' (none succeeded yet)'),
    );
  }
  lines.push(
    `backlog: ${plural(r.backlog.messages, 'message')} in ${plural(r.backlog.sessions, 'session')}` +
      (r.backlog.oldest_observed_at ? `, oldest observed ${shortTime(r.backlog.oldest_observed_at)}` : ''),
    `sent ${formatCount(r.counters.sent ?? 0)}, accepted ${formatCount(r.counters.accepted ?? 0)}, ` +
      `duplicates ${formatCount(r.counters.duplicates ?? 0)}, rejected ${formatCount(r.counters.rejected ?? 0)}`,
    latencyLine(r.latency_secs),
  );
  if (r.excluded.sessions > 0) {
    const e = r.excluded;
    lines.push(
      `excluded: ${plural(e.sessions, 'session')} kept local: ${formatCount(e.never_sent)} never sent` +
        (e.already_sent > 0
          ? `, ${formatCount(e.already_sent)} partly sent before they were excluded (the server keeps that part)`
          : ''),
    );
    for (const [reason, n] of Object.entries(e.reasons))
      lines.push(`  ${formatCount(n).padStart(6)}  ${reason}`);
  }
  if (r.session) lines.push(...renderProbe(r.session));
  return `${lines.join('\n')}\n`;
}
