import { z } from 'zod';
import { expandHome, type PathEnv } from './paths.js';
import { parseInstant, TimeSpecError } from './time-spec.js';

/**
 * The `[collector]` section: the seed's keys and defaults plus DESIGN.md §3.7's additions. Values are
 * validated here with messages that name the key; `server_url` is checked further (scheme, loopback rule)
 * by `normalizeServerUrl` when the collector is enabled.
 */
export const collectorFileSchema = z.strictObject({
  enabled: z.boolean().optional(),
  server_url: z.string().min(1).optional(),
  collector_id: z.string().optional(),
  api_key: z.string().min(1).optional(),
  batch_size: z.number().int().optional(),
  flush_interval_secs: z.number().min(0).max(3600).optional(),
  timeout_secs: z.number().positive().max(600).optional(),
  max_retries: z.number().int().min(0).max(20).optional(),
  max_batch_bytes: z
    .number()
    .int()
    .min(16 * 1024)
    .max(16 * 1024 * 1024)
    .optional(),
  max_event_bytes: z
    .number()
    .int()
    .min(4 * 1024)
    .max(16 * 1024 * 1024)
    .optional(),
  shutdown_timeout_secs: z.number().min(0).max(3600).optional(),
  complete_after_idle_minutes: z.number().min(0).optional(),
  allow_insecure_http: z.boolean().optional(),
  send_raw_data: z.boolean().optional(),
  send_thinking: z.boolean().optional(),
  send_tool_results: z.boolean().optional(),
  redact: z.boolean().optional(),
  redact_patterns: z.array(z.string()).optional(),
  include_projects: z.array(z.string().min(1)).optional(),
  exclude_projects: z.array(z.string().min(1)).optional(),
  backfill_since: z.string().min(1).optional(),
  ca_file: z.string().min(1).optional(),
});

export type CollectorFile = z.infer<typeof collectorFileSchema>;

export interface CollectorConfig {
  readonly enabled: boolean;
  readonly serverUrl: string | null;
  readonly collectorId: string | null;
  readonly apiKey: string | null;
  readonly batchSize: number;
  readonly flushIntervalSecs: number;
  readonly timeoutSecs: number;
  readonly maxRetries: number;
  readonly maxBatchBytes: number;
  readonly maxEventBytes: number;
  readonly shutdownTimeoutSecs: number;
  readonly completeAfterIdleMinutes: number;
  readonly allowInsecureHttp: boolean;
  readonly sendRawData: boolean;
  readonly sendThinking: boolean;
  readonly sendToolResults: boolean;
  /** Secret redaction of what is sent (collector/redact); the local database always keeps everything. */
  readonly redact: boolean;
  readonly redactPatterns: readonly string[];
  /** Globs on a session's working directory (collector/selection.ts). */
  readonly includeProjects: readonly string[];
  readonly excludeProjects: readonly string[];
  /** Sessions whose last activity is before this instant are never published; null = no limit. */
  readonly backfillSince: string | null;
  /** PEM file of extra certificate authorities, trusted besides the system's (read when publishing starts). */
  readonly caFile: string | null;
  /** Where each value came from, for `collector status` (flag > env > file > default). */
  readonly sources: Readonly<Record<string, 'flag' | 'env' | 'file' | 'default'>>;
}

export const COLLECTOR_DEFAULTS = {
  enabled: false,
  batch_size: 20,
  flush_interval_secs: 5,
  timeout_secs: 30,
  max_retries: 3,
  max_batch_bytes: 768 * 1024,
  max_event_bytes: 512 * 1024,
  shutdown_timeout_secs: 10,
  complete_after_idle_minutes: 0,
  allow_insecure_http: false,
  send_raw_data: true,
  send_thinking: true,
  send_tool_results: true,
  redact: true,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CollectorEnv {
  AIOBSCURA_COLLECTOR_ENABLED?: string | undefined;
  AIOBSCURA_COLLECTOR_SERVER_URL?: string | undefined;
  AIOBSCURA_COLLECTOR_COLLECTOR_ID?: string | undefined;
  AIOBSCURA_COLLECTOR_API_KEY?: string | undefined;
}

export interface CollectorFlags {
  enabled?: boolean | undefined;
  serverUrl?: string | undefined;
}

function envBool(name: string, v: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new Error(`${name}: expected true or false, got "${v}"`);
}

/**
 * Each invalid `redact_patterns` entry, named by key and index. A pattern matching the empty string is refused
 * too: it would insert a marker between every two characters.
 */
export function redactPatternProblems(patterns: readonly string[]): string[] {
  const problems: string[] = [];
  patterns.forEach((p, i) => {
    try {
      if (new RegExp(p).test(''))
        problems.push(`collector.redact_patterns[${i}]: ${JSON.stringify(p)} matches the empty string`);
    } catch (err) {
      problems.push(
        `collector.redact_patterns[${i}]: invalid regular expression ${JSON.stringify(p)}: ${(err as Error).message}`,
      );
    }
  });
  return problems;
}

/** Resolves the section with precedence flags > env > file > defaults and checks the values together. */
export function resolveCollector(
  file: CollectorFile | undefined,
  env: CollectorEnv & Pick<PathEnv, 'HOME'>,
  flags: CollectorFlags = {},
  now: Date = new Date(),
): { config: CollectorConfig; problems: string[] } {
  const f = file ?? {};
  const sources: Record<string, 'flag' | 'env' | 'file' | 'default'> = {};
  const problems: string[] = [];
  function pick<T>(
    key: string,
    flag: T | undefined,
    fromEnv: T | undefined,
    fromFile: T | undefined,
    def: T,
  ): T {
    const [source, value] =
      flag !== undefined
        ? (['flag', flag] as const)
        : fromEnv !== undefined
          ? (['env', fromEnv] as const)
          : fromFile !== undefined
            ? (['file', fromFile] as const)
            : (['default', def] as const);
    sources[key] = source;
    return value;
  }
  let envEnabled: boolean | undefined;
  try {
    envEnabled =
      env.AIOBSCURA_COLLECTOR_ENABLED !== undefined && env.AIOBSCURA_COLLECTOR_ENABLED !== ''
        ? envBool('AIOBSCURA_COLLECTOR_ENABLED', env.AIOBSCURA_COLLECTOR_ENABLED)
        : undefined;
  } catch (err) {
    problems.push((err as Error).message);
  }
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  const D = COLLECTOR_DEFAULTS;
  let backfillSince: string | null | undefined;
  try {
    backfillSince =
      f.backfill_since === undefined
        ? undefined
        : parseInstant(f.backfill_since, 'collector.backfill_since', { now }).toISOString();
  } catch (err) {
    if (!(err instanceof TimeSpecError)) throw err;
    problems.push(err.message);
    backfillSince = null;
  }
  const config: CollectorConfig = {
    enabled: pick('enabled', flags.enabled, envEnabled, f.enabled, D.enabled),
    serverUrl: pick<string | null>(
      'server_url',
      flags.serverUrl,
      nonEmpty(env.AIOBSCURA_COLLECTOR_SERVER_URL),
      f.server_url,
      null,
    ),
    collectorId: pick<string | null>(
      'collector_id',
      undefined,
      nonEmpty(env.AIOBSCURA_COLLECTOR_COLLECTOR_ID),
      f.collector_id,
      null,
    ),
    apiKey: pick<string | null>(
      'api_key',
      undefined,
      nonEmpty(env.AIOBSCURA_COLLECTOR_API_KEY),
      f.api_key,
      null,
    ),
    batchSize: pick('batch_size', undefined, undefined, f.batch_size, D.batch_size),
    flushIntervalSecs: pick(
      'flush_interval_secs',
      undefined,
      undefined,
      f.flush_interval_secs,
      D.flush_interval_secs,
    ),
    timeoutSecs: pick('timeout_secs', undefined, undefined, f.timeout_secs, D.timeout_secs),
    maxRetries: pick('max_retries', undefined, undefined, f.max_retries, D.max_retries),
    maxBatchBytes: pick('max_batch_bytes', undefined, undefined, f.max_batch_bytes, D.max_batch_bytes),
    maxEventBytes: pick('max_event_bytes', undefined, undefined, f.max_event_bytes, D.max_event_bytes),
    shutdownTimeoutSecs: pick(
      'shutdown_timeout_secs',
      undefined,
      undefined,
      f.shutdown_timeout_secs,
      D.shutdown_timeout_secs,
    ),
    completeAfterIdleMinutes: pick(
      'complete_after_idle_minutes',
      undefined,
      undefined,
      f.complete_after_idle_minutes,
      D.complete_after_idle_minutes,
    ),
    allowInsecureHttp: pick(
      'allow_insecure_http',
      undefined,
      undefined,
      f.allow_insecure_http,
      D.allow_insecure_http,
    ),
    sendRawData: pick('send_raw_data', undefined, undefined, f.send_raw_data, D.send_raw_data),
    sendThinking: pick('send_thinking', undefined, undefined, f.send_thinking, D.send_thinking),
    sendToolResults: pick(
      'send_tool_results',
      undefined,
      undefined,
      f.send_tool_results,
      D.send_tool_results,
    ),
    redact: pick('redact', undefined, undefined, f.redact, D.redact),
    redactPatterns: pick<readonly string[]>('redact_patterns', undefined, undefined, f.redact_patterns, []),
    includeProjects: pick<readonly string[]>(
      'include_projects',
      undefined,
      undefined,
      f.include_projects?.map((g) => expandHome(g, env)),
      [],
    ),
    excludeProjects: pick<readonly string[]>(
      'exclude_projects',
      undefined,
      undefined,
      f.exclude_projects?.map((g) => expandHome(g, env)),
      [],
    ),
    backfillSince: pick<string | null>(
      'backfill_since',
      undefined,
      undefined,
      backfillSince ?? undefined,
      null,
    ),
    caFile: pick<string | null>(
      'ca_file',
      undefined,
      undefined,
      f.ca_file === undefined ? undefined : expandHome(f.ca_file, env),
      null,
    ),
    sources,
  };
  problems.push(...redactPatternProblems(config.redactPatterns));
  if (config.batchSize < 1 || config.batchSize > 50) {
    problems.push(
      `collector.batch_size: must be between 1 and 50 (the server refuses larger batches), got ${config.batchSize}`,
    );
  }
  if (config.collectorId !== null && !UUID.test(config.collectorId)) {
    problems.push(
      `collector.collector_id: must be a UUID (as returned by \`aiobscura collector register\`), got "${config.collectorId}"`,
    );
  }
  if (config.maxEventBytes > config.maxBatchBytes) {
    problems.push('collector.max_event_bytes: must not exceed collector.max_batch_bytes');
  }
  if (config.enabled) {
    for (const [key, v] of [
      ['server_url', config.serverUrl],
      ['collector_id', config.collectorId],
      ['api_key', config.apiKey],
    ] as const) {
      if (v === null)
        problems.push(
          `collector.${key}: required when collector.enabled = true (run \`aiobscura collector register\`)`,
        );
    }
  }
  return { config: Object.freeze(config), problems };
}
