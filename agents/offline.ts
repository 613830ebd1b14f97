/**
 * How "no network but 127.0.0.1" is guaranteed and verified.
 * - Guarantee: the run phase executes inside a new network namespace (`unshare --net`, mapped to root in
 *   a user namespace where the harness is not root), where loopback is the only interface: no route, no
 *   DNS, nothing but 127.0.0.1 exists for the agents.
 * - Verification (--offline-check): every agent turn runs under `strace -f -e trace=connect` (each attempt,
 *   even a refused one, is listed), and the proxy variables point at a local proxy that records the host of
 *   each request it is asked to forward and refuses it.
 */
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Interfaces other than loopback that this process can see (empty inside the namespace). */
export function nonLoopbackInterfaces(): string[] {
  return Object.entries(os.networkInterfaces())
    .filter(([, addrs]) => (addrs ?? []).some((a) => !a.internal))
    .map(([name]) => name);
}

export function canIsolate(): { ok: true } | { ok: false; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'network namespaces need Linux' };
  if (!has('unshare')) return { ok: false, why: 'unshare (util-linux) is not installed' };
  if (!has('ip')) return { ok: false, why: 'ip (iproute2) is not installed: loopback cannot be brought up' };
  try {
    execFileSync('unshare', ['--net', '--map-root-user', 'true'], { stdio: 'ignore' });
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `unshare --net failed: ${(e as Error).message}` };
  }
}

/** Re-runs this script inside a new network namespace with loopback up; resolves with its exit code. */
export function reexecIsolated(args: string[]): Promise<number> {
  const script = process.argv[1]!;
  const inner = ['ip link set lo up', 'exec "$0" "$@"'].join(' && ');
  const child = spawn(
    'unshare',
    ['--net', '--map-root-user', 'sh', '-c', inner, process.execPath, script, ...args],
    {
      stdio: 'inherit',
    },
  );
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
}

export function hasStrace(): boolean {
  return has('strace');
}

export interface RefusingProxy {
  env: Record<string, string>;
  /** Hosts asked for since the last call, then cleared. */
  take(): string[];
  close(): Promise<void>;
}

export async function startRefusingProxy(): Promise<RefusingProxy> {
  let asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.headers.host ?? req.url ?? '?');
    res.writeHead(403).end('agents harness: no network');
  });
  // A refused client may reset the connection: that must not end the harness.
  server.on('clientError', (_e, socket) => socket.destroy());
  server.on('connect', (req, socket) => {
    socket.on('error', () => {});
    asked.push(req.url ?? '?');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env: Record<string, string> = {};
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[k] = url;
    env[k.toLowerCase()] = url;
  }
  env.NO_PROXY = '127.0.0.1,localhost';
  env.no_proxy = env.NO_PROXY;
  return {
    env,
    take() {
      const out = [...new Set(asked)];
      asked = [];
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
