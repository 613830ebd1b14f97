import { describe, expect, it } from 'vitest';
import { piParser } from '../../../src/parsers/pi/index.js';
import type { RecordOutput } from '../../../src/parsers/types.js';
import { CTX, type FileRun, messagesOf, migrateV1, run, SID } from './helpers.js';

let clock = 0;
/** A v3 entry with an id and a distinct timestamp. */
function entry(type: string, fields: Record<string, unknown>) {
  clock += 1;
  return {
    type,
    id: clock.toString(16).padStart(8, '0'),
    parentId: null,
    timestamp: `2026-05-12T01:02:${String(clock % 60).padStart(2, '0')}.${String(clock).padStart(3, '0')}Z`,
    ...fields,
  };
}
const header = (extra: Record<string, unknown> = {}) => ({
  type: 'session',
  version: 3,
  id: SID,
  timestamp: '2026-05-12T01:02:27.657Z',
  cwd: '/work/x',
  ...extra,
});
const msg = (message: Record<string, unknown>) => entry('message', { message: { timestamp: 1, ...message } });
const user = (content: unknown) => msg({ role: 'user', content });
const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({
  input,
  output,
  cacheRead,
  cacheWrite,
  totalTokens: input + output + cacheRead + cacheWrite,
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
});
const assistant = (content: unknown[], extra: Record<string, unknown> = {}) =>
  msg({
    role: 'assistant',
    content,
    api: 'anthropic-messages',
    provider: 'anthropic',
    model: 'claude-opus-4-5',
    usage: usage(10, 20, 300, 40),
    stopReason: 'toolUse',
    ...extra,
  });

const out = (r: FileRun, i: number) => r.outs[i] as RecordOutput;

describe('session header', () => {
  it('keys the session by the header id and reports cwd and timestamp', () => {
    const r = run([header()]);
    expect(out(r, 0).kind).toBe('session');
    expect(out(r, 0).sessionKey).toBe(SID);
    expect(out(r, 0).sessions).toEqual([
      { sessionKey: SID, assistant: 'pi', cwd: '/work/x', timestamp: '2026-05-12T01:02:27.657Z' },
    ]);
    expect(out(r, 0).messages).toEqual([]);
    expect(out(r, 0).note).toBe('session header');
  });

  it('takes the v1 model from the header and uses the header id over the file name', () => {
    const ctx = { ...CTX, stem: '2025-11-20T23-33-50-805Z_other' };
    const r = run(
      [{ type: 'session', id: 'v1-id', timestamp: 't', cwd: '/w', provider: 'anthropic', modelId: 'm1' }],
      ctx,
    );
    expect(out(r, 0).sessions[0]).toMatchObject({ sessionKey: 'v1-id', model: 'm1' });
    expect(r.state.model).toBe('m1');
  });

  it('notes a fork (parentSession / branchedFrom) but never reports it as a parent session', () => {
    const r = run([
      header({ parentSession: `/h/.pi/agent/sessions/--w--/2026-01-01T00-00-00-000Z_P.jsonl` }),
    ]);
    expect(out(r, 0).sessions[0]?.parentSessionKey).toBeUndefined();
    expect(out(r, 0).note).toBe('session header (fork of 2026-01-01T00-00-00-000Z_P)');
    const v1 = run([{ type: 'session', id: 'x', timestamp: 't', cwd: '/w', branchedFrom: '/s/a_b.jsonl' }]);
    expect(v1.outs[0]?.note).toBe('session header (fork of a_b)');
  });

  it('derives the session from the file name before any header, and warns on a second header', () => {
    const before = run([user('hi')]);
    expect(messagesOf(before)[0]?.sessionKey).toBe(SID);
    const twice = run([header(), header({ id: 'another' })]);
    expect(twice.outs[1]?.warning).toMatch(/second session header/);
    expect(twice.state.sessionKey).toBe(SID);
  });
});

describe('user messages', () => {
  it('are prompts by the human, text blocks joined, images as placeholders, closing groups', () => {
    const r = run([
      header(),
      user([
        { type: 'text', text: 'look at this' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      ]),
      user('plain string'),
    ]);
    const [a, b] = messagesOf(r);
    expect(a).toMatchObject({
      messageType: 'prompt',
      authorRole: 'human',
      content: 'look at this\n[image]',
      sessionKey: SID,
      threadKey: 'main',
    });
    expect(a?.groupKey).toBeUndefined();
    expect(a?.emittedAt).toMatch(/^2026-05-12T01:02:/);
    expect(b?.content).toBe('plain string');
    expect(out(r, 1).closesGroups).toBe(true);
    expect(out(r, 1).kind).toBe('message/user');
  });

  it('an empty prompt is kept as context with a note', () => {
    const r = run([header(), user([])]);
    expect(out(r, 1).messages).toEqual([]);
    expect(out(r, 1).note).toBe('empty message');
  });
});

describe('assistant messages', () => {
  const turn = assistant([
    { type: 'thinking', thinking: 'hmm', thinkingSignature: 'sig' },
    { type: 'text', text: 'Reading it.' },
    { type: 'toolCall', id: 'toolu_1', name: 'read', arguments: { path: '/a.ts' } },
    { type: 'toolCall', id: 'toolu_2', name: 'bash', arguments: 'ls' },
  ]);

  it('yields one message per block: thinking, response, tool calls, with model and stop reason', () => {
    const r = run([header(), turn]);
    const ms = messagesOf(r);
    expect(ms.map((m) => m.messageType)).toEqual(['thinking', 'response', 'tool_call', 'tool_call']);
    expect(ms.every((m) => m.authorRole === 'assistant' && m.model === 'claude-opus-4-5')).toBe(true);
    expect(ms.every((m) => m.stopReason === 'toolUse' && m.groupKey === undefined)).toBe(true);
    expect(ms[0]?.content).toBe('hmm');
    expect(ms[2]).toMatchObject({ toolName: 'read', toolUseId: 'toolu_1', toolInput: '{"path":"/a.ts"}' });
    expect(ms[3]?.toolInput).toBe('{"input":"ls"}');
    // Identities: the entry's key plus the block index, all distinct.
    const base = ms[0]?.identity.replace(/:0$/, '');
    expect(ms.map((m) => m.identity)).toEqual([`${base}:0`, `${base}:1`, `${base}:2`, `${base}:3`]);
    expect(out(r, 1).sessions).toEqual([{ sessionKey: SID, assistant: 'pi', model: 'claude-opus-4-5' }]);
  });

  it('reports its usage once, keyed by the entry, anchored on its text response', () => {
    const r = run([header(), turn]);
    const ms = messagesOf(r);
    const u = out(r, 1).usage;
    expect(u).toEqual([
      {
        responseKey: ms[0]?.identity.replace(/:0$/, ''),
        sessionKey: SID,
        model: 'claude-opus-4-5',
        tokens: { input: 10, output: 20, cacheRead: 300, cacheCreation: 40 },
        combine: 'max',
        anchorIdentity: ms[1]?.identity,
        emittedAt: ms[1]?.emittedAt,
      },
    ]);
  });

  it('reads older usage spellings and treats missing counters as 0', () => {
    const flat = assistant([{ type: 'text', text: 'x' }], {
      usage: { input: 5, output: 6, cacheCreation: 7 },
    });
    const nested = assistant([{ type: 'text', text: 'y' }], {
      usage: { output: 1, cache: { read: 2, write: 3 } },
    });
    const r = run([header(), flat, nested]);
    expect(out(r, 1).usage[0]?.tokens).toEqual({ input: 5, output: 6, cacheRead: 0, cacheCreation: 7 });
    expect(out(r, 2).usage[0]?.tokens).toEqual({ input: 0, output: 1, cacheRead: 2, cacheCreation: 3 });
  });

  it('an aborted turn with zero usage gives its error and no response', () => {
    const aborted = assistant([], {
      stopReason: 'aborted',
      errorMessage: 'Request was aborted',
      usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: { total: 0 } },
    });
    const r = run([header(), aborted]);
    expect(messagesOf(r)).toMatchObject([
      { messageType: 'error', authorRole: 'system', content: 'Request was aborted', stopReason: 'aborted' },
    ]);
    expect(messagesOf(r)[0]?.identity).toMatch(/:error$/);
    expect(out(r, 1).usage).toEqual([]);
  });

  it('an empty assistant message without error is kept with a note; redacted thinking gives nothing', () => {
    const r = run([
      header(),
      assistant([{ type: 'thinking', thinking: '', redacted: true }], { usage: usage(0, 0) }),
    ]);
    expect(out(r, 1).messages).toEqual([]);
    expect(out(r, 1).note).toBe('empty message');
  });

  it('falls back to the model of the latest model_change', () => {
    const r = run([
      header(),
      entry('model_change', { provider: 'openai', modelId: 'gpt-5.1-codex' }),
      msg({ role: 'assistant', content: [{ type: 'text', text: 'hi' }] }),
    ]);
    expect(out(r, 1).sessions).toEqual([{ sessionKey: SID, assistant: 'pi', model: 'gpt-5.1-codex' }]);
    expect(out(r, 1).note).toBe('metadata');
    expect(messagesOf(r)[0]?.model).toBe('gpt-5.1-codex');
  });
});

describe('tool results and shell commands', () => {
  it('a toolResult is a tool_result by the tool, linked by toolCallId', () => {
    const r = run([
      header(),
      msg({
        role: 'toolResult',
        toolCallId: 'toolu_1',
        toolName: 'read',
        content: [
          { type: 'text', text: 'file body' },
          { type: 'image', data: 'x', mimeType: 'image/png' },
        ],
        isError: false,
      }),
      msg({
        role: 'toolResult',
        toolCallId: 'toolu_2',
        toolName: 'bash',
        content: [{ type: 'text', text: 'boom' }],
        isError: true,
      }),
    ]);
    expect(messagesOf(r)).toMatchObject([
      {
        messageType: 'tool_result',
        authorRole: 'tool',
        toolUseId: 'toolu_1',
        toolName: 'read',
        toolResult: 'file body\n[image]',
        isError: false,
      },
      { messageType: 'tool_result', toolUseId: 'toolu_2', toolResult: 'boom', isError: true },
    ]);
  });

  it('a bashExecution is a call by the human and its result, sharing a derived id', () => {
    const bash = (fields: Record<string, unknown>) =>
      msg({
        role: 'bashExecution',
        command: 'ls',
        output: 'a\nb',
        cancelled: false,
        truncated: false,
        ...fields,
      });
    const r = run([
      header(),
      bash({ exitCode: 0 }),
      bash({ exitCode: 2 }),
      bash({ cancelled: true, truncated: true }),
    ]);
    const [call, result] = out(r, 1).messages;
    expect(call).toMatchObject({
      messageType: 'tool_call',
      authorRole: 'human',
      toolName: 'bash',
      toolInput: '{"command":"ls"}',
    });
    expect(result).toMatchObject({
      messageType: 'tool_result',
      authorRole: 'tool',
      toolResult: 'a\nb',
      isError: false,
    });
    expect(call?.toolUseId).toBe(result?.toolUseId);
    expect(call?.identity).toMatch(/:call$/);
    expect(result?.identity).toMatch(/:result$/);
    expect(out(r, 2).messages[1]?.isError).toBe(true);
    expect(out(r, 3).messages[1]).toMatchObject({
      isError: true,
      toolResult: 'a\nb\n[cancelled]\n[output truncated]',
    });
  });
});

describe('summaries, extension entries and metadata', () => {
  it('compaction and branch_summary are summaries by the system', () => {
    const r = run([
      header(),
      entry('compaction', { summary: 'the story so far', firstKeptEntryId: 'x', tokensBefore: 19 }),
      entry('branch_summary', { fromId: 'y', summary: 'abandoned path' }),
      entry('compaction', { summary: '', firstKeptEntryId: 'x', tokensBefore: 1 }),
    ]);
    expect(messagesOf(r).map((m) => [m.messageType, m.authorRole, m.content])).toEqual([
      ['summary', 'system', 'the story so far'],
      ['summary', 'system', 'abandoned path'],
    ]);
    expect(out(r, 3).note).toBe('empty summary');
  });

  it('custom messages (and v2 hookMessage) join the context; custom entries are extension data', () => {
    const r = run([
      header(),
      msg({ role: 'custom', customType: 'ext', content: 'injected', display: true }),
      msg({
        role: 'hookMessage',
        customType: 'ext',
        content: [{ type: 'text', text: 'old' }],
        display: false,
      }),
      entry('custom_message', { customType: 'ext', content: 'entry text', display: true }),
      entry('custom', { customType: 'ext', data: { a: 1 } }),
    ]);
    expect(messagesOf(r).map((m) => [m.messageType, m.authorRole, m.content])).toEqual([
      ['context', 'system', 'injected'],
      ['context', 'system', 'old'],
      ['context', 'system', 'entry text'],
    ]);
    expect(out(r, 4).note).toBe('extension data');
  });

  it('session_info names the session; labels and thinking levels are metadata', () => {
    const r = run([
      header(),
      entry('session_info', { name: '  refactor  ' }),
      entry('label', { targetId: 'x', label: 'here' }),
      entry('thinking_level_change', { thinkingLevel: 'high' }),
    ]);
    expect(out(r, 1).sessions).toEqual([{ sessionKey: SID, assistant: 'pi', title: 'refactor' }]);
    expect(r.outs.slice(1).map((o) => o.note)).toEqual(['metadata', 'metadata', 'metadata']);
    expect(messagesOf(r)).toEqual([]);
  });

  it('every line is accounted: unknown kinds get a note, non-objects a warning, nothing throws', () => {
    const r = run([
      header(),
      entry('future_kind', {}),
      { no: 'type' },
      msg({ role: 'alien' }),
      42,
      null,
      [1],
      'x',
    ]);
    expect(r.outs.slice(1, 4).map((o) => o.note)).toEqual([
      'unhandled entry',
      'untyped entry',
      'unhandled message role',
    ]);
    for (const o of r.outs.slice(4)) expect(o.warning).toBe('record is not a JSON object');
    const bad = run([header(), entry('message', { message: 'nope' })]);
    expect(bad.outs[1]?.warning).toMatch(/without a message object/);
    // Hostile shapes: getters that throw cost one record, reported.
    const hostile = {
      type: 'message',
      get message(): unknown {
        throw new Error('boom');
      },
    };
    const state = piParser.initialState(CTX);
    const o = piParser.parse({ lineNo: 1, offset: 0, json: hostile }, state, CTX);
    expect(o.warning).toMatch(/pi parser failed: boom/);
  });
});

describe('identity', () => {
  const v1 = [
    {
      type: 'session',
      id: SID,
      timestamp: '2025-12-09T00:53:29.825Z',
      cwd: '/w',
      provider: 'anthropic',
      modelId: 'm',
    },
    {
      type: 'message',
      timestamp: '2025-12-08T22:41:05.306Z',
      message: { role: 'user', content: [{ type: 'text', text: 'hi' }], timestamp: 1 },
    },
    {
      type: 'message',
      timestamp: '2025-12-08T22:41:09.389Z',
      message: {
        role: 'assistant',
        content: [
          { type: 'text', text: 'yo' },
          { type: 'toolCall', id: 't', name: 'read', arguments: {} },
        ],
        usage: usage(1, 2),
        model: 'm',
        timestamp: 2,
      },
    },
    {
      type: 'compaction',
      timestamp: '2025-12-08T23:22:54.411Z',
      summary: 's',
      firstKeptEntryIndex: 1,
      tokensBefore: 9,
    },
    {
      type: 'message',
      timestamp: '2025-12-08T23:30:00.000Z',
      message: { role: 'hookMessage', customType: 'h', content: 'c', display: true, timestamp: 3 },
    },
  ];

  it('ignores the ids, parent ids, compaction target and role renames that migration rewrites', () => {
    const migrated = migrateV1(v1).map((r) =>
      (r.message as { role?: string } | undefined)?.role === 'hookMessage'
        ? { ...r, message: { ...(r.message as object), role: 'custom' } }
        : r,
    );
    expect(JSON.stringify(migrated)).not.toBe(JSON.stringify(v1));
    const a = run(v1);
    const b = run(migrated);
    expect(messagesOf(b).map((m) => m.identity)).toEqual(messagesOf(a).map((m) => m.identity));
    expect(b.outs.flatMap((o) => o.usage)).toEqual(a.outs.flatMap((o) => o.usage));
    expect(messagesOf(a)).toHaveLength(5);
  });

  it('is the same in another session file (a fork copies entries verbatim) and differs with the timestamp', () => {
    const other = { ...CTX, stem: '2026-06-01T00-00-00-000Z_fork' };
    const a = run(v1);
    const fork = run([{ ...v1[0], id: 'fork', parentSession: '/s/x.jsonl' }, ...v1.slice(1)], other);
    expect(messagesOf(fork).map((m) => m.identity)).toEqual(messagesOf(a).map((m) => m.identity));
    expect(messagesOf(fork)[0]?.sessionKey).toBe('fork');
    const later = run([v1[0], { ...v1[1], timestamp: '2025-12-08T22:41:05.307Z' }]);
    expect(messagesOf(later)[0]?.identity).not.toBe(messagesOf(a)[0]?.identity);
  });

  it('entries without a timestamp are scoped to their session', () => {
    const bare = { type: 'message', message: { role: 'user', content: 'hi' } };
    const a = run([bare]);
    const b = run([bare], { ...CTX, stem: 'x_other' });
    expect(messagesOf(a)[0]?.identity).not.toBe(messagesOf(b)[0]?.identity);
    expect(messagesOf(a)[0]?.emittedAt).toBeNull();
  });
});
