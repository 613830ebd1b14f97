/**
 * What a SIGHUP reload of `sync --watch` can change. The collector section and the poll interval apply live
 * (the publisher is rebuilt between passes); paths and `idle_close_secs` shape state the running process
 * already holds (the open database, the watcher, groups being closed), so they wait for a restart.
 */
import { AGENTS, type CollectorConfig, type ResolvedConfig } from '../config/index.js';

export interface ConfigChange {
  /** The config key as written in config.toml (`collector.batch_size`). */
  key: string;
  from: unknown;
  to: unknown;
  /** Applied without a restart. */
  live: boolean;
}

/** Secrets are never logged: a changed key shows as its first 12 characters (the server's key prefix). */
const SECRET_KEYS = new Set(['collector.api_key']);

const TOP_LEVEL: readonly [string, keyof ResolvedConfig, boolean][] = [
  ['database.path', 'databasePath', false],
  ['sync.idle_close_secs', 'idleCloseSecs', false],
  ['sync.poll_ms', 'pollMs', true],
];

export const COLLECTOR_KEYS: readonly [string, keyof CollectorConfig][] = [
  ['enabled', 'enabled'],
  ['server_url', 'serverUrl'],
  ['collector_id', 'collectorId'],
  ['api_key', 'apiKey'],
  ['batch_size', 'batchSize'],
  ['flush_interval_secs', 'flushIntervalSecs'],
  ['timeout_secs', 'timeoutSecs'],
  ['max_retries', 'maxRetries'],
  ['max_batch_bytes', 'maxBatchBytes'],
  ['max_event_bytes', 'maxEventBytes'],
  ['shutdown_timeout_secs', 'shutdownTimeoutSecs'],
  ['complete_after_idle_minutes', 'completeAfterIdleMinutes'],
  ['allow_insecure_http', 'allowInsecureHttp'],
  ['send_raw_data', 'sendRawData'],
  ['send_thinking', 'sendThinking'],
  ['send_tool_results', 'sendToolResults'],
  ['redact', 'redact'],
  ['redact_patterns', 'redactPatterns'],
  ['include_projects', 'includeProjects'],
  ['exclude_projects', 'excludeProjects'],
  ['backfill_since', 'backfillSince'],
  ['ca_file', 'caFile'],
];

export function diffConfig(running: ResolvedConfig, next: ResolvedConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const [key, field, live] of TOP_LEVEL) {
    if (running[field] !== next[field]) changes.push({ key, from: running[field], to: next[field], live });
  }
  // Log directories are watched from the start: a new one needs a restart.
  for (const a of AGENTS) {
    const from = running.dirs[a.name];
    const to = next.dirs[a.name];
    if (from !== to) changes.push({ key: `sources.${a.key}`, from, to, live: false });
  }
  for (const [name, field] of COLLECTOR_KEYS) {
    const key = `collector.${name}`;
    const from = running.collector[field];
    const to = next.collector[field];
    // Lists (redact_patterns, include_projects, …) are fresh arrays on every load: compare them by value.
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    changes.push(
      SECRET_KEYS.has(key)
        ? { key, from: redact(from), to: redact(to), live: true }
        : { key, from, to, live: true },
    );
  }
  return changes;
}

function redact(value: unknown): string | null {
  return typeof value === 'string' ? `${value.slice(0, 12)}…` : null;
}

export function describeChange(c: ConfigChange): string {
  return `${c.key} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`;
}

/**
 * The configuration the process runs with after a reload: the new values where they apply live, the
 * running ones where only a restart can apply them (so what is logged as "needs a restart" stays true).
 */
export function applicableConfig(running: ResolvedConfig, next: ResolvedConfig): ResolvedConfig {
  return Object.freeze({
    ...next,
    databasePath: running.databasePath,
    dirs: running.dirs,
    dirOrigins: running.dirOrigins,
    claudeDir: running.claudeDir,
    codexDir: running.codexDir,
    idleCloseSecs: running.idleCloseSecs,
  });
}
