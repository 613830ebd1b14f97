import { describe, expect, it } from 'vitest';
import { agentCtx, one, run } from './helpers.js';

const usage = {
  input_tokens: 10,
  output_tokens: 5,
  cache_read_input_tokens: 100,
  cache_creation_input_tokens: 7,
};
const assistant = (content: unknown, extra: object = {}, msg: object = {}) => ({
  type: 'assistant',
  uuid: 'a1',
  sessionId: 'S1',
  requestId: 'req_1',
  timestamp: '2025-01-01T00:00:01.000Z',
  message: {
    id: 'msg_1',
    role: 'assistant',
    model: 'claude-x',
    stop_reason: 'end_turn',
    content,
    usage,
    ...msg,
  },
  ...extra,
});

describe('assistant blocks', () => {
  it('maps text to a response with model, stop reason and the response as group', () => {
    const out = one(assistant([{ type: 'text', text: 'Done.' }]));
    expect(out.closesGroups).toBe(false);
    expect(out.messages).toEqual([
      {
        identity: 'claude:a1@2025-01-01T00:00:01.000Z:0',
        sessionKey: 'S1',
        threadKey: 'main',
        messageType: 'response',
        authorRole: 'assistant',
        emittedAt: '2025-01-01T00:00:01.000Z',
        content: 'Done.',
        model: 'claude-x',
        stopReason: 'end_turn',
        groupKey: 'claude:msg_1',
      },
    ]);
  });

  it('is by the agent in agent files', () => {
    expect(one(assistant('hi', { agentId: 'a1' }), agentCtx).messages[0]!.authorRole).toBe('agent');
  });

  it('keeps thinking text and never the signature', () => {
    const out = one(assistant([{ type: 'thinking', thinking: 'hmm', signature: 'SIG' }]));
    expect(out.messages[0]).toMatchObject({ messageType: 'thinking', content: 'hmm' });
    expect(JSON.stringify(out.messages)).not.toContain('SIG');
  });

  it('renders redacted thinking as a placeholder', () => {
    const out = one(assistant([{ type: 'redacted_thinking', data: 'SECRET' }]));
    expect(out.messages[0]).toMatchObject({ messageType: 'thinking', content: '[redacted thinking]' });
    expect(JSON.stringify(out.messages)).not.toContain('SECRET');
  });

  it('maps tool_use to a tool call with JSON input', () => {
    const out = one(assistant([{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }]));
    expect(out.messages[0]).toMatchObject({
      identity: 'claude:a1@2025-01-01T00:00:01.000Z:0',
      messageType: 'tool_call',
      authorRole: 'assistant',
      toolName: 'Bash',
      toolUseId: 'toolu_1',
      toolInput: '{"command":"ls"}',
      groupKey: 'claude:msg_1',
    });
  });

  it('wraps a non-object input', () => {
    const inputs = ['x', [1], null, undefined];
    const got = inputs.map(
      (input) => one(assistant([{ type: 'tool_use', id: 't', name: 'X', input }])).messages[0]!.toolInput,
    );
    expect(got).toEqual(['{"input":"x"}', '{"input":[1]}', '{"input":null}', '{"input":null}']);
  });

  it('adds a plan message for ExitPlanMode with a plan', () => {
    const block = { type: 'tool_use', id: 't', name: 'ExitPlanMode', input: { plan: '1. do it' } };
    const out = one(assistant([{ type: 'text', text: 'Plan:' }, block]));
    expect(out.messages.map((m) => [m.identity, m.messageType])).toEqual([
      ['claude:a1@2025-01-01T00:00:01.000Z:0', 'response'],
      ['claude:a1@2025-01-01T00:00:01.000Z:1', 'tool_call'],
      ['claude:a1@2025-01-01T00:00:01.000Z:1:plan', 'plan'],
    ]);
    expect(out.messages[2]!.content).toBe('1. do it');
    expect(one(assistant([{ ...block, input: {} }])).messages).toHaveLength(1);
  });

  it('skips unknown blocks but keeps the rest of the record', () => {
    const out = one(assistant([{ type: 'fallback', from: {} }, 'x', { type: 'text', text: 'ok' }]));
    expect(out.messages.map((m) => [m.identity, m.content])).toEqual([
      ['claude:a1@2025-01-01T00:00:01.000Z:1', 'x'],
      ['claude:a1@2025-01-01T00:00:01.000Z:2', 'ok'],
    ]);
  });

  it('maps server tool blocks to tool call and tool result', () => {
    const out = one(
      assistant([
        { type: 'server_tool_use', id: 'srv_1', name: 'web_search', input: { query: 'q' } },
        {
          type: 'web_search_tool_result',
          tool_use_id: 'srv_1',
          content: [{ type: 'web_search_result', url: 'u' }],
        },
      ]),
    );
    expect(out.messages.map((m) => [m.messageType, m.toolUseId])).toEqual([
      ['tool_call', 'srv_1'],
      ['tool_result', 'srv_1'],
    ]);
  });

  it('maps synthetic records to errors by system', () => {
    const out = one(assistant([{ type: 'text', text: 'API Error: 529' }], {}, { model: '<synthetic>' }));
    expect(out.messages[0]).toMatchObject({
      messageType: 'error',
      authorRole: 'system',
      content: 'API Error: 529',
    });
    expect(out.sessions[0]!.model).toBeUndefined();
    expect(out.usage[0]!.model).toBeNull();
    const flagged = one(assistant('Prompt is too long', { isApiErrorMessage: true }));
    expect(flagged.messages[0]!.messageType).toBe('error');
  });
});

describe('usage', () => {
  it('reports one usage per record keyed by message.id, anchored on its first message', () => {
    const out = one(assistant([{ type: 'text', text: 'a' }]));
    expect(out.usage).toEqual([
      {
        responseKey: 'claude:msg_1',
        sessionKey: 'S1',
        model: 'claude-x',
        tokens: { input: 10, output: 5, cacheRead: 100, cacheCreation: 7 },
        combine: 'max',
        anchorIdentity: 'claude:a1@2025-01-01T00:00:01.000Z:0',
        emittedAt: '2025-01-01T00:00:01.000Z',
      },
    ]);
    expect(out.sessions[0]!.model).toBe('claude-x');
  });

  it('gives every piece of a split response the same group and response key', () => {
    const outs = run([
      assistant(
        [{ type: 'thinking', thinking: 't' }],
        { uuid: 'p1' },
        { usage: { ...usage, output_tokens: 9 } },
      ),
      assistant([{ type: 'tool_use', id: 't1', name: 'Read', input: {} }], { uuid: 'p2' }),
    ]);
    expect(outs.map((o) => o.usage[0]!.responseKey)).toEqual(['claude:msg_1', 'claude:msg_1']);
    expect(outs.map((o) => o.messages[0]!.groupKey)).toEqual(['claude:msg_1', 'claude:msg_1']);
    expect(outs.map((o) => o.usage[0]!.tokens.output)).toEqual([9, 5]);
  });

  it('falls back to requestId, then uuid, for the response key', () => {
    expect(one(assistant('x', {}, { id: undefined })).usage[0]!.responseKey).toBe('claude:req_1');
    expect(one(assistant('x', { requestId: 3 }, { id: '' })).usage[0]!.responseKey).toBe('claude:a1');
  });

  it('counts non-numbers as 0 and reports no anchor when the record made no message', () => {
    const bad = { input_tokens: '[REDACTED]', output_tokens: -1, cache_read_input_tokens: null };
    const out = one(assistant([], {}, { usage: bad }));
    expect(out.usage[0]!.tokens).toEqual({ input: 0, output: 0, cacheRead: 0, cacheCreation: 0 });
    expect(out.usage[0]!.anchorIdentity).toBeNull();
  });

  it('reports no usage when the record has none', () => {
    expect(one(assistant('x', {}, { usage: 'n/a' })).usage).toEqual([]);
  });
});
