/**
 * `aiobscura doctor`: every check, in the order a user would fix things (config first, since every other
 * check reads it), never stopping at the first problem.
 */

import fs from 'node:fs';
import { ConfigError, type ConfigOverrides, type ResolvedConfig, resolveConfig } from '../config/index.js';
import { checkDatabase } from './database.js';
import { checkLock, checkLogDirs } from './local.js';
import { checkServer } from './remote.js';
import { type CheckResult, fail, ok } from './types.js';

export { checkClock, MAX_SKEW_MS } from './remote.js';
export type { CheckResult, CheckStatus } from './types.js';

export interface DoctorOptions {
  overrides: ConfigOverrides;
  env?: NodeJS.ProcessEnv;
  /** Per request; default 5 s. */
  timeoutMs?: number;
}

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const env = opts.env ?? process.env;
  const results: CheckResult[] = [];
  let config: ResolvedConfig;
  try {
    config = resolveConfig(opts.overrides, env);
    results.push(
      fs.existsSync(config.configPath)
        ? ok('config', `${config.configPath} is valid`)
        : ok('config', `no config file (defaults; ${config.configPath} would be read)`),
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // ConfigError lists one problem per indented line; doctor prints one line per check.
    const detail = err.message.replace(/:\n\s+/, ': ').replace(/\n\s+/g, '; ');
    results.push(
      fail(
        'config',
        detail,
        'correct the file or key named above (in the file, or the AIOBSCURA_COLLECTOR_* variable)',
      ),
    );
    // The local checks still run against the paths the flags and defaults give.
    // Only the path variables: a collector variable could make this fallback invalid too.
    const { HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, CLAUDE_CONFIG_DIR, CODEX_HOME } = env;
    const pathEnv = { HOME, XDG_DATA_HOME, XDG_CONFIG_HOME, CLAUDE_CONFIG_DIR, CODEX_HOME };
    const fallback = resolveConfig({ ...opts.overrides, configPath: '/dev/null', collector: {} }, pathEnv);
    results.push(
      ...checkLogDirs(fallback),
      ...checkDatabase(fallback.databasePath),
      checkLock(fallback.databasePath),
    );
    const notChecked = 'not checked: the config is invalid';
    results.push(
      ...['server', 'credentials', 'clock'].map((c) => ({
        status: 'warn' as const,
        check: c,
        detail: notChecked,
      })),
    );
    return results;
  }
  results.push(
    ...checkLogDirs(config),
    ...checkDatabase(config.databasePath),
    checkLock(config.databasePath),
  );
  results.push(...(await checkServer(config.collector, { timeoutMs: opts.timeoutMs ?? 5_000 })));
  return results;
}
