/**
 * A fake home whose config enables the collector against an in-process test server, for tests that run the
 * compiled CLI as a separate process (`runAsync`, so the server in this process keeps answering).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { Credentials, RunningCatsyphonServer } from './catsyphon/index.js';
import { fakeHome, type Home } from './cli.js';
import { duplicateHashes, expectedServerHashes } from './publish.js';

export type CollectorValues = Record<string, string | number | boolean | readonly string[]>;

export function configPath(home: Home): string {
  return path.join(home.root, 'config', 'aiobscura', 'config.toml');
}

export function writeCollectorConfig(home: Home, values: CollectorValues): void {
  fs.mkdirSync(path.dirname(configPath(home)), { recursive: true });
  // Strings and lists of strings in JSON form are valid TOML too.
  const lines = Object.entries(values).map(
    ([k, v]) => `${k} = ${typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}`,
  );
  fs.writeFileSync(configPath(home), `[collector]\n${lines.join('\n')}\n`);
}

/** A home holding copies of `files` as Claude Code sessions of project `-w`, publishing to `server`. */
export function collectorHome(
  server: RunningCatsyphonServer,
  creds: Credentials,
  files: string[],
  extra: CollectorValues = {},
): Home {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir);
  // Old logs keep their mtime: finished history, whose last responses are final at once (idle).
  for (const f of files) fs.cpSync(f, path.join(dir, path.basename(f)), { preserveTimestamps: true });
  writeCollectorConfig(home, {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    batch_size: 10,
    timeout_secs: 2,
    ...extra,
  });
  return home;
}

/** Read-only query of the home's database. */
export function query<T>(home: Home, sql: string, ...args: unknown[]): T[] {
  const db = new Database(home.db, { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** The server holds every publishable local message's events exactly once. */
export function expectPublishedOnce(server: RunningCatsyphonServer, home: Home): void {
  const rows = server.admin.rows();
  expect(duplicateHashes(rows)).toEqual([]);
  const expected = expectedServerHashes(home.db);
  expect(expected.uncovered).toBe(0);
  expect(new Set(rows.map((r) => `${r.sessionId} ${r.hash}`))).toEqual(expected.hashes);
}

/** The key with one character changed (never to itself: a key whose 21st character is already `x` stays valid). */
export function alteredKey(key: string): string {
  return `${key.slice(0, 20)}${key[20] === 'x' ? 'y' : 'x'}${key.slice(21)}`;
}
