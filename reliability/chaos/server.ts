/**
 * The CatSyphon-compatible test server in its own process, with its admin API on a second port that stays up
 * while the main listener is closed for the outage.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Counters, RandomFault } from '../../test/support/catsyphon/index.js';
import { REPO_ROOT } from '../../test/support/corpus.js';

const SERVER = path.join(REPO_ROOT, 'dist', 'test', 'support', 'catsyphon', 'cli.js');

export interface ChaosServer {
  url: string;
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  summary(): Promise<{ rows: number; counters: Counters }>;
  stop(): Promise<void>;
}

export async function startChaosServer(seed: number): Promise<ChaosServer> {
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
    child.once('exit', (code) => reject(new Error(`test server exited ${code}`)));
  });
  const admin = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${adminUrl}/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const value = (await res.json()) as T;
    if (!res.ok) throw new Error(`admin ${method} ${route}: ${res.status} ${JSON.stringify(value)}`);
    return value;
  };
  return {
    url,
    admin,
    summary: () => admin('GET', 'summary'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * The fault mix as independent shares of all collector requests: 20 % 503, 10 % 429 with Retry-After,
 * 5 % reset, 5 % stall-then-drop, 5 % stall-then-commit. The server draws its random rules in order, so each
 * rule's probability is its share of what the rules before it left over.
 */
export function faultMix(stallMs: number): RandomFault[] {
  const shares: [RandomFault['fault'], number][] = [
    [{ kind: 'status', status: 503 }, 0.2],
    [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 0.1],
    [{ kind: 'reset' }, 0.05],
    [{ kind: 'stall-drop', ms: stallMs }, 0.05],
    [{ kind: 'stall-commit', ms: stallMs }, 0.05],
  ];
  let left = 1;
  return shares.map(([fault, share]) => {
    const probability = share / left;
    left -= share;
    return { fault, probability, match: { path: '/collectors/' } };
  });
}
