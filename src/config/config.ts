import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { AGENTS, type AgentEnv, type Assistant, defaultAgentDirs } from './agents.js';
import {
  type CollectorConfig,
  type CollectorEnv,
  type CollectorFlags,
  collectorFileSchema,
  resolveCollector,
} from './collector.js';
import { defaultConfigPath, defaultDatabasePath, expandHome, type PathEnv } from './paths.js';
import { type KnownKeys, unknownKeyProblems } from './unknown-keys.js';

/** `sync.poll_ms` and `--poll`: one range and one message for both (issue 11, item 11). */
export const POLL_MS = { min: 50, max: 3_600_000 } as const;

/** Why a rescan interval is refused, or null when it is fine; `given` is the text as written. */
export function pollMsProblem(value: number, given: string = String(value)): string | null {
  if (Number.isInteger(value) && value >= POLL_MS.min && value <= POLL_MS.max) return null;
  return `must be a whole number of milliseconds from ${POLL_MS.min} to ${POLL_MS.max} (one hour), got ${given}`;
}

const databaseSchema = z.strictObject({ path: z.string().min(1).optional() });
const sourcesSchema = z.strictObject(
  Object.fromEntries(AGENTS.map((a) => [a.key, z.string().min(1).optional()])) as Record<
    (typeof AGENTS)[number]['key'],
    z.ZodOptional<z.ZodString>
  >,
);
const syncSchema = z.strictObject({
  poll_ms: z
    .number()
    .superRefine((v, ctx) => {
      const problem = pollMsProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  idle_close_secs: z.number().int().min(0).max(86_400).optional(),
});

/**
 * `config.toml` as users may write it: every key optional, every section and key known. An unknown one is an
 * error with the nearest valid name (unknown-keys.ts), so a typo never passes silently.
 */
const fileSchema = z.strictObject({
  database: databaseSchema.optional(),
  sources: sourcesSchema.optional(),
  sync: syncSchema.optional(),
  collector: collectorFileSchema.optional(),
});

const KNOWN_KEYS: KnownKeys = {
  database: Object.keys(databaseSchema.shape),
  sources: Object.keys(sourcesSchema.shape),
  sync: Object.keys(syncSchema.shape),
  collector: Object.keys(collectorFileSchema.shape),
};

/** The resolved configuration every stage receives: complete, readonly, no optional fields. */
export interface ResolvedConfig {
  readonly configPath: string;
  readonly databasePath: string;
  /** Each agent's log directory (agents.ts), absolute. */
  readonly dirs: Readonly<Record<Assistant, string>>;
  /**
   * Where each directory came from: `default` (the agent's usual place, which a machine without that agent
   * simply lacks) or one the user set (`flag`, `config`, `env`: the agent's own override), which must exist.
   */
  readonly dirOrigins: Readonly<Record<Assistant, 'default' | 'env' | 'config' | 'flag'>>;
  /** `dirs.claude` and `dirs.codex`, kept under their first names. */
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
  /**
   * `AIOBSCURA_FAIL_COMMITS=<seed>:<probability>`: test hook that makes that share of ingest transactions fail
   * just before COMMIT with SQLITE_IOERR, chosen by a PRNG seeded with `seed`, so the reliability suite can
   * prove a failed commit loses and duplicates nothing. Never set it in normal use.
   */
  readonly failCommits: { seed: number; probability: number } | null;
  /**
   * `AIOBSCURA_DISCOVERY_SEED`: test hook that shuffles the order in which each pass reads the discovered
   * files (seeded), so the differential suite can prove the result does not depend on it. Never set it in
   * normal use.
   */
  readonly discoverySeed: number | null;
}

/** Values given on the command line; they win over the file, which wins over the environment defaults. */
export interface ConfigOverrides {
  configPath?: string | undefined;
  databasePath?: string | undefined;
  /** `--<agent>-dir` flags. */
  dirs?: Partial<Record<Assistant, string | undefined>>;
  /** The same as `dirs.claude` and `dirs.codex`. */
  claudeDir?: string | undefined;
  codexDir?: string | undefined;
  pollMs?: number | undefined;
  collector?: CollectorFlags;
  /**
   * `configPath` was named by the user (`--config`): a file that does not exist is then an error, since the
   * settings meant would silently not apply. Only the default location may be absent.
   */
  configMustExist?: boolean;
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
  const unknown = unknownKeyProblems(raw as Record<string, unknown>, KNOWN_KEYS, text);
  const result = fileSchema.safeParse(raw);
  // Unknown keys are reported above, with their line and a suggestion; the schema's own report would repeat them.
  const issues = result.success ? [] : result.error.issues.filter((i) => i.code !== 'unrecognized_keys');
  const problems = [...unknown, ...issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)];
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(`invalid config ${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return result.data;
}

/** A `--config` file that does not exist is an error (issue 11, item 9); the default one may be absent. */
function requireNamedFile(overrides: ConfigOverrides): void {
  const file = overrides.configPath;
  if (file === undefined || !overrides.configMustExist || fs.existsSync(file)) return;
  throw new ConfigError(
    `config file ${file} (given with --config) does not exist; create it, correct the path, or leave ` +
      '--config out to use the default file',
  );
}

/** Each agent's directory and where it came from: flag, then config file, then the agent's env, then default. */
function resolveDirs(
  overrides: ConfigOverrides,
  sources: Record<string, string | undefined> | undefined,
  env: PathEnv & AgentEnv,
): Pick<ResolvedConfig, 'dirs' | 'dirOrigins'> {
  const defaults = defaultAgentDirs(env);
  // Without the agents' own variables (XDG_DATA_HOME is where OpenCode lives anyway, not an override).
  const plain = defaultAgentDirs({ HOME: env.HOME, XDG_DATA_HOME: env.XDG_DATA_HOME });
  const flags: Partial<Record<Assistant, string | undefined>> = {
    claude: overrides.claudeDir,
    codex: overrides.codexDir,
    ...overrides.dirs,
  };
  const dirs = {} as Record<Assistant, string>;
  const origins = {} as Record<Assistant, 'default' | 'env' | 'config' | 'flag'>;
  for (const a of AGENTS) {
    const flag = flags[a.name];
    const fromFile = sources?.[a.key];
    // Absolute paths: file rows are keyed by path, so `--claude-dir ./x` and `--claude-dir /abs/x` must agree.
    dirs[a.name] = path.resolve(expandHome(flag ?? fromFile ?? defaults[a.name], env));
    origins[a.name] =
      flag !== undefined
        ? 'flag'
        : fromFile !== undefined
          ? 'config'
          : defaults[a.name] !== plain[a.name]
            ? 'env'
            : 'default';
  }
  return { dirs: Object.freeze(dirs), dirOrigins: Object.freeze(origins) };
}

export function resolveConfig(
  overrides: ConfigOverrides = {},
  env: PathEnv & AgentEnv & CollectorEnv = process.env,
): ResolvedConfig {
  requireNamedFile(overrides);
  const configPath = overrides.configPath ?? defaultConfigPath(env);
  const file = readConfigFile(configPath);
  const collector = resolveCollector(file.collector, env, overrides.collector);
  if (collector.problems.length > 0) {
    throw new ConfigError(
      `invalid config ${configPath}:\n${collector.problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  const { dirs, dirOrigins } = resolveDirs(overrides, file.sources, env);
  return Object.freeze({
    configPath,
    databasePath: path.resolve(
      expandHome(overrides.databasePath ?? file.database?.path ?? defaultDatabasePath(env), env),
    ),
    dirs,
    dirOrigins,
    claudeDir: dirs.claude,
    codexDir: dirs.codex,
    // File-system events trigger passes at once; the rescan is only the safety net, so it can be rare.
    pollMs: overrides.pollMs ?? file.sync?.poll_ms ?? 10_000,
    idleCloseSecs: file.sync?.idle_close_secs ?? 30,
    collector: collector.config,
    crashAt: (env as { AIOBSCURA_CRASH_AT?: string }).AIOBSCURA_CRASH_AT || null,
    phaseFile: (env as { AIOBSCURA_PHASE_FILE?: string }).AIOBSCURA_PHASE_FILE || null,
    maxPageCount: pageCount((env as { AIOBSCURA_MAX_PAGE_COUNT?: string }).AIOBSCURA_MAX_PAGE_COUNT),
    failCommits: failCommits((env as { AIOBSCURA_FAIL_COMMITS?: string }).AIOBSCURA_FAIL_COMMITS),
    discoverySeed: seedOf((env as { AIOBSCURA_DISCOVERY_SEED?: string }).AIOBSCURA_DISCOVERY_SEED),
  });
}

function seedOf(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^\d+$/.test(value))
    throw new ConfigError(`AIOBSCURA_DISCOVERY_SEED: expected a whole number, got "${value}"`);
  return Number(value);
}

function failCommits(value: string | undefined): { seed: number; probability: number } | null {
  if (value === undefined || value === '') return null;
  const m = /^(\d+):(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(value);
  if (!m) throw new ConfigError(`AIOBSCURA_FAIL_COMMITS: expected <seed>:<probability 0..1>, got "${value}"`);
  return { seed: Number(m[1]), probability: Number(m[2]) };
}

function pageCount(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new ConfigError(`AIOBSCURA_MAX_PAGE_COUNT: expected a positive whole number, got "${value}"`);
  }
  return Number(value);
}
