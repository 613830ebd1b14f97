import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { fakeHome, type Home, runAsync } from '../support/cli.js';
import { writeCollectorConfig } from '../support/collector-home.js';
import { PLANTED_KINDS, PLANTED_SESSION, plantedValues, writePlantedSession } from '../support/privacy.js';
import { needs } from '../support/shared.js';

const openapi = needs('catsyphon-openapi');

const servers: RunningCatsyphonServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function publishOnce(collector: Record<string, string | boolean>) {
  const server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  const creds = server.admin.registerCollector();
  const home = fakeHome();
  writePlantedSession(home.claudeProjects);
  const values = {
    enabled: true,
    server_url: server.url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    timeout_secs: 2,
    ...collector,
  };
  writeCollectorConfig(home, values);
  const r = await runAsync(home, ['sync']);
  expect(r.code, r.stderr).toBe(0);
  return { server, home, sent: JSON.stringify(server.admin.events()) };
}

function localText(home: Home): string {
  const db = openDatabase(home.db);
  try {
    const rows = db.prepare('SELECT content, tool_input, tool_result FROM messages').all() as Record<
      string,
      string | null
    >[];
    const raw = db.prepare('SELECT raw FROM records').pluck().all() as Buffer[];
    return JSON.stringify(rows) + raw.map((b) => b.toString('utf8')).join('\n');
  } finally {
    db.close();
  }
}

openapi.describe('a session file with planted credentials', () => {
  it('is stored intact locally, arrives redacted, and keeps the hashes of redact = false', async () => {
    const redacted = await publishOnce({});
    const plain = await publishOnce({ redact: false });

    // Local database: everything, as written.
    for (const secret of plantedValues()) expect(localText(redacted.home)).toContain(secret);
    // Server: not one secret, in any field (content, parameters, result, raw_data); every kind marked.
    for (const secret of plantedValues()) expect(redacted.sent).not.toContain(secret);
    for (const kind of PLANTED_KINDS) expect(redacted.sent).toContain(`[REDACTED:${kind}]`);
    // The switch is real: with redact = false the same secrets arrive as stored.
    for (const secret of plantedValues()) expect(plain.sent).toContain(secret);

    const hashes = (s: RunningCatsyphonServer) => s.admin.events().map((e) => `${e.type} ${e.hash}`);
    expect(hashes(redacted.server).length).toBeGreaterThanOrEqual(7);
    expect(hashes(redacted.server)).toEqual(hashes(plain.server));
  });

  it('`collector preview` shows exactly what the server received, redacted and withheld content included', async () => {
    const { server, home } = await publishOnce({ send_thinking: false });
    const preview = await runAsync(home, ['collector', 'preview', PLANTED_SESSION, '--json']);
    expect(preview.code, preview.stderr).toBe(0);
    const shown = (JSON.parse(preview.stdout) as { events: { event_hash: string; data: unknown }[] }).events;
    const received = server.admin.events().map((e) => ({ event_hash: e.hash, data: e.data }));
    expect(shown.map((e) => ({ event_hash: e.event_hash, data: e.data }))).toEqual(received);
    expect(preview.stdout).toContain('[REDACTED:github_token]');
    expect(preview.stdout).toContain('[withheld: send_thinking = false]');
  });
});
