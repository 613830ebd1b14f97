/**
 * Every agent's sessions published to the CatSyphon-compatible test server: each conversation carries its
 * agent's `agent_type`, a sub-agent session names its parent, the token totals the server holds per session
 * equal the local ones, and credentials in what an agent logged arrive redacted. Real sync with the collector on (one-shot: ingest, publish, drain), the
 * agents' corpus samples laid out where each agent writes them, and an OpenCode database built with its DDL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { wireSessionId } from '../../src/collector/index.js';
import { type Assistant, agentSpec, resolveConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/store/index.js';
import { runSync } from '../../src/sync/index.js';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { assistantData, OpenCodeDb, textPart, tokens, userData } from '../support/opencode-db.js';
import { PLANTED, PLANTED_KINDS, plantedValues } from '../support/privacy.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');
const STAGE0 = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents');

/** Corpus sample → where its agent writes it, relative to the home. */
const LAYOUT: [string, string][] = [
  [`${STAGE0}/gemini/jsonl_v040.jsonl`, '.gemini/tmp/p/chats/session-2026-04-29T21-39-0f6a3b2c.jsonl'],
  [`${STAGE0}/copilot/small.jsonl`, '.copilot/session-state/copilot-small.jsonl'],
  [
    `${STAGE0}/copilot/subdir_v1/aaaabbbb-1111-2222-3333-ccccddddeeee/events.jsonl`,
    '.copilot/session-state/aaaabbbb-1111-2222-3333-ccccddddeeee/events.jsonl',
  ],
  [`${STAGE0}/pi/small.jsonl`, '.pi/agent/sessions/--p--/2026-05-12T01-02-27-657Z_019e19b4.jsonl'],
  [
    path.join(CORPUS_DIR, 'pi-mono/packages/coding-agent/test/fixtures/before-compaction.jsonl'),
    '.pi/agent/sessions/--p--/2025-11-20T10-00-00-000Z_before-compaction.jsonl',
  ],
  [
    `${STAGE0}/qwen/019f0000-0000-7000-8000-000000000004.jsonl`,
    '.qwen/projects/-p/chats/019f0000-0000-7000-8000-000000000004.jsonl',
  ],
];

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
/** The planted credentials as a person pastes them (support/privacy.ts assembles the values at run time). */
const PASTED = [
  `token ${PLANTED.github} and key ${PLANTED.aws}`,
  `Authorization: Bearer ${PLANTED.jwt}`,
  `-----BEGIN RSA PRIVATE KEY-----\n${PLANTED.pemBody}\n-----END RSA PRIVATE KEY-----`,
  `password = "${PLANTED.password}"`,
].join('\n');

corpus.describe('every agent published', () => {
  let server: RunningCatsyphonServer;
  let databasePath: string;

  beforeAll(async () => {
    server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
    const creds = server.admin.registerCollector();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-agents-pub-'));
    for (const [from, to] of LAYOUT) {
      fs.mkdirSync(path.dirname(path.join(home, to)), { recursive: true });
      // Finished history: the copies keep their old mtimes, so the last responses are final (idle) at once.
      fs.cpSync(from, path.join(home, to), { preserveTimestamps: true });
    }
    const oc = new OpenCodeDb(path.join(home, '.local/share/opencode/opencode.db'));
    oc.session({ id: 'ses_main', created: T0 });
    oc.session({ id: 'ses_child', parentId: 'ses_main', created: T0 + 50 });
    for (const [s, n] of [
      ['ses_main', 0],
      ['ses_child', 1],
    ] as const) {
      oc.message(s, `msg_u${n}`, userData(T0 + n), T0 + n);
      // Credentials pasted into a prompt: kept locally, redacted on the way out (the default).
      oc.part(s, `msg_u${n}`, `prt_u${n}`, textPart(`question ${n}\n${PASTED}`), T0 + n);
      const done = { completed: T0 + 900, finish: 'stop', tokens: tokens(100 + n, 20, 5000, 30) };
      oc.message(s, `msg_a${n}`, assistantData(`msg_u${n}`, T0 + 100, done), T0 + 100, T0 + 900);
      oc.part(s, `msg_a${n}`, `prt_a${n}`, textPart(`answer ${n}`), T0 + 200);
    }
    oc.close();
    const configPath = path.join(home, 'config.toml');
    fs.writeFileSync(
      configPath,
      [
        '[collector]',
        'enabled = true',
        `server_url = ${JSON.stringify(server.url)}`,
        `collector_id = ${JSON.stringify(creds.collectorId)}`,
        `api_key = ${JSON.stringify(creds.apiKey)}`,
        'flush_interval_secs = 0',
        'shutdown_timeout_secs = 30',
        '',
      ].join('\n'),
    );
    databasePath = path.join(home, 'data.db');
    const config = resolveConfig(
      { configPath, databasePath },
      { HOME: home, XDG_DATA_HOME: path.join(home, '.local/share') },
    );
    await runSync(config, { watch: false });
  }, 120_000);
  afterAll(() => server?.close());

  corpus.it('redacts what any agent logged: secrets stay local, the server gets the markers', () => {
    const sent = JSON.stringify(server.admin.events());
    for (const secret of plantedValues()) expect(sent).not.toContain(secret);
    for (const kind of PLANTED_KINDS) expect(sent).toContain(`[REDACTED:${kind}]`);
    const db = openDatabase(databasePath);
    try {
      const prompts = db
        .prepare("SELECT content FROM messages WHERE identity = 'opencode:prt_u0'")
        .pluck()
        .get();
      for (const secret of plantedValues()) expect(prompts).toContain(secret);
    } finally {
      db.close();
    }
  });

  corpus.it('each session under its agent_type, sub-agents with their parent, tokens as local', () => {
    const db = openDatabase(databasePath);
    try {
      const sessions = db.prepare('SELECT id, assistant, parent_session_id FROM sessions').all() as {
        id: string;
        assistant: Assistant;
        parent_session_id: string | null;
      }[];
      const assistants = new Set(sessions.map((s) => s.assistant));
      expect([...assistants].sort()).toEqual(['copilot', 'gemini', 'opencode', 'pi', 'qwen']);
      expect(sessions.some((s) => s.assistant === 'opencode' && s.parent_session_id === 'ses_main')).toBe(
        true,
      );
      expect(sessions.some((s) => s.assistant === 'copilot' && s.parent_session_id !== null)).toBe(true);
      const conversations = new Map(server.admin.conversations().map((c) => [c.sessionId, c]));
      const localTokens = db.prepare(
        `SELECT coalesce(sum(input), 0) AS input, coalesce(sum(output), 0) AS output,
           coalesce(sum(cache_read), 0) AS cacheRead, coalesce(sum(cache_creation), 0) AS cacheCreation
           FROM responses WHERE session_id = ?`,
      );
      let withTokens = 0;
      for (const s of sessions) {
        const wire = wireSessionId(s.id);
        const conv = conversations.get(wire);
        expect(conv, s.id).toBeDefined();
        expect(conv!.agentType, s.id).toBe(agentSpec(s.assistant).agentType);
        const start = server.admin.events(wire).find((e) => e.type === 'session_start');
        const parent = (start?.data as Record<string, unknown> | undefined)?.parent_session_id ?? null;
        expect(parent, s.id).toBe(s.parent_session_id === null ? null : wireSessionId(s.parent_session_id));
        const remote = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
        for (const r of server.admin.rows(wire)) {
          const u = (r.data as Record<string, unknown>).token_usage as Record<string, number> | undefined;
          if (!u) continue;
          remote.input += u.input_tokens ?? 0;
          remote.output += u.output_tokens ?? 0;
          remote.cacheRead += u.cache_read_input_tokens ?? 0;
          remote.cacheCreation += u.cache_creation_input_tokens ?? 0;
        }
        const local = localTokens.get(s.id) as typeof remote;
        expect(remote, s.id).toEqual(local);
        if (local.output > 0) withTokens++;
      }
      expect(withTokens).toBeGreaterThanOrEqual(5);
    } finally {
      db.close();
    }
  });
});
