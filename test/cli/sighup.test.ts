/**
 * SIGHUP in `sync --watch`, as users send it (`systemctl --user reload`, `kill -HUP`): the compiled CLI in
 * its own process, the test server, real config files rewritten between signals.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { exited, fakeHome, start, waitFor } from '../support/cli.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

// Every test here needs the shared reference material; without it each one stands in, skipped with the reason
// (support/shared.ts).
const { it } = needs('corpus', 'catsyphon-openapi');

/** Real sessions other than SPLIT_CLAUDE's, so each copy adds a session the server has not seen. */
const MORE_CLAUDE = [
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/cbc0f75b-b36d-4efd-a7da-ac800ea30eb6.jsonl',
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/89488521-e2e7-4d97-bc02-38197efdddc8.jsonl',
].map((f) => path.join(CORPUS_DIR, f));

let server: RunningCatsyphonServer | undefined;
let daemon: ChildProcess | undefined;
afterEach(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    daemon.kill('SIGKILL');
    await exited(daemon);
  }
  await server?.close();
});

function toml(sections: Record<string, Record<string, string | number | boolean>>): string {
  return Object.entries(sections)
    .map(
      ([name, values]) =>
        `[${name}]\n${Object.entries(values)
          .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

it('re-reads the config: enabling the collector publishes, an invalid file keeps the running config', async () => {
  server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const home = fakeHome();
  const project = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(project);
  fs.cpSync(SPLIT_CLAUDE, path.join(project, 'first.jsonl'), { preserveTimestamps: true });
  const configFile = path.join(home.root, 'config', 'aiobscura', 'config.toml');
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.writeFileSync(configFile, toml({ sync: { poll_ms: 60_000 }, collector: { enabled: false } }));

  daemon = start(home, ['--log-format', 'json', 'sync', '--watch']);
  let stdout = '';
  let stderr = '';
  daemon.stdout!.on('data', (d) => {
    stdout += d;
  });
  daemon.stderr!.on('data', (d) => {
    stderr += d;
  });
  const records = () =>
    stderr
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  // The first pass line means the signal handlers are installed.
  await waitFor(() => stdout.includes('"event":"pass"'));
  expect(server.admin.requests()).toEqual([]);

  const enabled = {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    timeout_secs: 2,
  };
  fs.writeFileSync(configFile, toml({ sync: { poll_ms: 500 }, collector: enabled }));
  daemon.kill('SIGHUP');
  await waitFor(() => records().some((r) => r.event === 'config-reloaded'));
  const reloaded = records().find((r) => r.event === 'config-reloaded')!;
  expect(reloaded.level).toBe('info');
  const changes = reloaded.changes as { key: string; from: unknown; to: unknown; live: boolean }[];
  expect(changes.map((c) => c.key).sort()).toEqual([
    'collector.api_key',
    'collector.collector_id',
    'collector.enabled',
    'collector.flush_interval_secs',
    'collector.server_url',
    'collector.timeout_secs',
    'sync.poll_ms',
  ]);
  expect(changes.find((c) => c.key === 'sync.poll_ms')).toMatchObject({ from: 60_000, to: 500, live: true });
  expect(changes.find((c) => c.key === 'collector.api_key')!.to).toBe(`${creds.apiKey.slice(0, 12)}…`);
  // Backfill: what was ingested before the reload is published by the new publisher.
  await waitFor(() => server!.admin.rows().length > 0);
  const firstSessions = new Set(server.admin.rows().map((r) => r.sessionId));
  expect(firstSessions.size).toBe(1);

  // An invalid value: logged with its key, the running configuration (and publisher) stay.
  fs.writeFileSync(configFile, toml({ sync: { poll_ms: 500 }, collector: { ...enabled, batch_size: 500 } }));
  daemon.kill('SIGHUP');
  await waitFor(() => records().some((r) => r.event === 'config-reload-failed'));
  const failed = records().find((r) => r.event === 'config-reload-failed')!;
  expect(failed.level).toBe('warn');
  expect(failed.error).toContain('collector.batch_size');
  expect(failed.config).toBe(configFile);
  fs.cpSync(MORE_CLAUDE[0]!, path.join(project, 'second.jsonl'), { preserveTimestamps: true });
  await waitFor(() => new Set(server!.admin.rows().map((r) => r.sessionId)).size === 2);

  // A path can only change with a restart: said so, and the running one is kept.
  fs.writeFileSync(
    configFile,
    toml({
      sync: { poll_ms: 500 },
      sources: { claude_dir: path.join(home.root, 'elsewhere') },
      collector: enabled,
    }),
  );
  daemon.kill('SIGHUP');
  await waitFor(() => records().some((r) => r.event === 'config-needs-restart'));
  expect(records().find((r) => r.event === 'config-needs-restart')!.change).toMatchObject({
    key: 'sources.claude_dir',
    live: false,
  });
  fs.cpSync(MORE_CLAUDE[1]!, path.join(project, 'third.jsonl'), { preserveTimestamps: true });
  await waitFor(() => new Set(server!.admin.rows().map((r) => r.sessionId)).size === 3);

  daemon.kill('SIGTERM');
  expect((await exited(daemon)).code).toBe(0);
  expect(stderr + stdout).not.toContain(creds.apiKey);
});
