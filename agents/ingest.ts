/**
 * Ingests and publishes one scenario's agent home with the built CLI (a real process, as a user runs it):
 * `sync` into a fresh database with the collector enabled against the CatSyphon-compatible test server,
 * then `collector flush`. An agent whose log-dir flag the CLI does not have yet is reported, not run.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../test/support/corpus.js';

const run = promisify(execFile);
export const CLI = path.join(REPO_ROOT, 'dist', 'bundle', 'cli', 'main.js');

let helpText: string | null = null;

/** Whether the built CLI knows a global flag such as `--gemini-dir`. */
export async function cliHasFlag(flag: string): Promise<boolean> {
  if (helpText === null) {
    const { stdout } = await run(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    helpText = stdout;
  }
  return new RegExp(`(^|\\s)${flag.replace(/-/g, '\\-')}[\\s,=<]`, 'm').test(helpText);
}

export interface IngestResult {
  db: string;
  sync: unknown;
  flush: unknown;
  stderr: string;
}

function toml(values: Record<string, string | number | boolean>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

async function cli(args: string[], env: Record<string, string>): Promise<{ json: unknown; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { json: stdout.trim() ? JSON.parse(stdout) : null, stderr };
  } catch (e) {
    const err = e as { stderr?: string; code?: number; message: string };
    throw new Error(
      `aiobscura ${args.join(' ')} exited ${err.code}: ${(err.stderr ?? err.message).slice(-1500)}`,
    );
  }
}

export async function ingestAndPublish(opts: {
  workDir: string;
  flag: string;
  logDir: string;
  server: { url: string; collectorId: string; apiKey: string };
}): Promise<IngestResult> {
  const home = path.join(opts.workDir, 'aiobscura-home');
  fs.mkdirSync(home, { recursive: true });
  const db = path.join(opts.workDir, 'aiobscura.db');
  const config = path.join(opts.workDir, 'aiobscura.toml');
  const collector = {
    enabled: true,
    server_url: opts.server.url,
    collector_id: opts.server.collectorId,
    api_key: opts.server.apiKey,
    flush_interval_secs: 0,
    timeout_secs: 5,
    shutdown_timeout_secs: 30,
  };
  // The agents have exited: every response in their files is final, so nothing waits for idle time.
  fs.writeFileSync(config, `[sync]\nidle_close_secs = 0\n\n[collector]\n${toml(collector)}\n`);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
  };
  // The other agents' defaults point into the empty HOME: only this agent's files are read.
  const base = ['--db', db, '--config', config, opts.flag, opts.logDir];
  const sync = await cli([...base, 'sync', '--json', '--no-progress'], env);
  const flush = await cli([...base, 'collector', 'flush', '--json'], env);
  return { db, sync: sync.json, flush: flush.json, stderr: sync.stderr + flush.stderr };
}
