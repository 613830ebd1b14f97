/**
 * Qwen Code 0.24.4 writes a sub-agent's transcript to `projects/<cwd>/subagents/<parentSessionId>/
 * agent-<agentId>.jsonl` with an `agent-<agentId>.meta.json` beside it naming the spawning tool call (seen in
 * the files the real CLI wrote here against a scripted API, agents-formats.md §16). Records in that file carry
 * the PARENT's sessionId. The sub-agent must become its own session below the parent, linked to the call.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { links, TestSync } from '../support/sync.js';

const PARENT = '1c26b822-b0d9-482b-9b4a-85e1e2fb301f';
const AGENT = 'general-purpose-call_agx410';
const CALL = 'call_agx410';
const CWD = '/work/ws';

const rec = (uuid: string, type: string, message: unknown, extra: Record<string, unknown> = {}) => ({
  uuid,
  parentUuid: null,
  sessionId: PARENT,
  timestamp: `2026-12-04T20:16:4${uuid.slice(-1)}.000Z`,
  type,
  cwd: CWD,
  version: '0.24.4',
  message,
  ...extra,
});

const syncs: TestSync[] = [];
afterEach(() => {
  for (const s of syncs.splice(0)) s.close();
});

it('a sub-agent file under subagents/<parent>/ is its own session below the parent, linked to its call', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-qwen-sub-'));
  const project = path.join(home, 'projects', '-work-ws');
  const write = (file: string, records: unknown[]) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  };
  write(path.join(project, 'chats', `${PARENT}.jsonl`), [
    rec('00000000-0000-4000-8000-000000000001', 'user', { role: 'user', parts: [{ text: 'delegate it' }] }),
    rec('00000000-0000-4000-8000-000000000002', 'assistant', {
      role: 'model',
      parts: [{ functionCall: { id: CALL, name: 'agent', args: { prompt: 'run it' } } }],
    }),
  ]);
  const agentFile = path.join(project, 'subagents', PARENT, `agent-${AGENT}.jsonl`);
  const side = { agentId: AGENT, agentName: 'general-purpose', isSidechain: true };
  write(agentFile, [
    rec('00000000-0000-4000-8000-000000000003', 'user', { role: 'user', parts: [{ text: 'run it' }] }, side),
    rec(
      '00000000-0000-4000-8000-000000000004',
      'assistant',
      { role: 'model', parts: [{ text: 'ran' }] },
      side,
    ),
  ]);
  fs.writeFileSync(
    agentFile.replace(/\.jsonl$/, '.meta.json'),
    JSON.stringify({ agentId: AGENT, parentSessionId: PARENT, toolUseId: CALL, model: 'qwen3-coder-plus' }),
  );

  const sync = new TestSync(
    resolveConfig(
      {
        configPath: path.join(home, 'absent.toml'),
        databasePath: path.join(home, 'data.db'),
        dirs: { qwen: home },
      },
      { HOME: home },
    ),
  );
  syncs.push(sync);
  const summary = await sync.run();
  expect(summary.files).toBe(2);
  const sessions = sync.db.prepare('SELECT id, parent_session_id FROM sessions ORDER BY id').all() as {
    id: string;
    parent_session_id: string | null;
  }[];
  expect(sessions).toEqual([
    { id: PARENT, parent_session_id: null },
    { id: `${PARENT}:agent-${AGENT}`, parent_session_id: PARENT },
  ]);
  expect(sync.db.prepare('SELECT count(*) FROM ingest_warnings').pluck().get()).toBe(0);
  const agentMessages = sync.db
    .prepare('SELECT message_type, author_role, content FROM messages WHERE session_id = ? ORDER BY seq')
    .all(`${PARENT}:agent-${AGENT}`);
  expect(agentMessages).toEqual([
    { message_type: 'prompt', author_role: 'caller', content: 'run it' },
    { message_type: 'response', author_role: 'agent', content: 'ran' },
  ]);
  expect(links(sync.db)).toEqual([{ session_id: `${PARENT}:agent-${AGENT}`, spawned_by_tool_use_id: CALL }]);
  // The agent's records name no model; its `.meta.json` does.
  const models = sync.db
    .prepare("SELECT DISTINCT model FROM messages WHERE session_id = ? AND message_type = 'response'")
    .pluck()
    .all(`${PARENT}:agent-${AGENT}`);
  expect(models).toEqual(['qwen3-coder-plus']);
});
