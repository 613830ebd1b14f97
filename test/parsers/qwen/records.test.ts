import { describe, expect, it } from 'vitest';
import { qwenParser } from '../../../src/parsers/qwen/index.js';
import { ctxFor, linesFrom, msgs, rec, run, SESSION } from './helpers.js';

const user = (text: string, extra: Record<string, unknown> = {}) =>
  rec('user', { message: { role: 'user', parts: [{ text }] }, ...extra });
const model = (parts: unknown[], extra: Record<string, unknown> = {}) =>
  rec('assistant', { model: 'qwen3-coder', message: { role: 'model', parts }, ...extra });

describe('session facts', () => {
  it('reports cwd, branch, version and first timestamp once, and the model when it changes', () => {
    const r = run([
      user('hi', { gitBranch: 'main' }),
      user('again', { gitBranch: 'main' }),
      model([{ text: 'ok' }]),
    ]);
    expect(r.outs[0]!.sessions).toEqual([
      {
        sessionKey: SESSION,
        assistant: 'qwen',
        cwd: '/work',
        gitBranch: 'main',
        assistantVersion: '0.21.13',
        timestamp: expect.any(String),
      },
    ]);
    expect(r.outs[1]!.sessions).toEqual([]);
    expect(r.outs[2]!.sessions).toEqual([{ sessionKey: SESSION, assistant: 'qwen', model: 'qwen3-coder' }]);
  });

  it('keeps a record that names another session in the file session, with a warning', () => {
    const r = run([user('x', { sessionId: 'other' })]);
    expect(r.outs[0]!.sessionKey).toBe(SESSION);
    expect(msgs(r)[0]!.sessionKey).toBe(SESSION);
    expect(r.outs[0]!.warning).toMatch(/names session other/);
  });
});

describe('user records', () => {
  it('a prompt shows the display text (not hook context), closes groups, identity qwen:<uuid>:<part>', () => {
    const r = run([
      user('typed', {
        uuid: 'p1',
        systemPayload: { displayText: 'typed', hookContext: 'ctx' },
        message: { role: 'user', parts: [{ text: 'typed' }, { text: '<qwen:hook>ctx</qwen:hook>' }] },
      }),
    ]);
    expect(r.outs[0]!.closesGroups).toBe(true);
    expect(msgs(r)).toMatchObject([
      {
        identity: 'qwen:p1:0',
        messageType: 'prompt',
        authorRole: 'human',
        content: 'typed',
        threadKey: 'main',
      },
    ]);
  });

  it('runtime notifications are context, not prompts', () => {
    const r = run([user('bg done', { subtype: 'notification' })]);
    expect(r.outs[0]!.kind).toBe('user/notification');
    expect(r.outs[0]!.closesGroups).toBe(false);
    expect(msgs(r)).toMatchObject([{ messageType: 'context', authorRole: 'system', content: 'bg done' }]);
  });

  it('functionResponse parts in a user record are tool results', () => {
    const r = run([
      rec('user', {
        message: {
          role: 'user',
          parts: [{ functionResponse: { id: 'c1', name: 'ls', response: { output: 'a' } } }],
        },
      }),
    ]);
    expect(msgs(r)).toMatchObject([{ messageType: 'tool_result', toolUseId: 'c1', toolResult: 'a' }]);
  });
});

describe('assistant records', () => {
  it('thought → thinking, text → response, functionCall → tool_call; one message per part', () => {
    const r = run([
      model(
        [
          { text: 'plan', thought: true },
          { text: '' },
          { functionCall: { id: 'c1', name: 'read_file', args: { path: '/a' } } },
          { text: 'done' },
        ],
        { uuid: 'a1' },
      ),
    ]);
    expect(msgs(r)).toMatchObject([
      {
        identity: 'qwen:a1:0',
        messageType: 'thinking',
        authorRole: 'assistant',
        content: 'plan',
        model: 'qwen3-coder',
      },
      {
        identity: 'qwen:a1:2',
        messageType: 'tool_call',
        toolName: 'read_file',
        toolUseId: 'c1',
        toolInput: '{"path":"/a"}',
      },
      { identity: 'qwen:a1:3', messageType: 'response', content: 'done' },
    ]);
    for (const m of msgs(r)) expect(m.groupKey ?? null).toBeNull();
    expect(r.outs[0]!.usage).toEqual([]);
  });

  it('non-object args are wrapped as {"input": …}', () => {
    const r = run([model([{ functionCall: { id: 'c', name: 'x', args: 'raw' } }])]);
    expect(msgs(r)[0]!.toolInput).toBe('{"input":"raw"}');
  });

  it('consecutive records with one uuid are fragments: their parts continue one numbering', () => {
    const r = run([
      model([{ text: 'think', thought: true }], { uuid: 'f' }),
      model([{ functionCall: { id: 'c', name: 'x', args: {} } }, { text: 'answer' }], { uuid: 'f' }),
    ]);
    expect(msgs(r).map((m) => [m.identity, m.messageType])).toEqual([
      ['qwen:f:0', 'thinking'],
      ['qwen:f:1', 'tool_call'],
      ['qwen:f:2', 'response'],
    ]);
  });

  it('a non-consecutive repeat of a uuid (a copy) numbers from 0 and meets the stored identities', () => {
    const r = run([model([{ text: 'a' }], { uuid: 'k' }), user('q'), model([{ text: 'a' }], { uuid: 'k' })]);
    const ids = msgs(r).map((m) => m.identity);
    expect(ids[0]).toBe('qwen:k:0');
    expect(ids[2]).toBe('qwen:k:0');
  });

  it('sub-agent records go to thread agent-<id>, authored by agent', () => {
    const r = run([model([{ text: 'sub' }], { agentId: 'explore-1', isSidechain: true })]);
    expect(msgs(r)[0]).toMatchObject({ threadKey: 'agent-explore-1', authorRole: 'agent' });
  });
});

describe('tokens', () => {
  const usageRun = (meta: Record<string, unknown>) =>
    run([model([{ text: 'x' }], { uuid: 'tok', usageMetadata: meta })]).outs[0]!.usage;

  it('Gemini convention: input excludes cache, output adds thoughts, key qwen:<uuid>, anchored on the text', () => {
    const u = usageRun({
      promptTokenCount: 1000,
      cachedContentTokenCount: 600,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 20,
      totalTokenCount: 1070,
    });
    expect(u).toEqual([
      {
        responseKey: 'qwen:tok',
        sessionKey: SESSION,
        model: 'qwen3-coder',
        tokens: { input: 400, cacheRead: 600, cacheCreation: 0, output: 70, reasoning: 20 },
        combine: 'max',
        anchorIdentity: 'qwen:tok:0',
        emittedAt: expect.any(String),
      },
    ]);
  });

  it('OpenAI-compatible convention (total = prompt + candidates): thoughts are already in candidates', () => {
    const u = usageRun({
      promptTokenCount: 1000,
      cachedContentTokenCount: 0,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 20,
      totalTokenCount: 1050,
    });
    expect(u[0]!.tokens).toEqual({ input: 1000, cacheRead: 0, cacheCreation: 0, output: 50, reasoning: 20 });
  });

  it('no counters, no usage (an empty usageMetadata is not zero usage)', () => {
    expect(usageRun({})).toEqual([]);
  });
});

describe('tool_result records', () => {
  it('link by functionResponse.id; error status marks the result', () => {
    const r = run([
      rec('tool_result', {
        message: {
          role: 'user',
          parts: [{ functionResponse: { id: 'c9', name: 'sh', response: { output: 'boom' } } }],
        },
        toolCallResult: { callId: 'c9', status: 'error' },
      }),
    ]);
    expect(msgs(r)).toMatchObject([
      {
        messageType: 'tool_result',
        authorRole: 'tool',
        toolUseId: 'c9',
        toolName: 'sh',
        toolResult: 'boom',
        isError: true,
      },
    ]);
  });

  it('response.error is the result text and an error', () => {
    const r = run([
      rec('tool_result', {
        message: {
          role: 'user',
          parts: [{ functionResponse: { id: 'c', name: 'x', response: { error: 'nope' } } }],
        },
      }),
    ]);
    expect(msgs(r)[0]).toMatchObject({ toolResult: 'nope', isError: true });
  });

  it('only the UI copy (no Content) still answers its call', () => {
    const r = run([
      rec('tool_result', { toolCallResult: { callId: 'c', status: 'success', resultDisplay: 'ok' } }),
    ]);
    expect(msgs(r)).toMatchObject([{ messageType: 'tool_result', toolUseId: 'c', toolResult: 'ok' }]);
  });
});

describe('system records', () => {
  it('custom_title sets the session title and is kept as context', () => {
    const r = run([rec('system', { subtype: 'custom_title', systemPayload: { customTitle: 'My title' } })]);
    expect(r.outs[0]!.sessions).toContainEqual({ sessionKey: SESSION, assistant: 'qwen', title: 'My title' });
    expect(msgs(r)).toMatchObject([
      { messageType: 'context', authorRole: 'system', content: 'custom_title: My title' },
    ]);
  });

  it('ui_telemetry stays local with a note (its token counts are not usage)', () => {
    const r = run([
      rec('system', { subtype: 'ui_telemetry', systemPayload: { uiEvent: { input_token_count: 9 } } }),
    ]);
    expect(r.outs[0]!.messages).toEqual([]);
    expect(r.outs[0]!.usage).toEqual([]);
    expect(r.outs[0]!.note).toBe('telemetry');
  });

  it('parent_session names the parent session', () => {
    const r = run([rec('system', { subtype: 'parent_session', systemPayload: { parentSessionId: 'p' } })]);
    expect(r.outs[0]!.sessions).toContainEqual({
      sessionKey: SESSION,
      assistant: 'qwen',
      parentSessionKey: 'p',
    });
  });
});

describe('robustness', () => {
  it('never throws: non-objects, odd shapes and a damaged state', () => {
    const ctx = ctxFor();
    const state = qwenParser.initialState(ctx);
    for (const json of [
      null,
      3,
      'x',
      [],
      { type: 'assistant', message: 'str' },
      { type: 'user', message: { parts: 7 } },
    ]) {
      const [line] = linesFrom([json]);
      expect(() => qwenParser.parse(line!, state, ctx)).not.toThrow();
    }
    const [line] = linesFrom([user('x')]);
    expect(qwenParser.parse(line!, { broken: true } as never, ctx).messages).toHaveLength(1);
  });

  it('records glued on one line (same offset) without uuids get distinct identities', () => {
    const ctx = ctxFor();
    const state = qwenParser.initialState(ctx);
    const a = qwenParser.parse(
      { lineNo: 1, offset: 0, json: { type: 'user', message: { parts: [{ text: 'a' }] } } },
      state,
      ctx,
    );
    const b = qwenParser.parse(
      { lineNo: 1, offset: 0, json: { type: 'user', message: { parts: [{ text: 'b' }] } } },
      state,
      ctx,
    );
    expect(a.messages[0]!.identity).not.toBe(b.messages[0]!.identity);
  });
});

describe('foreign session ids', () => {
  it('a run of records naming another session is warned about once', () => {
    const r = run([
      user('a', { sessionId: 'x' }),
      user('b', { sessionId: 'x' }),
      user('c'),
      user('d', { sessionId: 'x' }),
    ]);
    expect(r.outs.map((o) => o.warning !== undefined)).toEqual([true, false, false, true]);
  });
});

// Qwen Code 0.24.4 logs every API call as `qwen-code.api_response` telemetry in the session file (shape as the
// real CLI wrote it here, agents-formats.md §16). A managed background agent's calls exist only there.
describe('api_response telemetry', () => {
  const telemetry = (id: string, input: number, extra: Record<string, unknown> = {}) =>
    rec('system', {
      subtype: 'ui_telemetry',
      systemPayload: {
        uiEvent: {
          'event.name': 'qwen-code.api_response',
          response_id: id,
          model: 'qwen3-coder-plus',
          input_token_count: input,
          output_token_count: 721,
          cached_content_token_count: 11251,
          thoughts_token_count: 0,
          total_token_count: input + 721,
          ...extra,
        },
      },
    });
  const managed = {
    subagent_name: 'managed-auto-memory-extractor',
    subagent_type: 'managed-auto-memory-extractor',
  };

  it("counts a managed background agent's call, which no transcript holds, once per response id", () => {
    const r = run([telemetry('chatcmpl-22', 16288, managed)]);
    expect(msgs(r)).toEqual([]);
    expect(r.outs[0]!.usage).toEqual([
      {
        responseKey: `qwen:${SESSION}:chatcmpl-22`,
        sessionKey: SESSION,
        model: 'qwen3-coder-plus',
        tokens: { input: 16288 - 11251, output: 721, cacheRead: 11251, cacheCreation: 0, reasoning: 0 },
        combine: 'max',
        anchorIdentity: null,
        emittedAt: expect.any(String),
      },
    ]);
  });

  it('leaves the calls of the conversation and of transcript sub-agents to their assistant records', () => {
    const r = run([
      telemetry('chatcmpl-21', 15807),
      telemetry('chatcmpl-29', 19676, { subagent_name: 'general-purpose', subagent_type: 'general-purpose' }),
      telemetry('x', 1, { ...managed, 'event.name': 'qwen-code.tool_call' }),
    ]);
    expect(r.outs.flatMap((o) => o.usage)).toEqual([]);
    expect(r.outs.map((o) => o.note)).toEqual(['telemetry', 'telemetry', 'telemetry']);
  });
});

it('a failed API call, recorded only as api_error telemetry, becomes an error message', () => {
  const r = run([
    rec('system', {
      subtype: 'ui_telemetry',
      systemPayload: {
        uiEvent: {
          'event.name': 'qwen-code.api_error',
          model: 'qwen3-coder-plus',
          error_message: '400 scripted failure agx-err-4711',
          error_type: 'BadRequestError',
          status_code: 400,
        },
      },
    }),
  ]);
  expect(msgs(r).map((m) => [m.messageType, m.authorRole, m.content])).toEqual([
    ['error', 'system', '400 scripted failure agx-err-4711'],
  ]);
});
