/** The CatSyphon-compatible test server in its own process, as the publishing rows require. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';

const SERVER = path.join(REPO_ROOT, 'dist', 'test', 'support', 'catsyphon', 'cli.js');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  /** Credentials of a freshly registered collector. */
  register(): Promise<{ collectorId: string; apiKey: string }>;
  stop(): Promise<void>;
}

export async function startServer(port: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      const m = /CATSYPHON_URL=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`test server exited ${code}`)));
  });
  const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/__admin/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as T;
  };
  return {
    url,
    child,
    admin,
    async register() {
      const c = await admin<{ collector_id: string; api_key: string }>('POST', 'collectors', {});
      return { collectorId: c.collector_id, apiKey: c.api_key };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A config file enabling the collector against `url` (plus any overrides); returns its path. */
export function collectorConfig(
  file: string,
  url: string,
  creds: { collectorId: string; apiKey: string },
  extra: Record<string, number | boolean> = {},
): string {
  const values: Record<string, string | number | boolean> = {
    enabled: true,
    server_url: url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    ...extra,
  };
  const body = Object.entries(values)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join('\n');
  fs.writeFileSync(file, `[collector]\n${body}\n`);
  return file;
}
