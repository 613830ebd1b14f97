/**
 * The test-only phase markers (`AIOBSCURA_PHASE_FILE`) the chaos run uses as proof of where a SIGKILL landed:
 * balanced `B`/`E` pairs in a clean run, a `B http n` for every request the server saw, and an unmatched `B txn`
 * when the process dies inside an ingest transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { fakeHome, runAsync } from '../support/cli.js';
import { writeCollectorConfig } from '../support/collector-home.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

async function setup() {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const home = fakeHome();
  fs.mkdirSync(path.join(home.claudeProjects, '-w'));
  fs.copyFileSync(SPLIT_CLAUDE, path.join(home.claudeProjects, '-w', path.basename(SPLIT_CLAUDE)));
  writeCollectorConfig(home, {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    batch_size: 10,
  });
  return { home, markers: path.join(home.root, 'phases.log') };
}

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);

shared.describe('phase markers', () => {
  it('pair every ingest transaction and every HTTP request in a clean run', async () => {
    const { home, markers } = await setup();
    const r = await runAsync(home, ['sync'], { AIOBSCURA_PHASE_FILE: markers });
    expect(r.code).toBe(0);
    const all = lines(markers);
    const txn = all.filter((l) => l.endsWith('txn'));
    expect(txn.length).toBeGreaterThan(0);
    expect(txn).toEqual(txn.map((_l, i) => (i % 2 === 0 ? 'B txn' : 'E txn')));
    const begun = all.filter((l) => l.startsWith('B http ')).map((l) => l.slice(2));
    const ended = all.filter((l) => l.startsWith('E http ')).map((l) => l.slice(2));
    expect(new Set(begun).size).toBe(begun.length);
    expect(ended.sort()).toEqual([...begun].sort());
    // Every request the server saw was marked; an attempt cancelled before it reached the server is marked too.
    expect(server.admin.requests().length).toBeGreaterThan(0);
    expect(begun.length).toBeGreaterThanOrEqual(server.admin.requests().length);
  });

  it('end with an unmatched B txn when the process dies inside a transaction', async () => {
    const { home, markers } = await setup();
    const r = await runAsync(home, ['sync'], {
      AIOBSCURA_PHASE_FILE: markers,
      AIOBSCURA_CRASH_AT: 'after-message-insert-before-commit',
    });
    expect(r.signal).toBe('SIGKILL');
    expect(lines(markers)).toEqual(['B txn']);
  });
});
