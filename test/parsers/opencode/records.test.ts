/** The OpenCode parser, one rendered line kind at a time (lines shaped as reader/opencode-source.ts renders). */
import { describe, expect, it } from 'vitest';
import { openCodeParser } from '../../../src/parsers/opencode/index.js';
import type { FileContext, ParsedMessage, RecordOutput } from '../../../src/parsers/types.js';
import {
  assistantData,
  type Json,
  reasoningPart,
  stepFinish,
  stepStart,
  textPart,
  tokens,
  toolPart,
  userData,
} from '../../support/opencode-db.js';

const SID = 'ses_main1';
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function ctxFor(over: Partial<FileContext> = {}): FileContext {
  return {
    path: `/x/opencode.db#${SID}`,
    assistant: 'opencode',
    role: 'main',
    stem: SID,
    format: 'sqlite',
    projectPath: '/work/demo',
    ...over,
  };
}

function sessionLine(over: Json = {}): Json {
  return {
    record: 'session',
    session: {
      id: SID,
      project_id: 'global',
      parent_id: null,
      slug: 'brave-squid',
      directory: '/work/demo',
      title: 'Run a command',
      version: '1.18.33',
      time_created: T0,
      ...over,
    },
  };
}

let partNo = 0;
function messageLine(id: string, data: Json, parts: Json[]): Json {
  return {
    record: 'message',
    message: { id, time_created: T0 + 1, time_updated: T0 + 2, data },
    parts: parts.map((d, i) => ({
      id: (d.__id as string) ?? `prt_${id}_${i}_${partNo++}`,
      time_created: T0 + 10 + i,
      time_updated: T0 + 20 + i,
      data: d,
    })),
  };
}

function run(lines: unknown[], ctx = ctxFor()): RecordOutput[] {
  const state = openCodeParser.initialState(ctx);
  return lines.map((json, i) => openCodeParser.parse({ lineNo: i + 1, offset: i * 100, json }, state, ctx));
}

const msgs = (outs: RecordOutput[]): ParsedMessage[] => outs.flatMap((o) => o.messages);
const done = (t = tokens(100, 20, 300)) => ({ completed: T0 + 500, finish: 'stop', tokens: t });

describe('session line', () => {
  it('gives the session facts and no message', () => {
    const [out] = run([sessionLine()]);
    expect(out?.kind).toBe('session');
    expect(out?.messages).toEqual([]);
    expect(out?.note).toBe('session row');
    expect(out?.sessions).toEqual([
      {
        sessionKey: SID,
        assistant: 'opencode',
        cwd: '/work/demo',
        title: 'Run a command',
        assistantVersion: '1.18.33',
        slug: 'brave-squid',
        timestamp: iso(T0),
      },
    ]);
  });

  it('links a sub-agent session to its parent_id', () => {
    const [out] = run([sessionLine({ parent_id: 'ses_parent' })]);
    expect(out?.sessions[0]?.parentSessionKey).toBe('ses_parent');
  });

  it('warns about a row without id, and about a second session id', () => {
    const outs = run([sessionLine({ id: '' }), sessionLine(), sessionLine({ id: 'ses_other' })]);
    expect(outs[0]?.warning).toMatch(/without an id/);
    expect(outs[1]?.sessions[0]?.sessionKey).toBe(SID);
    expect(outs[2]?.warning).toMatch(/second session row/);
    expect(outs[2]?.sessions).toEqual([]);
  });
});

describe('user message line', () => {
  it('each text part is a prompt by the human, final at once, and the line closes the open groups', () => {
    const outs = run([
      sessionLine(),
      messageLine('msg_u1', userData(T0 + 1), [{ ...textPart('Run a command.'), __id: 'prt_u1' }]),
    ]);
    const out = outs[1]!;
    expect(out.kind).toBe('message/user');
    expect(out.closesGroups).toBe(true);
    expect(out.messages).toEqual([
      {
        identity: 'opencode:prt_u1',
        sessionKey: SID,
        threadKey: 'main',
        messageType: 'prompt',
        authorRole: 'human',
        emittedAt: iso(T0 + 10),
        content: 'Run a command.',
      },
    ]);
  });

  it('synthetic text is context, a file is named as context, other parts are noted', () => {
    const outs = run([
      messageLine('msg_u1', userData(T0 + 1), [
        textPart('typed'),
        textPart('Called the Read tool with …', { synthetic: true }),
        { type: 'file', mime: 'text/plain', filename: 'notes.txt', url: 'file:///w/notes.txt' },
        { type: 'agent', name: 'general' },
      ]),
    ]);
    const m = msgs(outs);
    expect(m.map((x) => [x.messageType, x.authorRole])).toEqual([
      ['prompt', 'human'],
      ['context', 'system'],
      ['context', 'system'],
    ]);
    expect(m[2]?.content).toBe('attached file: notes.txt (text/plain)');
    expect(outs[0]?.note).toBe('no message for parts: agent');
  });

  it("in a sub-agent session the prompt is the caller's and the answer the agent's", () => {
    const ctx = ctxFor({ role: 'agent', parentSessionFromPath: 'ses_parent' });
    const outs = run(
      [
        sessionLine({ parent_id: 'ses_parent' }),
        messageLine('msg_u1', userData(T0), [textPart('Do the sub-task')]),
        messageLine('msg_a1', assistantData('msg_u1', T0, done()), [textPart('done')]),
      ],
      ctx,
    );
    expect(msgs(outs).map((m) => m.authorRole)).toEqual(['caller', 'agent']);
  });

  it('empty text yields no message but the line is still accounted for', () => {
    const [out] = run([messageLine('msg_u1', userData(T0), [textPart('  ')])]);
    expect(out?.messages).toEqual([]);
    expect(out?.note).toBe('user message without content');
  });
});

describe('assistant message line', () => {
  it('a complete message: response with model and finish, upsert, no group, its usage anchored on the text', () => {
    const outs = run([
      sessionLine(),
      messageLine('msg_a1', assistantData('msg_u1', T0, done(tokens(100, 20, 300, 7))), [
        stepStart(),
        { ...textPart('The answer.'), __id: 'prt_text' },
        stepFinish('stop', tokens(100, 20, 300, 7)),
      ]),
    ]);
    const out = outs[1]!;
    expect(out.closesGroups).toBe(true);
    expect(out.note).toBe('no message for parts: step-finish, step-start');
    expect(out.messages).toEqual([
      {
        identity: 'opencode:prt_text',
        sessionKey: SID,
        threadKey: 'main',
        messageType: 'response',
        authorRole: 'assistant',
        emittedAt: iso(T0 + 11),
        content: 'The answer.',
        model: 'agx-model',
        groupKey: null,
        upsert: true,
        stopReason: 'stop',
      },
    ]);
    expect(out.usage).toEqual([
      {
        responseKey: 'opencode:msg_a1',
        sessionKey: SID,
        model: 'agx-model',
        tokens: { input: 100, output: 20, cacheRead: 300, cacheCreation: 7, reasoning: 0 },
        combine: 'max',
        anchorIdentity: 'opencode:prt_text',
        emittedAt: iso(T0 + 500),
      },
    ]);
  });

  it('a message still being written is grouped (unpublishable), reports no usage and closes nothing', () => {
    const [out] = run([
      messageLine('msg_a2', assistantData('msg_u1', T0), [stepStart(), textPart('The ans')]),
    ]);
    expect(out?.closesGroups).toBe(false);
    expect(out?.usage).toEqual([]);
    expect(out?.messages.map((m) => [m.messageType, m.groupKey, m.upsert])).toEqual([
      ['response', 'opencode:msg_a2', true],
    ]);
    expect(out?.note).toBe('still being written; no message for parts: step-start');
  });

  it('a finish reason alone makes it complete', () => {
    const data = assistantData('msg_u1', T0);
    data.finish = 'tool-calls';
    const [out] = run([messageLine('msg_a3', data, [textPart('x')])]);
    expect(out?.closesGroups).toBe(true);
    expect(out?.messages[0]?.groupKey).toBeNull();
  });

  it('reasoning parts are thinking', () => {
    const [out] = run([
      messageLine('msg_a1', assistantData('msg_u1', T0, done()), [
        reasoningPart('Let me think.'),
        textPart('ok'),
      ]),
    ]);
    expect(out?.messages.map((m) => [m.messageType, m.content])).toEqual([
      ['thinking', 'Let me think.'],
      ['response', 'ok'],
    ]);
  });

  it('a completed tool part is a call and a result linked by callID; the usage rides on a carrier', () => {
    const [out] = run([
      messageLine('msg_a1', assistantData('msg_u1', T0, { ...done(), finish: 'tool-calls' }), [
        {
          ...toolPart(
            'call_1',
            'bash',
            { command: 'expr 6000 + 137' },
            { status: 'completed', output: '6137\n', exit: 0 },
            { start: T0 + 30, end: T0 + 40 },
          ),
          __id: 'prt_tool',
        },
      ]),
    ]);
    const [call, result] = out!.messages;
    expect(call).toMatchObject({
      identity: 'opencode:prt_tool',
      messageType: 'tool_call',
      authorRole: 'assistant',
      toolName: 'bash',
      toolUseId: 'call_1',
      toolInput: '{"command":"expr 6000 + 137"}',
      emittedAt: iso(T0 + 30),
    });
    expect(result).toMatchObject({
      identity: 'opencode:prt_tool:result',
      messageType: 'tool_result',
      authorRole: 'tool',
      toolName: 'bash',
      toolUseId: 'call_1',
      toolResult: '6137\n',
      isError: false,
      emittedAt: iso(T0 + 40),
    });
    expect(out?.usage[0]?.anchorIdentity).toBe('opencode:prt_tool');
  });

  it('a running tool is only a call; error status and a non-zero exit are errors', () => {
    const [out] = run([
      messageLine('msg_a1', assistantData('msg_u1', T0), [
        toolPart('c1', 'bash', { command: 'sleep 9' }, { status: 'running' }, { start: T0 }),
        toolPart(
          'c2',
          'read',
          { filePath: '/nope' },
          { status: 'error', error: 'File not found' },
          { start: T0, end: T0 + 1 },
        ),
        toolPart(
          'c3',
          'bash',
          { command: 'false' },
          { status: 'completed', output: '', exit: 1 },
          { start: T0, end: T0 + 1 },
        ),
      ]),
    ]);
    const m = out!.messages;
    expect(m.map((x) => `${x.messageType}:${x.toolUseId}`)).toEqual([
      'tool_call:c1',
      'tool_call:c2',
      'tool_result:c2',
      'tool_call:c3',
      'tool_result:c3',
    ]);
    expect(m[2]).toMatchObject({ toolResult: 'File not found', isError: true });
    expect(m[4]?.isError).toBe(true);
  });

  it('a tool input that is not an object is wrapped', () => {
    const [out] = run([
      messageLine('msg_a1', assistantData('msg_u1', T0), [
        toolPart('c1', 'x', 'raw' as unknown as Json, { status: 'pending' }, { start: T0 }),
      ]),
    ]);
    expect(out?.messages[0]?.toolInput).toBe('{"input":"raw"}');
  });

  it('data.error is an error message; a failed call with zero tokens reports no usage', () => {
    const err = { name: 'APIError', data: { message: 'scripted failure agx-err-4711', statusCode: 400 } };
    const [out] = run([
      messageLine('msg_e', assistantData('msg_u1', T0, { completed: T0 + 9, error: err }), []),
    ]);
    expect(out?.messages).toEqual([
      {
        identity: 'opencode:msg_e:error',
        sessionKey: SID,
        threadKey: 'main',
        messageType: 'error',
        authorRole: 'system',
        emittedAt: iso(T0 + 9),
        content: 'APIError: scripted failure agx-err-4711',
        model: 'agx-model',
        groupKey: null,
        upsert: true,
        isError: true,
      },
    ]);
    expect(out?.usage).toEqual([]);
    expect(out?.closesGroups).toBe(true);
  });

  it('the text of a compaction summary message is a summary', () => {
    const data = assistantData('msg_u1', T0, done());
    data.summary = true;
    const [out] = run([messageLine('msg_s', data, [textPart('What we did so far…')])]);
    expect(out?.messages.map((m) => [m.messageType, m.authorRole])).toEqual([['summary', 'system']]);
  });
});

describe('lines it cannot read', () => {
  it('are kept with a warning or a note, never thrown on', () => {
    const outs = run([
      null,
      42,
      'text',
      { record: 'message' },
      { record: 'message', message: { id: 'm', data: 'not json' } },
      { record: 'message', message: { id: 'm', data: { role: 'system' } } },
      { record: 'session' },
      { record: 'later-kind' },
      {
        record: 'message',
        message: { id: 'm', data: { role: 'assistant', time: 5, tokens: 'x' } },
        parts: [1, {}, { id: 'p' }],
      },
    ]);
    for (const o of outs) expect((o.warning ?? o.note ?? '').length).toBeGreaterThan(0);
    expect(outs[5]?.note).toMatch(/role "system" is not read/);
    expect(msgs(outs)).toEqual([]);
  });

  it('records before a session line use the discovered session id', () => {
    const outs = run([messageLine('msg_u1', userData(T0), [textPart('hi')])]);
    expect(outs[0]?.messages[0]?.sessionKey).toBe(SID);
  });

  it('survives random JSON values without throwing', () => {
    const ctx = ctxFor();
    const state = openCodeParser.initialState(ctx);
    const values: unknown[] = [
      [],
      {},
      { record: 'message', message: [], parts: {} },
      { record: 'session', session: [] },
    ];
    for (let i = 0; i < 200; i++) {
      const v = values[i % values.length];
      expect(() => openCodeParser.parse({ lineNo: i + 1, offset: 0, json: v }, state, ctx)).not.toThrow();
    }
  });
});
