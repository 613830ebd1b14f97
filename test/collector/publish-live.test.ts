/**
 * Publishing while logs are being written, and over the whole corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runSync } from '../../src/sync/index.js';
import { linkCorpus } from '../support/corpus.js';
import { type PublishEnv, publishEnv } from '../support/publish.js';
import { needs } from '../support/shared.js';

const openapi = needs('catsyphon-openapi');
const shared = needs('corpus', 'catsyphon-openapi');

let env: PublishEnv;
afterEach(async () => {
  await env?.close();
});

const SESSION = '7e570000-0000-4000-8000-000000000001';
const rec = (type: 'user' | 'assistant', n: number, extra: object) =>
  `${JSON.stringify({
    type,
    uuid: `7e570000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    sessionId: SESSION,
    timestamp: new Date(Date.UTC(2026, 10, 27, 10, 0, n)).toISOString(),
    cwd: '/work/live',
    ...extra,
  })}\n`;
const piece = (n: number, block: object, output: number) =>
  rec('assistant', n, {
    message: {
      id: 'msg_live_1',
      role: 'assistant',
      model: 'claude-x',
      content: [block],
      usage: {
        input_tokens: 100,
        output_tokens: output,
        cache_read_input_tokens: 7,
        cache_creation_input_tokens: 3,
      },
    },
  });

openapi.describe('a response written in three pieces 2 s apart', () => {
  it('is published once, with its final tokens', async () => {
    env = await publishEnv();
    const file = path.join(env.claudeDir, 'projects', '-w', `${SESSION}.jsonl`);
    fs.writeFileSync(file, rec('user', 1, { message: { role: 'user', content: 'write the report' } }));
    const stop = new AbortController();
    const daemon = runSync(env.config({ flush_interval_secs: 0 }), { watch: true, signal: stop.signal });
    const pause = () => new Promise((r) => setTimeout(r, 2000));
    await pause();
    fs.appendFileSync(file, piece(2, { type: 'thinking', thinking: 'plan it' }, 3));
    await pause();
    fs.appendFileSync(file, piece(3, { type: 'text', text: 'Here is the report.' }, 40));
    await pause();
    fs.appendFileSync(
      file,
      piece(4, { type: 'tool_use', id: 'toolu_live', name: 'Write', input: { file_path: '/r.md' } }, 95),
    );
    await pause();
    // The tool result does not close the response (a parallel tool call of the same message.id may follow
    // it); the next response, with another message.id, does: only then may it be sent.
    fs.appendFileSync(
      file,
      rec('user', 5, {
        message: {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_live', content: 'ok' }],
        },
      }),
    );
    await pause();
    expect(env.server.admin.rows().map((r) => r.type)).toEqual(['message']);
    fs.appendFileSync(
      file,
      rec('assistant', 6, {
        message: {
          id: 'msg_live_2',
          role: 'assistant',
          model: 'claude-x',
          content: [{ type: 'text', text: 'Written.' }],
          usage: { input_tokens: 120, output_tokens: 4 },
        },
      }),
    );
    const until = Date.now() + 10_000;
    while (env.server.admin.rows().length < 5 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await daemon;
    const rows = env.server.admin.rows();
    expect(rows.map((r) => r.type)).toEqual(['message', 'thinking', 'message', 'tool_call', 'tool_result']);
    const usage = rows
      .map((r) => (r.data as { token_usage?: Record<string, number> }).token_usage)
      .filter(Boolean);
    expect(usage).toEqual([
      { input_tokens: 100, output_tokens: 95, cache_read_input_tokens: 7, cache_creation_input_tokens: 3 },
    ]);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
  }, 40_000);
});

shared.describe('the whole corpus', () => {
  it('the token usage the server received equals the local totals, with nothing refused', async () => {
    env = await publishEnv();
    const tree = linkCorpus();
    // Enough time for the whole corpus on a loaded machine: this test is about the numbers, not the pace.
    const config = env.config({ shutdown_timeout_secs: 120 });
    const result = await runSync(
      {
        ...config,
        claudeDir: tree.claudeDir,
        codexDir: tree.codexDir,
        dirs: { ...config.dirs, claude: tree.claudeDir, codex: tree.codexDir },
      },
      { watch: false },
    );
    expect(result.publish).toEqual({ remainingSessions: 0, reason: null });
    const received = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
    for (const row of env.server.admin.rows()) {
      const u = (row.data as { token_usage?: Record<string, number> }).token_usage;
      if (!u) continue;
      received.input += u.input_tokens ?? 0;
      received.output += u.output_tokens ?? 0;
      received.cacheRead += u.cache_read_input_tokens ?? 0;
      received.cacheCreation += u.cache_creation_input_tokens ?? 0;
    }
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(env.databasePath, { readonly: true });
    const local = db
      .prepare(
        'SELECT sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_creation) AS cacheCreation FROM responses',
      )
      .get();
    const refused = db.prepare('SELECT count(*) FROM collector_rejections').pluck().get();
    db.close();
    expect(received.output).toBeGreaterThan(100_000);
    expect(received).toEqual(local);
    expect(refused).toBe(0);
  }, 180_000);
});
