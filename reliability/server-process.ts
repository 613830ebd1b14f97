/**
 * The CatSyphon-compatible test server in its own process, as the chaos run and the outage soak use it: its
 * admin API listens on a second port that stays up while the main listener is closed (outage mode), so a
 * harness can keep reading stored rows and turn the outage off again.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';
import { spawn } from '../test/support/spawn.js';

const SERVER = path.join(REPO_ROOT, 'dist', 'test', 'support', 'catsyphon', 'cli.js');

export interface ServerProcess {
  url: string;
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startServerProcess(seed: number): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [SERVER, '--port', '0', '--admin-port', '0', '--seed', String(seed)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const { url, adminUrl } = await new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      const u = /CATSYPHON_URL=(\S+)/.exec(out);
      const a = /CATSYPHON_ADMIN=(\S+)/.exec(out);
      if (u && a) resolve({ url: u[1]!, adminUrl: a[1]! });
    });
    child.once('exit', (code) => reject(new Error(`test server exited ${code} before it listened`)));
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout!.resume();
  const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${adminUrl}/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`admin ${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    url,
    admin,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
