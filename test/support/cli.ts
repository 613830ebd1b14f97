import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './corpus.js';
import { spawn, spawnSync } from './spawn.js';

/** The compiled CLI, as users run it (`npm test` builds before testing). */
export const CLI = path.join(REPO_ROOT, 'dist', 'bundle', 'cli', 'main.js');

export interface Home {
  root: string;
  env: NodeJS.ProcessEnv;
  claudeProjects: string;
  codexSessions: string;
  db: string;
}

/** A fake home: XDG dirs, `~/.claude/projects` and `~/.codex/sessions`, all inside a temp dir. */
export function fakeHome(): Home {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-home-'));
  const claudeProjects = path.join(root, '.claude', 'projects');
  const codexSessions = path.join(root, '.codex', 'sessions');
  fs.mkdirSync(claudeProjects, { recursive: true });
  fs.mkdirSync(codexSessions, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: root,
    XDG_DATA_HOME: path.join(root, 'data'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
  };
  return { root, env, claudeProjects, codexSessions, db: path.join(root, 'data', 'aiobscura', 'data.db') };
}

export function run(home: Home, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...home.env, ...extraEnv },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function start(home: Home, args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Like `run`, without blocking the test process: needed when the process talks to a server that runs
 * inside the test process (a blocked event loop would never answer it).
 */
export function runAsync(
  home: Home,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...home.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Runs `aiobscura sync` with the module-logging hook (test/support/module-log.mjs) and the collector forced on
 * or off, and returns every module URL the process loaded, so a test can prove a module was never loaded.
 */
export async function syncLoadedModules(home: Home, collectorEnabled: boolean): Promise<string[]> {
  const log = path.join(home.root, 'modules.log');
  fs.writeFileSync(log, '');
  const result = await runAsync(home, ['sync'], {
    AIOBSCURA_MODULE_LOG: log,
    NODE_OPTIONS: `--import ${path.join(REPO_ROOT, 'test', 'support', 'module-log.mjs')}`,
    AIOBSCURA_COLLECTOR_ENABLED: String(collectorEnabled),
  });
  if (result.code !== 0) throw new Error(`sync exited ${result.code}: ${result.stderr}`);
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
}
