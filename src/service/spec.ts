/**
 * What the background service runs, independent of the service manager: the absolute node binary, the
 * absolute CLI file, `sync --watch` with the global options given to `service install`, and the environment
 * that decides which files it reads. Absolute paths because neither systemd nor launchd start a login shell:
 * the user's PATH (nvm, Homebrew) is not there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AGENTS, type Assistant } from '../config/index.js';

export const SERVICE_NAME = 'aiobscura';
/** launchd wants a reverse-DNS label; it is also the plist's file name. */
export const LAUNCHD_LABEL = 'dev.aiobscura.sync';

/**
 * Variables that change what `sync` reads or where it writes: copied into the unit when set, so the service
 * sees the same files as the shell that installed it. The API key is deliberately not among them: a unit
 * file is readable by other users; `config.toml` (mode 0600) is where it belongs.
 */
export const PASSED_ENV = [
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'CLAUDE_CONFIG_DIR',
  'CODEX_HOME',
  'GEMINI_CLI_HOME',
  'COPILOT_HOME',
  'PI_CODING_AGENT_DIR',
  'AIOBSCURA_COLLECTOR_ENABLED',
  'AIOBSCURA_COLLECTOR_SERVER_URL',
  'AIOBSCURA_COLLECTOR_COLLECTOR_ID',
] as const;

export interface ServiceSpec {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of the CLI entry file, symlinks resolved (npm's bin links move between versions). */
  cli: string;
  /** Arguments after the CLI file: global options, then `sync --watch`. */
  args: string[];
  env: Record<string, string>;
  description: string;
}

export interface GlobalPaths {
  config?: string | undefined;
  db?: string | undefined;
  /** `--<agent>-dir` flags given to `service install`, by agent. */
  dirs?: Partial<Record<Assistant, string>> | undefined;
  logFormat?: string | undefined;
}

export function serviceSpec(opts: {
  node: string;
  cli: string;
  globals: GlobalPaths;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): ServiceSpec {
  const args: string[] = [];
  // Relative paths would be resolved against the service's working directory, not the installing shell's.
  const abs = (p: string) => path.resolve(opts.cwd, p);
  if (opts.globals.config) args.push('--config', abs(opts.globals.config));
  if (opts.globals.db) args.push('--db', abs(opts.globals.db));
  for (const a of AGENTS) {
    const dir = opts.globals.dirs?.[a.name];
    if (dir) args.push(a.flag, abs(dir));
  }
  if (opts.globals.logFormat && opts.globals.logFormat !== 'text')
    args.push('--log-format', opts.globals.logFormat);
  args.push('sync', '--watch', '--no-progress');
  const env: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const v = opts.env[name];
    if (v !== undefined && v !== '') env[name] = v;
  }
  return {
    node: opts.node,
    cli: opts.cli,
    args,
    env,
    description: 'aiobscura: ingest Claude Code and Codex session logs (sync --watch)',
  };
}

/** The CLI file this process runs from, with symlinks resolved. */
export function currentCli(argv1: string | undefined): string {
  if (!argv1) throw new Error('cannot tell which file the aiobscura CLI runs from');
  const p = path.resolve(argv1);
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
