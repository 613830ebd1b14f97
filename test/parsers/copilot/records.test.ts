import { describe, expect, it } from 'vitest';
import { copilotParser } from '../../../src/parsers/copilot/index.js';
import { ctxFor, ev, linesFrom, msgs, run, SID, start } from './helpers.js';

describe('session key', () => {
  it('session.start first names the session and reports its facts', () => {
    const r = run(
      [
        start({
          sessionId: 'from-start',
          selectedModel: 'gpt-5-mini',
          startTime: '2026-03-26T17:50:34.263Z',
          context: { cwd: '/repo', branch: 'main' },
        }),
      ],
      ctxFor('from-path'),
    );
    expect(r.outs[0]!.sessionKey).toBe('from-start');
    expect(r.outs[0]!.note).toBe('metadata');
    expect(r.outs[0]!.sessions).toEqual([
      {
        sessionKey: 'from-start',
        assistant: 'copilot',
        cwd: '/repo',
        gitBranch: 'main',
        model: 'gpt-5-mini',
        assistantVersion: '1.0.77',
        timestamp: '2026-03-26T17:50:34.263Z',
      },
    ]);
  });

  it('without session.start first, the path id; a later session.start cannot split the file', () => {
    const r = run([ev('user.message', { content: 'hi' }), start({ sessionId: 'other' })], ctxFor('path-id'));
    expect(r.outs.map((o) => o.sessionKey)).toEqual(['path-id', 'path-id']);
    expect(r.outs[1]!.warning).toMatch(/names session other/);
  });

  it('uuid event ids make identities; other ids (redacted fixtures) use the byte offset', () => {
    const r = run([
      ev('user.message', { content: 'a' }),
      ev('user.message', { content: 'b' }, { id: '[trimmed]' }),
    ]);
    const [a, b] = msgs(r);
    expect(a!.identity).toMatch(new RegExp(`^copilot:${SID}:00000000-0000-4000-8000-\\d{12}:0$`));
    expect(b!.identity).toMatch(new RegExp(`^copilot:${SID}:b\\d+:0$`));
  });
});

describe('user and assistant', () => {
  it('user.message → prompt with content (not transformedContent), closing groups', () => {
    const r = run([ev('user.message', { content: 'typed', transformedContent: '<ctx>typed</ctx>' })]);
    expect(r.outs[0]!.closesGroups).toBe(true);
    expect(msgs(r)).toMatchObject([
      { messageType: 'prompt', authorRole: 'human', content: 'typed', threadKey: 'main' },
    ]);
  });

  it('assistant.message → thinking, response, tool calls; outputTokens → usage anchored on the text', () => {
    const r = run([
      start({ selectedModel: 'gpt-5' }),
      ev('assistant.message', {
        content: 'Listing.',
        reasoningText: 'why',
        toolRequests: [{ toolCallId: 'call-1', name: 'shell', arguments: '{"command":"ls"}' }],
        outputTokens: 12,
      }),
    ]);
    const m = msgs(r);
    expect(m).toMatchObject([
      { messageType: 'thinking', content: 'why', model: 'gpt-5' },
      { messageType: 'response', authorRole: 'assistant', content: 'Listing.', model: 'gpt-5' },
      {
        identity: `copilot:${SID}:call:call-1`,
        messageType: 'tool_call',
        toolName: 'shell',
        toolUseId: 'call-1',
        toolInput: '{"command":"ls"}',
      },
    ]);
    for (const x of m) expect(x.groupKey ?? null).toBeNull();
    expect(r.outs[1]!.usage).toEqual([
      {
        responseKey: expect.stringMatching(new RegExp(`^copilot:${SID}:`)),
        sessionKey: SID,
        model: 'gpt-5',
        tokens: { input: 0, output: 12, cacheRead: 0, cacheCreation: 0 },
        combine: 'max',
        anchorIdentity: m[1]!.identity,
        emittedAt: expect.any(String),
      },
    ]);
  });

  it('object arguments are kept; non-JSON strings are wrapped', () => {
    const r = run([
      ev('assistant.message', {
        content: '',
        toolRequests: [{ toolCallId: 'a', name: 'x', arguments: { k: 1 } }],
      }),
      ev('assistant.message', {
        content: '',
        toolRequests: [{ toolCallId: 'b', name: 'x', arguments: 'not json' }],
      }),
    ]);
    expect(msgs(r).map((m) => m.toolInput)).toEqual(['{"k":1}', '{"input":"not json"}']);
  });

  it('assistant.reasoning then the message with the same reasoningText: stored once', () => {
    const r = run([
      ev('assistant.reasoning', { reasoningId: 'r', content: 'deep' }),
      ev('assistant.message', { content: 'ok', reasoningText: 'deep' }),
    ]);
    expect(msgs(r).filter((m) => m.messageType === 'thinking')).toHaveLength(1);
  });

  it('the message first, then assistant.reasoning repeating it: stored once', () => {
    const r = run([
      ev('assistant.message', { content: 'ok', reasoningText: 'deep' }),
      ev('assistant.reasoning', { content: 'deep' }),
    ]);
    expect(msgs(r).filter((m) => m.messageType === 'thinking')).toHaveLength(1);
    expect(r.outs[1]!.note).toBe('duplicate');
  });
});

describe('tools', () => {
  it('execution_start and the request are one tool call (same identity), in either order', () => {
    const started = run([
      ev('tool.execution_start', { toolCallId: 'c1', toolName: 'bash', arguments: { command: 'echo hi' } }),
      ev('assistant.message', {
        content: '',
        toolRequests: [{ toolCallId: 'c1', name: 'bash', arguments: { command: 'echo hi' } }],
      }),
    ]);
    const ids = msgs(started).map((m) => m.identity);
    expect(ids).toEqual([`copilot:${SID}:call:c1`, `copilot:${SID}:call:c1`]);
  });

  it('execution_complete → tool_result; success false is an error', () => {
    const r = run([
      ev('tool.execution_complete', { toolCallId: 'c1', success: true, result: { content: 'a\nb' } }),
      ev('tool.execution_complete', { toolCallId: 'c2', success: false, result: { content: 'exit 1' } }),
    ]);
    expect(msgs(r)).toMatchObject([
      { messageType: 'tool_result', authorRole: 'tool', toolUseId: 'c1', toolResult: 'a\nb' },
      { messageType: 'tool_result', toolUseId: 'c2', toolResult: 'exit 1', isError: true },
    ]);
    expect(msgs(r)[0]!.isError).toBeUndefined();
  });
});

describe('sub-agents', () => {
  it('events with agentId go to <session>:agent-<id>; subagent.started with agentId links its call', () => {
    const r = run([
      start(),
      ev('subagent.started', { toolCallId: 'task-1', agentName: 'explore' }, { agentId: 'sub1' }),
      ev('assistant.message', { content: 'sub reply' }, { agentId: 'sub1' }),
    ]);
    const sub = `${SID}:agent-sub1`;
    expect(r.outs[1]!.sessions).toEqual([{ sessionKey: sub, assistant: 'copilot', parentSessionKey: SID }]);
    expect(r.outs[1]!.links).toEqual([{ parentSessionKey: SID, agentId: 'sub1', toolUseId: 'task-1' }]);
    expect(msgs(r)[1]).toMatchObject({ sessionKey: sub, threadKey: 'agent-sub1', authorRole: 'agent' });
    expect(r.outs[2]!.sessions).toEqual([]);
  });

  it('the deprecated data.parentToolCallId names both the sub-agent and its spawning call', () => {
    const r = run([ev('assistant.message', { content: 'x', parentToolCallId: 'task-9' })]);
    expect(r.outs[0]!.links).toEqual([{ parentSessionKey: SID, agentId: 'task-9', toolUseId: 'task-9' }]);
    expect(msgs(r)[0]!.sessionKey).toBe(`${SID}:agent-task-9`);
  });

  it('subagent.failed is an error, completed is context', () => {
    const r = run([
      ev('subagent.completed', { agentName: 'a' }),
      ev('subagent.failed', { agentName: 'a', error: 'boom' }),
    ]);
    expect(msgs(r).map((m) => [m.messageType, m.content])).toEqual([
      ['context', 'sub-agent completed: a'],
      ['error', 'sub-agent failed: a (boom)'],
    ]);
  });
});

describe('other events', () => {
  it('session.error → error; info → context; the system prompt and metadata kinds stay local', () => {
    const r = run([
      ev('session.error', { errorType: 'query', message: 'bad model' }),
      ev('session.info', { message: 'trusted' }),
      ev('system.message', { content: 'sys', role: 'system' }),
      ev('assistant.turn_start', { turnId: '1', model: 'm2' }),
      ev('hook.start', {}),
      ev('some.future_kind', {}),
      ev('assistant.usage', { inputTokens: 9 }, { ephemeral: true }),
    ]);
    expect(msgs(r).map((m) => [m.messageType, m.content])).toEqual([
      ['error', 'bad model'],
      ['context', 'trusted'],
    ]);
    expect(r.outs[2]!.note).toBe('system prompt (kept local)');
    expect(r.outs.slice(3).map((o) => o.note)).toEqual([
      'metadata',
      'metadata',
      'event kind not mapped',
      'ephemeral',
    ]);
    expect(r.outs[6]!.usage).toEqual([]);
    expect(r.state.model).toBe('m2');
  });

  it('never throws on odd shapes or a damaged state', () => {
    const ctx = ctxFor();
    const state = copilotParser.initialState(ctx);
    for (const json of [
      null,
      1,
      'x',
      [],
      { type: 'assistant.message', data: 'str' },
      { type: 'session.shutdown', data: { modelMetrics: 5 } },
    ]) {
      const [line] = linesFrom([json]);
      expect(() => copilotParser.parse(line!, state, ctx)).not.toThrow();
    }
    const [line] = linesFrom([ev('user.message', { content: 'x' })]);
    expect(copilotParser.parse(line!, { rollup: 'bad' } as never, ctx).messages).toHaveLength(1);
  });
});
