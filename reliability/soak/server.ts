/**
 * The CatSyphon-compatible test server in its own process, for the outage soak. Its admin API listens on a
 * separate port, which stays up while the main listener is closed (outage mode), so the harness can keep
 * counting stored rows and turn the outage off again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../test/support/corpus.js';

const SERVER = path.join(REPO_ROOT, 'dist', 'test', 'support', 'catsyphon', 'cli.js');

/** A stored row as the admin API lists it (only the fields the soak checks). */
export interface ServerRow {
  index: number;
  /** The request that stored it, numbered across the server: rows of one batch share it. */
  batch: number;
  sessionId: string;
  hash: string;
  sequence?: number;
}

export interface SoakServer {
  url: string;
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  register(): Promise<{ collectorId: string; apiKey: string }>;
  /** Rows stored so far: the sum of the conversations' stored-event counts. */
  storedRows(): Promise<number>;
  outage(on: boolean): Promise<void>;
  rows(sessionId: string): Promise<ServerRow[]>;
  stop(): Promise<void>;
}

export async function startSoakServer(seed: number): Promise<SoakServer> {
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
    child.on('exit', (code) => reject(new Error(`test server exited ${code} before it listened`)));
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
    async register() {
      const c = await admin<{ collector_id: string; api_key: string }>('POST', 'collectors', {});
      return { collectorId: c.collector_id, apiKey: c.api_key };
    },
    async storedRows() {
      // One small entry per session, where listing the rows would move every event's data.
      const cs = await admin<{ eventCount: number }[]>('GET', 'conversations');
      return cs.reduce((n, c) => n + c.eventCount, 0);
    },
    async outage(on) {
      await admin('POST', 'modes', { outage: on });
    },
    async rows(sessionId) {
      const rows = await admin<ServerRow[]>('GET', `rows?session_id=${encodeURIComponent(sessionId)}`);
      return rows.map((r) => ({
        index: r.index,
        batch: r.batch,
        sessionId: r.sessionId,
        hash: r.hash,
        ...(r.sequence === undefined ? {} : { sequence: r.sequence }),
      }));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
