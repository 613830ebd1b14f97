import os from 'node:os';
import path from 'node:path';

/** Environment the path defaults are derived from; injectable so tests never touch the real home. */
export interface PathEnv {
  HOME?: string | undefined;
  XDG_DATA_HOME?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
}

function home(env: PathEnv): string {
  return env.HOME && env.HOME.length > 0 ? env.HOME : os.homedir();
}

/** Expands a leading `~` so config values can be written the way users write them in a shell. */
export function expandHome(p: string, env: PathEnv): string {
  if (p === '~') return home(env);
  if (p.startsWith('~/')) return path.join(home(env), p.slice(2));
  return p;
}

export function defaultDatabasePath(env: PathEnv): string {
  const base = env.XDG_DATA_HOME ? env.XDG_DATA_HOME : path.join(home(env), '.local', 'share');
  return path.join(base, 'aiobscura', 'data.db');
}

export function defaultConfigPath(env: PathEnv): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : path.join(home(env), '.config');
  return path.join(base, 'aiobscura', 'config.toml');
}
