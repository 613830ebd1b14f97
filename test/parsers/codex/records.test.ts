import { describe, expect, it } from 'vitest';
import { codexParser } from '../../../src/parsers/codex/index.js';
import type { RecordOutput } from '../../../src/parsers/types.js';
import { type FileRun, linesFrom, parseLines } from './helpers.js';

const OWN = '019c581e-8542-7bb1-b7e1-7e6221c3047c';
const STEM = `rollout-2026-02-13T18-48-41-${OWN}`;
const ctx = { path: `/x/${STEM}.jsonl`, assistant: 'codex' as const, role: 'main' as const, stem: STEM };

let clock = 0;
function env(type: string, payload: unknown, extra: Record<string, unknown> = {}) {
  clock += 1;
  return {
    timestamp: `2026-02-13T17:49:${String(clock % 60).padStart(2, '0')}.000Z`,
    type,
    payload,
    ...extra,
  };
}
const meta = (payload: Record<string, unknown> = {}) =>
  env('session_meta', { id: OWN, cwd: '/repo', ...payload });
const item = (payload: Record<string, unknown>) => env('response_item', payload);
const event = (payload: Record<string, unknown>) => env('event_msg', payload);
const userItem = (text: string) =>
  item({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistant = (text: string) =>
  item({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
const totals = (input: number, cached: number, output: number) =>
  event({
    type: 'token_count',
    info: {
      total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output },
      last_token_usage: null,
    },
  });

function run(records: unknown[]): FileRun {
  return parseLines(linesFrom(records), ctx);
}
const msgs = (r: FileRun) => r.outs.flatMap((o) => o.messages);
const ofType = (r: FileRun, t: string) => msgs(r).filter((m) => m.messageType === t);

describe('session key and session facts', () => {
  it('uses the first session_meta id and reports cwd, branch, version, timestamp', () => {
    const r = run([
      meta({ git: { branch: 'dev' }, cli_version: '0.100.0', timestamp: '2026-02-13T17:48:41Z' }),
    ]);
    const out = r.outs[0] as RecordOutput;
    expect(out.kind).toBe('session_meta');
    expect(out.sessionKey).toBe(OWN);
    expect(out.sessions).toEqual([
      {
        sessionKey: OWN,
        assistant: 'codex',
        cwd: '/repo',
        gitBranch: 'dev',
        assistantVersion: '0.100.0',
        timestamp: '2026-02-13T17:48:41Z',
      },
    ]);
    expect(out.messages).toEqual([]);
    expect(out.note).toBe('metadata');
  });

  it('takes the parent from parent_thread_id or source.subagent.thread_spawn, never forked_from_id', () => {
    const spawned = run([
      meta({ source: { subagent: { thread_spawn: { parent_thread_id: 'P1', depth: 1 } } } }),
    ]);
    expect(spawned.outs[0]?.sessions[0]?.parentSessionKey).toBe('P1');
    expect(run([meta({ parent_thread_id: 'P2' })]).outs[0]?.sessions[0]?.parentSessionKey).toBe('P2');
    expect(run([meta({ forked_from_id: 'F' })]).outs[0]?.sessions[0]?.parentSessionKey).toBeUndefined();
  });

  it('derives the thread from the file stem before any meta', () => {
    const parse = (stem: string) => {
      const c = { ...ctx, stem };
      const state = codexParser.initialState(c);
      return codexParser.parse({ lineNo: 1, offset: 0, json: userItem('hi') }, state, c).sessionKey;
    };
    expect(parse(STEM)).toBe(OWN);
    const thread = '11111111-2222-4333-8444-555555555555';
    const rollout = '66666666-7777-4888-9999-000000000000';
    expect(parse(`rollout-2026-01-01T00-00-00-${thread}_${rollout}`)).toBe(thread);
    expect(parse('sample-session')).toBe('sample-session');
  });

  it('takes the model from turn_context and puts it on assistant output, usage and SessionInfo', () => {
    const r = run([
      meta(),
      env('turn_context', { model: 'gpt-5.3-codex', cwd: '/repo' }),
      assistant('ok'),
      totals(10, 0, 5),
    ]);
    expect(r.outs[1]?.sessions).toEqual([{ sessionKey: OWN, assistant: 'codex', model: 'gpt-5.3-codex' }]);
    expect(ofType(r, 'response')[0]?.model).toBe('gpt-5.3-codex');
    expect(r.outs[3]?.usage[0]?.model).toBe('gpt-5.3-codex');
    expect(r.state.model).toBe('gpt-5.3-codex');
  });
});

describe('prompts', () => {
  it('counts a user_message and its response_item twin once, in either order', () => {
    const eventFirst = run([
      meta(),
      event({ type: 'user_message', message: 'List files' }),
      userItem('List files'),
    ]);
    const itemFirst = run([
      meta(),
      userItem('List files\n'),
      event({ type: 'user_message', message: 'List files' }),
    ]);
    for (const r of [eventFirst, itemFirst]) {
      expect(ofType(r, 'prompt').map((m) => [m.authorRole, m.content?.trim()])).toEqual([
        ['human', 'List files'],
      ]);
      expect(r.outs[2]?.note).toBe('duplicate prompt');
    }
  });

  it('counts the same text typed in two turns twice', () => {
    const turn = [event({ type: 'user_message', message: 'again' }), userItem('again'), assistant('done')];
    const r = run([meta(), ...turn, event({ type: 'task_complete' }), ...turn]);
    expect(ofType(r, 'prompt')).toHaveLength(2);
  });

  it('takes response_item prompts when no user_message exists (0.63 fixtures, legacy)', () => {
    const r = run([meta(), userItem('one'), assistant('a'), userItem('two'), assistant('b')]);
    expect(ofType(r, 'prompt').map((m) => m.content)).toEqual(['one', 'two']);
  });

  it('maps injected context to context by system, and keeps developer messages (system prompt) local', () => {
    const r = run([
      meta({ cwd: undefined }),
      userItem('<environment_context>\n  <cwd>/from/env</cwd>\n</environment_context>'),
      userItem('# AGENTS.md instructions for /repo\n\n<INSTRUCTIONS>x</INSTRUCTIONS>'),
      item({
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: '<permissions instructions>' }],
      }),
    ]);
    expect(msgs(r).map((m) => [m.messageType, m.authorRole])).toEqual([
      ['context', 'system'],
      ['context', 'system'],
    ]);
    expect(r.outs[3]?.messages).toEqual([]);
    expect(r.outs[3]?.note).toBe('system prompt (kept local)');
    expect(r.outs[1]?.sessions).toEqual([{ sessionKey: OWN, assistant: 'codex', cwd: '/from/env' }]);
  });

  it('splits a user item with injected and human parts into two messages with part identities', () => {
    const r = run([
      item({
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: '<user_instructions>be brief</user_instructions>' },
          { type: 'input_text', text: 'real question' },
          { type: 'input_image', image_url: 'data:...' },
        ],
      }),
    ]);
    const m = msgs(r);
    expect(m.map((x) => x.messageType)).toEqual(['context', 'prompt']);
    expect(m[1]?.content).toBe('real question\n[image]');
    expect(m.map((x) => x.identity)).toEqual([`codex:${OWN}:b0:0`, `codex:${OWN}:b0:1`]);
    expect(new Set(m.map((x) => x.contentKey)).size).toBe(2);
  });

  it('takes item_completed UserMessage as the prompt in paginated mode', () => {
    const r = run([
      meta(),
      event({
        type: 'item_completed',
        item: { type: 'UserMessage', content: [{ type: 'text', text: 'hello' }] },
      }),
      event({
        type: 'item_completed',
        item: { type: 'AgentMessage', content: [{ type: 'Text', text: 'hi' }] },
      }),
    ]);
    expect(ofType(r, 'prompt').map((m) => m.content)).toEqual(['hello']);
    expect(r.outs[2]?.note).toBe('duplicate');
  });
});

describe('legacy bare era', () => {
  const header = {
    id: 'legacy-1',
    timestamp: '2025-09-10T02:47:38.812Z',
    instructions: null,
    git: { branch: 'main' },
  };
  it('reads the header, state lines and bare items without timestamps', () => {
    const r = run([
      header,
      { record_type: 'state' },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: '<environment_context>\n<cwd>/home/d</cwd>\n</environment_context>' },
        ],
      },
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'ctx\n## My request for Codex:\nfix it' }],
      },
      { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'c1' },
    ]);
    expect(r.outs.map((o) => o.kind)).toEqual([
      'legacy/session_meta',
      'legacy/state',
      'legacy/message',
      'legacy/message',
      'legacy/function_call',
    ]);
    expect(r.outs[0]?.sessions[0]).toMatchObject({ sessionKey: 'legacy-1', gitBranch: 'main' });
    expect(r.outs[2]?.sessions).toEqual([{ sessionKey: 'legacy-1', assistant: 'codex', cwd: '/home/d' }]);
    const prompt = ofType(r, 'prompt')[0];
    expect(prompt).toMatchObject({ content: 'fix it', emittedAt: null, sessionKey: 'legacy-1' });
    expect(ofType(r, 'tool_call')[0]?.toolInput).toBe('{"command":["ls"]}');
  });
});

describe('model output', () => {
  it('maps assistant text, reasoning summaries and skips encrypted-only reasoning', () => {
    const r = run([
      meta(),
      assistant('answer'),
      item({
        type: 'reasoning',
        summary: [
          { type: 'summary_text', text: 'a' },
          { type: 'summary_text', text: 'b' },
        ],
        encrypted_content: 'zzz',
      }),
      item({ type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'raw' }] }),
      item({ type: 'reasoning', summary: [], content: null, encrypted_content: 'zzz' }),
      event({ type: 'agent_message', message: 'answer' }),
      event({ type: 'agent_reasoning', text: 'a' }),
    ]);
    expect(msgs(r).map((m) => [m.messageType, m.authorRole, m.content])).toEqual([
      ['response', 'assistant', 'answer'],
      ['thinking', 'assistant', 'a\n\nb'],
      ['thinking', 'assistant', 'raw'],
    ]);
    expect(r.outs[4]?.note).toBe('encrypted reasoning');
    expect(r.outs[5]?.note).toBe('duplicate');
    expect(r.outs[6]?.note).toBe('duplicate');
    expect(JSON.stringify(r.outs)).not.toContain('zzz');
  });

  it('maps every tool call kind with name, call id and parsed input', () => {
    const r = run([
      item({ type: 'function_call', name: 'shell', arguments: '{"command":"ls"}', call_id: 'c1' }),
      item({ type: 'function_call', name: 'odd', arguments: 'not json', call_id: 'c2' }),
      item({ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch', call_id: 'c3' }),
      item({ type: 'local_shell_call', call_id: 'c4', action: { type: 'exec', command: ['ls'] } }),
      item({ type: 'web_search_call', action: { type: 'search', query: 'q' } }),
      item({ type: 'tool_search_call', call_id: 'c6', arguments: { query: 'x' } }),
    ]);
    expect(ofType(r, 'tool_call').map((m) => [m.toolName, m.toolUseId, m.toolInput, m.authorRole])).toEqual([
      ['shell', 'c1', '{"command":"ls"}', 'assistant'],
      ['odd', 'c2', '{"input":"not json"}', 'assistant'],
      ['apply_patch', 'c3', '{"input":"*** Begin Patch"}', 'assistant'],
      ['local_shell', 'c4', '{"type":"exec","command":["ls"]}', 'assistant'],
      ['web_search', null, '{"type":"search","query":"q"}', 'assistant'],
      ['tool_search', 'c6', '{"query":"x"}', 'assistant'],
    ]);
  });

  it('maps outputs of every shape and detects stated failures', () => {
    const out = (output: unknown, type = 'function_call_output') => item({ type, call_id: 'c', output });
    const r = run([
      out('plain text'),
      out('{"output":"boom","metadata":{"exit_code":2,"duration_seconds":0.1}}'),
      out('{"output":"ok","metadata":{"exit_code":0}}'),
      out('Exit code: 1\nWall time: 0.1 seconds\nOutput:\nerr'),
      out(
        [
          { type: 'input_text', text: 'a' },
          { type: 'input_image', image_url: 'x' },
        ],
        'custom_tool_call_output',
      ),
      out({ type: 'input_text', text: 'single' }),
      out({ some: 'object' }),
      item({ type: 'tool_search_output', call_id: 't', tools: [{ name: 'x' }] }),
    ]);
    expect(ofType(r, 'tool_result').map((m) => [m.toolResult, m.isError, m.authorRole, m.toolUseId])).toEqual(
      [
        ['plain text', false, 'tool', 'c'],
        ['{"output":"boom","metadata":{"exit_code":2,"duration_seconds":0.1}}', true, 'tool', 'c'],
        ['{"output":"ok","metadata":{"exit_code":0}}', false, 'tool', 'c'],
        ['Exit code: 1\nWall time: 0.1 seconds\nOutput:\nerr', true, 'tool', 'c'],
        ['a\n[image]', false, 'tool', 'c'],
        ['single', false, 'tool', 'c'],
        ['{"some":"object"}', false, 'tool', 'c'],
        ['[{"name":"x"}]', false, 'tool', 't'],
      ],
    );
    expect(ofType(r, 'tool_result').every((m) => m.groupKey === null)).toBe(true);
  });

  it('maps harness errors and compaction summaries', () => {
    const r = run([
      event({ type: 'error', message: 'stream disconnected' }),
      event({ type: 'error', error: { kind: 'rate_limit', message: 'Rate limit exceeded' } }),
      env('compacted', { message: 'Summary of earlier work', replacement_history: [] }),
      env('compacted', { message: '' }),
    ]);
    expect(msgs(r).map((m) => [m.messageType, m.authorRole, m.content])).toEqual([
      ['error', 'system', 'stream disconnected'],
      ['error', 'system', 'Rate limit exceeded'],
      ['summary', 'system', 'Summary of earlier work'],
    ]);
    expect(r.outs[3]?.note).toBe('compaction marker');
  });

  it('labels kinds and leaves metadata records without messages', () => {
    const r = run([
      env('turn_context', { model: 'm' }),
      env('world_state', { full: true, state: {} }),
      event({ type: 'task_started' }),
      item({ type: 'ghost_snapshot', ghost_commit: {} }),
    ]);
    expect(r.outs.map((o) => [o.kind, o.messages.length, o.note])).toEqual([
      ['turn_context', 0, 'metadata'],
      ['world_state', 0, 'metadata'],
      ['event_msg/task_started', 0, 'metadata'],
      ['response_item/ghost_snapshot', 0, 'metadata'],
    ]);
  });
});

describe('groups', () => {
  it('groups model output per turn and closes on token counts, turn ends and prompts', () => {
    const r = run([
      meta(),
      event({ type: 'user_message', message: 'q' }),
      assistant('a1'),
      totals(10, 0, 1),
      assistant('a2'),
      event({ type: 'task_complete' }),
      event({ type: 'token_count', info: null }),
      item({ type: 'function_call', name: 'x', arguments: '{}', call_id: 'c' }),
      event({ type: 'turn_aborted', reason: 'interrupted' }),
    ]);
    expect(r.outs.map((o) => o.closesGroups)).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      false,
      true,
    ]);
    const groups = msgs(r).map((m) => m.groupKey);
    expect(groups).toEqual([null, `codex:${OWN}:turn1`, `codex:${OWN}:turn2`, `codex:${OWN}:turn3`]);
  });
});

describe('identity', () => {
  it('uses growing ordinals, else the byte offset', () => {
    const lines = linesFrom([
      env(
        'response_item',
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
        { ordinal: 3 },
      ),
      env(
        'response_item',
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'b' }] },
        { ordinal: 3 },
      ),
      env(
        'response_item',
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'c' }] },
        { ordinal: 4 },
      ),
    ]);
    const r = parseLines(lines, ctx);
    expect(msgs(r).map((m) => m.identity)).toEqual([
      `codex:${OWN}:o3`,
      `codex:${OWN}:b${lines[1]?.offset}`,
      `codex:${OWN}:o4`,
    ]);
    expect(r.state.lastOrdinal).toBe(4);
  });

  it('hashes type and payload only, so a copy with another timestamp and ordinal has the same content key', () => {
    const payload = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'x' }] };
    const a = run([{ timestamp: '2026-01-01T00:00:00Z', type: 'response_item', payload }]);
    const b = run([{ timestamp: '2027-01-01T00:00:00Z', ordinal: 9, type: 'response_item', payload }]);
    expect(msgs(a)[0]?.contentKey).toMatch(/^[0-9a-f]{24}$/);
    expect(msgs(a)[0]?.contentKey).toBe(msgs(b)[0]?.contentKey);
    expect(msgs(a)[0]?.replayOf).toBeNull();
  });
});

describe('tokens', () => {
  it('reports positive deltas of total_token_usage and collapses duplicates', () => {
    const lines = linesFrom([
      meta(),
      assistant('a'),
      totals(100, 40, 10),
      totals(100, 40, 10),
      item({ type: 'function_call', name: 'x', arguments: '{}', call_id: 'c' }),
      totals(250, 140, 30),
    ]);
    const r = parseLines(lines, ctx);
    const usage = r.outs.flatMap((o) => o.usage);
    expect(usage.map((u) => u.tokens)).toEqual([
      { input: 60, cacheRead: 40, output: 10, cacheCreation: 0 },
      { input: 50, cacheRead: 100, output: 20, cacheCreation: 0 },
    ]);
    expect(r.outs[3]?.note).toBe('duplicate');
    const [first, second] = usage;
    expect(first?.responseKey).toBe(`codex:${OWN}:tb${lines[2]?.offset}`);
    expect(second?.responseKey).toBe(`codex:${OWN}:tb${lines[5]?.offset}`);
    expect(first?.anchorIdentity).toBe(msgs(r)[0]?.identity);
    // No response in the second group: the anchor falls back to its last message, the tool call.
    expect(second?.anchorIdentity).toBe(msgs(r)[1]?.identity);
    expect(usage.every((u) => u.combine === 'max' && u.sessionKey === OWN)).toBe(true);
  });

  it('treats a smaller total as a restart and maps cache writes', () => {
    const write = event({
      type: 'token_count',
      info: {
        total_token_usage: {
          input_tokens: 30,
          cached_input_tokens: 10,
          output_tokens: 3,
          cache_write_input_tokens: 7,
        },
      },
    });
    const r = run([meta(), totals(100, 50, 10), write]);
    expect(r.outs[2]?.usage[0]?.tokens).toEqual({ input: 20, cacheRead: 10, output: 3, cacheCreation: 7 });
  });

  it('ignores redacted or missing totals without a warning', () => {
    const r = run([
      meta(),
      event({
        type: 'token_count',
        info: { total_token_usage: '[REDACTED]', last_token_usage: '[REDACTED]' },
      }),
      event({ type: 'token_count', info: null, rate_limits: {} }),
      event({ type: 'token_count', info: { last_token_usage: { input_tokens: 5 } } }),
    ]);
    expect(r.outs.flatMap((o) => o.usage)).toEqual([]);
    expect(r.outs.some((o) => o.warning)).toBe(false);
    expect(r.outs.map((o) => o.closesGroups)).toEqual([false, true, false, true]);
  });
});

describe('robustness', () => {
  it('never throws and warns on non-object records', () => {
    const r = run([null, 3, 'x', [], { type: 'response_item', payload: '[REDACTED]' }, { payload: {} }]);
    expect(r.outs.map((o) => o.warning !== undefined)).toEqual([true, true, true, true, false, false]);
    expect(r.outs.flatMap((o) => o.messages)).toEqual([]);
  });

  it('keeps its state JSON-serialisable and resumable', () => {
    const records = [
      meta(),
      event({ type: 'user_message', message: 'q' }),
      userItem('q'),
      assistant('a'),
      totals(9, 1, 2),
    ];
    const whole = run(records);
    const lines = linesFrom(records);
    const state = codexParser.initialState(ctx);
    const first = lines.slice(0, 2).map((l) => codexParser.parse(l, state, ctx));
    const resumed = JSON.parse(JSON.stringify(state));
    const rest = lines.slice(2).map((l) => codexParser.parse(l, resumed, ctx));
    expect([...first, ...rest]).toEqual(whole.outs);
  });
});

describe('a failed request (0.171)', () => {
  it("ends the turn with the API's error, stored as an error message", () => {
    // As Codex 0.171 wrote it here when the scripted API answered 400 (agents-formats.md §16).
    const body = JSON.stringify({
      error: {
        message: 'scripted failure agx-err-4711',
        type: 'invalid_request_error',
        code: 'invalid_request_error',
      },
    });
    const r = run([
      meta(),
      userItem('This request fails.'),
      event({ type: 'task_complete', error: { message: body } }),
    ]);
    expect(ofType(r, 'error').map((m) => [m.authorRole, m.content])).toEqual([
      ['system', 'scripted failure agx-err-4711'],
    ]);
    expect(r.outs[2]!.closesGroups).toBe(true);
    const plain = run([meta(), event({ type: 'task_complete', error: { message: 'stream disconnected' } })]);
    expect(ofType(plain, 'error').map((m) => m.content)).toEqual(['stream disconnected']);
  });
});
