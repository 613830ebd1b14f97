import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import {
  type CollectorConfig,
  type CollectorEnv,
  type CollectorFlags,
  collectorFileSchema,
  resolveCollector,
} from './collector.js';
import {
  defaultClaudeDir,
  defaultCodexDir,
  defaultConfigPath,
  defaultDatabasePath,
  expandHome,
  type PathEnv,
} from './paths.js';

/**
 * `config.toml` as users may write it: every key optional. Unknown sections are allowed (later versions add
 * `[collector]`), unknown keys inside known sections are errors so typos do not pass silently.
 */
const fileSchema = z
  .object({
    database: z.strictObject({ path: z.string().min(1).optional() }).optional(),
    sources: z
      .strictObject({
        claude_dir: z.string().min(1).optional(),
        codex_dir: z.string().min(1).optional(),
      })
      .optional(),
    sync: z
      .strictObject({
        poll_ms: z.number().int().min(50).max(3_600_000).optional(),
        idle_close_secs: z.number().int().min(0).max(86_400).optional(),
      })
      .optional(),
    collector: collectorFileSchema.optional(),
  })
  .passthrough();

/** The resolved configuration every stage receives: complete, readonly, no optional fields. */
export interface ResolvedConfig {
  readonly configPath: string;
  readonly databasePath: string;
  readonly claudeDir: string;
  readonly codexDir: string;
  /** Rescan interval of `sync --watch`, in milliseconds. */
  readonly pollMs: number;
  /** An open assistant group becomes final after this much file inactivity (DESIGN.md §3.2). */
  readonly idleCloseSecs: number;
  readonly collector: CollectorConfig;
  /** `AIOBSCURA_CRASH_AT`: a deterministic crash point for the reliability suite, never set in normal use. */
  readonly crashAt: string | null;
  /** `AIOBSCURA_PHASE_FILE`: where the daemon appends test-only phase markers (see phase-marker.ts), or null. */
  readonly phaseFile: string | null;
  /**
   * `AIOBSCURA_MAX_PAGE_COUNT`: test hook that caps the database at this many pages (SQLite's
   * `max_page_count`), so a test can fill "the disk" for real without a small file system. Never set it in
   * normal use.
   */
  readonly maxPageCount: number | null;
}

/** Values given on the command line; they win over the file, which wins over the environment defaults. */
export interface ConfigOverrides {
  configPath?: string | undefined;
  databasePath?: string | undefined;
  claudeDir?: string | undefined;
  codexDir?: string | undefined;
  pollMs?: number | undefined;
  collector?: CollectorFlags;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readConfigFile(file: string): z.infer<typeof fileSchema> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new ConfigError(`invalid TOML in ${file}: ${(err as Error).message}`);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid config ${file}:\n${problems.join('\n')}`);
  }
  return result.data;
}

export function resolveConfig(
  overrides: ConfigOverrides = {},
  env: PathEnv & CollectorEnv = process.env,
): ResolvedConfig {
  const configPath = overrides.configPath ?? defaultConfigPath(env);
  const file = readConfigFile(configPath);
  const collector = resolveCollector(file.collector, env, overrides.collector);
  if (collector.problems.length > 0) {
    throw new ConfigError(
      `invalid config ${configPath}:\n${collector.problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  // Absolute paths: file rows are keyed by path, so `--claude-dir ./x` and `--claude-dir /abs/x` must agree.
  const pick = (flag: string | undefined, fromFile: string | undefined, fallback: string) =>
    path.resolve(expandHome(flag ?? fromFile ?? fallback, env));
  return Object.freeze({
    configPath,
    databasePath: pick(overrides.databasePath, file.database?.path, defaultDatabasePath(env)),
    claudeDir: pick(overrides.claudeDir, file.sources?.claude_dir, defaultClaudeDir(env)),
    codexDir: pick(overrides.codexDir, file.sources?.codex_dir, defaultCodexDir(env)),
    // File-system events trigger passes at once; the rescan is only the safety net, so it can be rare.
    pollMs: overrides.pollMs ?? file.sync?.poll_ms ?? 10_000,
    idleCloseSecs: file.sync?.idle_close_secs ?? 30,
    collector: collector.config,
    crashAt: (env as { AIOBSCURA_CRASH_AT?: string }).AIOBSCURA_CRASH_AT || null,
    phaseFile: (env as { AIOBSCURA_PHASE_FILE?: string }).AIOBSCURA_PHASE_FILE || null,
    maxPageCount: pageCount((env as { AIOBSCURA_MAX_PAGE_COUNT?: string }).AIOBSCURA_MAX_PAGE_COUNT),
  });
}

function pageCount(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new ConfigError(`AIOBSCURA_MAX_PAGE_COUNT: expected a positive whole number, got "${value}"`);
  }
  return Number(value);
}
