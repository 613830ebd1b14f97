/**
 * Gemini CLI and OpenCode key a sub-agent's session by its own id; the parent's spawning call names it
 * (shapes as Gemini CLI 0.61 and OpenCode 1.18.33 wrote them here against a scripted API, agents-formats.md
 * §16). After a real sync the child session is linked to that call, whichever file is read first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { subAgents } from '../../src/store/index.js';
import { assistantData, OpenCodeDb, textPart, tokens, toolPart, userData } from '../support/opencode-db.js';
import { agentConfig, links, TestSync } from '../support/sync.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function syncOf(home: string, dirs: Parameters<typeof agentConfig>[1]): TestSync {
  const s = new TestSync(agentConfig(home, dirs));
  cleanups.push(() => s.close());
  return s;
}

const PARENT = '75ab88b1-f6d3-4ba5-8395-acc312d056c9';
const CHILD = '21073b7a-91a4-4d19-b497-238d27aa3549';
const CALL = 'invoke_agent__invoke_agent_1796415370144_0';

function geminiHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-gemini-link-'));
  const chats = path.join(home, '.gemini', 'tmp', 'workspace', 'chats');
  const write = (file: string, recs: unknown[]) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, recs.map((r) => `${JSON.stringify(r)}\n`).join(''));
  };
  const header = (sessionId: string, kind: string) => ({
    sessionId,
    projectHash: 'x',
    startTime: '2026-12-04T20:16:00.000Z',
    lastUpdated: '2026-12-04T20:16:00.000Z',
    kind,
  });
  write(path.join(chats, 'session-2026-12-04T20-16-75ab88b1.jsonl'), [
    header(PARENT, 'main'),
    { id: 'u1', timestamp: '2026-12-04T20:16:01.000Z', type: 'user', content: [{ text: 'delegate it' }] },
    {
      id: 'g1',
      timestamp: '2026-12-04T20:16:02.000Z',
      type: 'gemini',
      content: '',
      model: 'gemini-2.5-flash',
      toolCalls: [
        {
          id: CALL,
          name: 'invoke_agent',
          args: { agent_name: 'generalist', prompt: 'run it' },
          result: [{ functionResponse: { id: CALL, name: 'invoke_agent', response: { output: 'done' } } }],
          status: 'success',
          agentId: CHILD,
          timestamp: '2026-12-04T20:16:05.000Z',
        },
      ],
    },
  ]);
  write(path.join(chats, PARENT, `${CHILD}.jsonl`), [
    header(CHILD, 'subagent'),
    { id: 'c1', timestamp: '2026-12-04T20:16:03.000Z', type: 'user', content: [{ text: 'run it' }] },
    {
      id: 'c2',
      timestamp: '2026-12-04T20:16:04.000Z',
      type: 'gemini',
      content: 'ran',
      model: 'gemini-2.5-flash',
    },
  ]);
  return home;
}

it('Gemini CLI: the invoke_agent call that names the sub-agent session spawned it', async () => {
  const home = geminiHome();
  const s = syncOf(home, { gemini: path.join(home, '.gemini') });
  await s.run();
  expect(links(s.db)).toEqual([{ session_id: CHILD, spawned_by_tool_use_id: CALL }]);
  expect(subAgents(s.db, PARENT)).toEqual([
    { session_id: CHILD, thread_key: 'main', spawned_by_tool_use_id: CALL },
  ]);
});

it('OpenCode: the task tool part whose metadata names the child session spawned it', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-opencode-link-'));
  const dir = path.join(home, 'opencode');
  const oc = new OpenCodeDb(path.join(dir, 'opencode.db'));
  cleanups.push(() => oc.close());
  const T0 = Date.parse('2026-12-04T20:17:00.000Z');
  oc.session({ id: 'ses_parent', created: T0 });
  oc.session({ id: 'ses_child', parentId: 'ses_parent', created: T0 + 10 });
  oc.message('ses_parent', 'msg_u', userData(T0), T0);
  oc.part('ses_parent', 'msg_u', 'prt_u', textPart('delegate it'), T0);
  const done = { completed: T0 + 900, finish: 'tool-calls', tokens: tokens(10, 5) };
  oc.message('ses_parent', 'msg_a', assistantData('msg_u', T0 + 5, done), T0 + 5, T0 + 900);
  const task = toolPart(
    'call_agx410',
    'task',
    { prompt: 'run it', subagent_type: 'general' },
    { status: 'completed', output: 'done' },
    { start: T0 + 6, end: T0 + 800 },
  );
  (task.state as Record<string, unknown>).metadata = {
    parentSessionId: 'ses_parent',
    sessionId: 'ses_child',
  };
  oc.part('ses_parent', 'msg_a', 'prt_task', task, T0 + 6);
  oc.message('ses_child', 'msg_cu', userData(T0 + 10), T0 + 10);
  oc.part('ses_child', 'msg_cu', 'prt_cu', textPart('run it'), T0 + 10);
  const s = syncOf(home, { opencode: dir });
  await s.run();
  expect(links(s.db)).toEqual([{ session_id: 'ses_child', spawned_by_tool_use_id: 'call_agx410' }]);
  expect(subAgents(s.db, 'ses_parent')).toEqual([
    { session_id: 'ses_child', thread_key: 'main', spawned_by_tool_use_id: 'call_agx410' },
  ]);
});
