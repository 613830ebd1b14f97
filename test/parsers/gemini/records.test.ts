import { describe, expect, it } from 'vitest';
import { geminiParser } from '../../../src/parsers/gemini/index.js';
import type { RecordOutput } from '../../../src/parsers/types.js';
import {
  ctxFor,
  type FileRun,
  functionResponse,
  gemini,
  header,
  msgs,
  run,
  SID,
  shellCall,
  tokens,
  user,
} from './helpers.js';

const ofType = (r: FileRun, t: string) => msgs(r).filter((m) => m.messageType === t);
const ids = (r: FileRun) => msgs(r).map((m) => m.identity);

/** Every line is accounted for: a message, a kept context row with a note, or a warning. */
function expectAccounted(r: FileRun): void {
  for (const out of r.outs) {
    const accounted =
      out.messages.length > 0 || (out.note ?? '').length > 0 || (out.warning ?? '').length > 0;
    expect(accounted, JSON.stringify(out)).toBe(true);
  }
}

describe('header', () => {
  it('gives the session key, the cwd from .project_root, and the start time', () => {
    const r = run([header()]);
    const out = r.outs[0] as RecordOutput;
    expect(out.kind).toBe('header');
    expect(out.sessionKey).toBe(SID);
    expect(out.sessions).toEqual([
      { sessionKey: SID, assistant: 'gemini', cwd: '/work/demo', timestamp: '2026-04-29T21:39:22.319Z' },
    ]);
    expect(out.messages).toEqual([]);
    expect(out.note).toBe('session header');
    expect(r.state.sessionKey).toBe(SID);
  });

  it('takes the cwd from directories[0] when no .project_root is known, and the lastUpdated as activity', () => {
    const r = run(
      [header({ directories: ['/w/sub', '/w/other'], lastUpdated: '2026-04-29T22:00:00.000Z' })],
      ctxFor({ projectPath: null }),
    );
    expect(r.outs[0]?.sessions).toEqual([
      { sessionKey: SID, assistant: 'gemini', cwd: '/w/sub', timestamp: '2026-04-29T21:39:22.319Z' },
      { sessionKey: SID, assistant: 'gemini', timestamp: '2026-04-29T22:00:00.000Z' },
    ]);
  });

  it('links a sub-agent header (kind subagent) to the parent session named by its directory', () => {
    const PARENT = '11111111-2222-4333-8444-555555555555';
    const ctx = ctxFor({ role: 'agent', stem: 'child-1', parentSessionFromPath: PARENT });
    const sub = run([header({ sessionId: 'child-1', kind: 'subagent', directories: ['/w'] })], ctx);
    expect(sub.outs[0]?.sessions[0]).toMatchObject({ sessionKey: 'child-1', parentSessionKey: PARENT });
    // Without `kind: subagent` the directory alone does not make it a child.
    const main = run([header({ sessionId: 'child-1', kind: 'main' })], ctx);
    expect(main.outs[0]?.sessions[0]?.parentSessionKey).toBeUndefined();
  });

  it('keeps the first session id when a second header names another one', () => {
    const r = run([header(), header({ sessionId: 'other' }), user('u1', 'hi')]);
    expect(r.outs[1]?.warning).toMatch(/second session header/);
    expect(msgs(r)[0]?.sessionKey).toBe(SID);
  });

  it('uses the file stem for records before any header, warning once', () => {
    const r = run([user('u1', 'hi'), user('u2', 'again')]);
    expect(msgs(r).map((m) => m.sessionKey)).toEqual([ctxFor().stem, ctxFor().stem]);
    expect(r.outs[0]?.warning).toMatch(/before the session header/);
    expect(r.outs[1]?.warning).toBeUndefined();
  });
});

describe('user records', () => {
  it('a typed prompt is prompt/human, final at once, and closes the open groups', () => {
    const r = run([header(), user('u1', [{ text: 'Say hello and list files.' }])]);
    const out = r.outs[1] as RecordOutput;
    expect(out.closesGroups).toBe(true);
    expect(out.messages).toEqual([
      {
        identity: `gemini:${SID}:u1:text`,
        sessionKey: SID,
        threadKey: 'main',
        messageType: 'prompt',
        authorRole: 'human',
        emittedAt: expect.stringMatching(/^2026-04-29T/),
        content: 'Say hello and list files.',
        upsert: true,
      },
    ]);
  });

  it('prefers displayContent (what was typed) over the expanded content', () => {
    const r = run([
      header(),
      user('u1', [{ text: 'explain @a.ts' }, { text: '\n--- Content from referenced files ---\n…' }], {
        displayContent: [{ text: 'explain @a.ts' }],
      }),
    ]);
    expect(msgs(r)[0]?.content).toBe('explain @a.ts');
  });

  it('injected bootstrap text is context/system and closes nothing; a compression snapshot is a summary', () => {
    const r = run([
      header(),
      user('u0', [{ text: '<session_context>\nThis is the Gemini CLI.\n</session_context>' }]),
      user('u9', [{ text: '<state_snapshot>\n<overall_goal>x</overall_goal>\n</state_snapshot>' }]),
    ]);
    expect(r.outs[1]?.closesGroups).toBe(false);
    expect(r.outs[1]?.messages.map((m) => [m.messageType, m.authorRole, m.identity])).toEqual([
      ['context', 'system', `gemini:${SID}:u0:context:0`],
    ]);
    expect(r.outs[2]?.messages[0]?.messageType).toBe('summary');
  });

  it('a user record of functionResponse parts only is not a prompt, closes nothing, and the result is stored once', () => {
    const call = shellCall('run_shell_command_1', [
      functionResponse('run_shell_command_1', 'Output: README.md'),
    ]);
    const r = run([
      header(),
      user('u1', 'list files'),
      gemini('g1', { tokens: tokens(100, 5), toolCalls: [call] }),
      user('u2', [functionResponse('run_shell_command_1', 'Output: README.md')]),
      gemini('g2', { content: 'Done.', tokens: tokens(120, 3) }),
    ]);
    const fr = r.outs[3] as RecordOutput;
    expect(fr.messages).toEqual([]);
    expect(fr.closesGroups).toBe(false);
    expect(fr.note).toMatch(/^duplicate/);
    expect(ofType(r, 'prompt')).toHaveLength(1);
    const results = ofType(r, 'tool_result');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      identity: `gemini:${SID}:g1:result:run_shell_command_1`,
      toolResult: 'Output: README.md',
      toolUseId: 'run_shell_command_1',
      isError: false,
    });
    expectAccounted(r);
  });

  it('takes the output from a functionResponse record only while the gemini copy has none, under the same identity', () => {
    const running = { ...shellCall('c1'), status: 'executing' };
    const done = shellCall('c1', [functionResponse('c1', 'Output: README.md')]);
    const r = run([
      header(),
      gemini('g1', { toolCalls: [running] }),
      user('u2', [functionResponse('c1', 'Output: README.md')]),
      gemini('g1', { toolCalls: [done] }),
    ]);
    const identity = `gemini:${SID}:g1:result:c1`;
    expect(r.outs[2]?.messages.map((m) => [m.identity, m.toolResult, m.groupKey, m.upsert])).toEqual([
      [identity, 'Output: README.md', `gemini:${SID}:g1`, true],
    ]);
    expect(r.outs[2]?.closesGroups).toBe(false);
    expect(r.outs[2]?.note).toMatch(/taken from this functionResponse/);
    // The gemini copy, the source, replaces it (its timestamp and status differ): one identity, last write wins.
    expect(r.outs[3]?.messages.map((m) => m.identity)).toEqual([identity]);
    expect(new Set(ofType(r, 'tool_result').map((m) => m.identity))).toEqual(new Set([identity]));
    expect(ofType(r, 'prompt')).toEqual([]);
  });

  it('an empty user record is kept with a note', () => {
    const r = run([header(), user('u1', [])]);
    expect(r.outs[1]?.messages).toEqual([]);
    expect(r.outs[1]?.note).toBe('empty user message');
  });
});

describe('gemini records', () => {
  it('maps text, thoughts, tool calls and results, all in the message group, with the model', () => {
    const r = run([
      header(),
      gemini('g1', {
        content: [{ text: 'Let me ' }, { text: 'look.' }],
        thoughts: [
          {
            subject: 'Planning',
            description: 'List the files first.',
            timestamp: '2026-04-29T21:39:34.000Z',
          },
        ],
        toolCalls: [
          shellCall('c1', [functionResponse('c1', 'Output: a')]),
          shellCall('c2', [functionResponse('c2', 'Command failed')], 'error'),
        ],
      }),
    ]);
    const out = r.outs[1] as RecordOutput;
    expect(out.messages.map((m) => [m.messageType, m.authorRole, m.identity])).toEqual([
      ['thinking', 'assistant', `gemini:${SID}:g1:thought:0`],
      ['response', 'assistant', `gemini:${SID}:g1:text`],
      ['tool_call', 'assistant', `gemini:${SID}:g1:call:c1`],
      ['tool_result', 'tool', `gemini:${SID}:g1:result:c1`],
      ['tool_call', 'assistant', `gemini:${SID}:g1:call:c2`],
      ['tool_result', 'tool', `gemini:${SID}:g1:result:c2`],
    ]);
    for (const m of out.messages) {
      expect(m.groupKey).toBe(`gemini:${SID}:g1`);
      expect(m.upsert).toBe(true);
    }
    expect(out.messages[0]?.content).toBe('Planning\n\nList the files first.');
    expect(out.messages[1]).toMatchObject({ content: 'Let me look.', model: 'gemini-3-flash-preview' });
    expect(out.messages[2]).toMatchObject({
      toolName: 'run_shell_command',
      toolUseId: 'c1',
      toolInput: '{"command":"ls -F","description":"List files."}',
    });
    expect(out.messages[3]).toMatchObject({ toolResult: 'Output: a', isError: false });
    expect(out.messages[5]).toMatchObject({ toolResult: 'Command failed', isError: true });
    expect(out.sessions).toEqual([{ sessionKey: SID, assistant: 'gemini', model: 'gemini-3-flash-preview' }]);
    expect(out.closesGroups).toBe(false);
  });

  it('reports tokens once per message id: input without cache plus tool prompt, output with thoughts', () => {
    const raw = { input: 15327, output: 210, cached: 11526, thoughts: 90, tool: 12, total: 15639 };
    const r = run([header(), gemini('g1', { content: 'Hi', tokens: raw })]);
    const u = r.outs[1]?.usage;
    expect(u).toEqual([
      {
        responseKey: `gemini:${SID}:g1`,
        sessionKey: SID,
        model: 'gemini-3-flash-preview',
        tokens: { input: 15327 - 11526 + 12, cacheRead: 11526, cacheCreation: 0, output: 300, reasoning: 90 },
        combine: 'max',
        anchorIdentity: `gemini:${SID}:g1:text`,
        emittedAt: '2026-04-29T21:39:35.125Z',
      },
    ]);
    const t = u![0]!.tokens;
    expect(t.input + t.cacheRead + t.output).toBe(raw.total);
  });

  it('reports nothing for null or all-zero tokens', () => {
    const r = run([
      header(),
      gemini('g1', { content: 'Hi', tokens: null }),
      gemini('g2', { content: 'x', tokens: tokens(0, 0) }),
    ]);
    expect(r.outs.flatMap((o) => o.usage)).toEqual([]);
  });

  it('an empty first append (no text, no tokens yet) is kept with a note', () => {
    const r = run([header(), gemini('g1')]);
    expect(r.outs[1]?.messages).toEqual([]);
    expect(r.outs[1]?.note).toMatch(/no content yet/);
  });

  it('a cancelled call without result gets its resultDisplay as an error result; a running one none', () => {
    const cancelled = { ...shellCall('c1'), status: 'cancelled', resultDisplay: 'Cancelled by user.' };
    const running = { ...shellCall('c2'), status: 'executing' };
    const r = run([header(), gemini('g1', { toolCalls: [cancelled, running] })]);
    expect(ofType(r, 'tool_call')).toHaveLength(2);
    expect(ofType(r, 'tool_result')).toEqual([
      expect.objectContaining({ toolUseId: 'c1', toolResult: 'Cancelled by user.', isError: true }),
    ]);
  });
});

describe('re-appended message ids', () => {
  it('tokens arriving later: the text is not emitted again, the usage comes with the re-append', () => {
    const r = run([
      header(),
      user('u1', 'hello'),
      gemini('g1', { content: 'Hello!', tokens: null }),
      gemini('g1', { content: 'Hello!', tokens: tokens(100, 7) }),
    ]);
    expect(r.outs[2]?.messages.map((m) => m.identity)).toEqual([`gemini:${SID}:g1:text`]);
    expect(r.outs[2]?.usage).toEqual([]);
    expect(r.outs[3]?.messages).toEqual([]);
    expect(r.outs[3]?.note).toBe('re-append of message g1: token usage only, no part to store yet or again');
    expect(r.outs[3]?.usage.map((u) => [u.responseKey, u.anchorIdentity, u.tokens.output])).toEqual([
      [`gemini:${SID}:g1`, `gemini:${SID}:g1:text`, 7],
    ]);
    expectAccounted(r);
  });

  it('tool calls merged in, then their results: each part is emitted once, under a stable identity', () => {
    const r = run([
      header(),
      gemini('g1', { content: 'Listing.', tokens: tokens(100, 7) }),
      gemini('g1', {
        content: 'Listing.',
        tokens: tokens(100, 7),
        toolCalls: [{ ...shellCall('c1'), status: 'executing' }],
      }),
      gemini('g1', {
        content: 'Listing.',
        tokens: tokens(100, 7),
        toolCalls: [shellCall('c1', [functionResponse('c1', 'Output: a')])],
      }),
    ]);
    expect(r.outs.map((o) => o.messages.map((m) => m.messageType))).toEqual([
      [],
      ['response'],
      ['tool_call'],
      ['tool_result'],
    ]);
    expect(r.outs[2]?.note).toBe('re-append of message g1: 1 new, 0 updated parts');
    expect(new Set(ids(r)).size).toBe(ids(r).length);
    // Usage is reported with every version, combined with `max` by the store: counted once.
    expect(new Set(r.outs.flatMap((o) => o.usage.map((u) => u.responseKey)))).toEqual(
      new Set([`gemini:${SID}:g1`]),
    );
  });

  it('an identical copy emits nothing and says so', () => {
    const g = gemini('g1', { content: 'Same' });
    const r = run([header(), g, g]);
    expect(r.outs[2]?.messages).toEqual([]);
    expect(r.outs[2]?.note).toBe('unchanged re-append of message g1');
  });

  it('a changed part is emitted again under the same identity (last write wins)', () => {
    const r = run([header(), gemini('g1', { content: 'Draft' }), gemini('g1', { content: 'Final' })]);
    const texts = msgs(r).filter((m) => m.identity === `gemini:${SID}:g1:text`);
    expect(texts.map((m) => [m.content, m.upsert])).toEqual([
      ['Draft', true],
      ['Final', true],
    ]);
    expect(r.outs[2]?.note).toBe('re-append of message g1: 0 new, 1 updated parts');
  });

  it('gives the same result when the state is persisted as JSON between records', () => {
    const records = [
      header(),
      user('u1', 'hi'),
      gemini('g1', { content: 'Hello' }),
      gemini('g1', { content: 'Hello', tokens: tokens(10, 2), toolCalls: [shellCall('c1', 'ok')] }),
      { $rewindTo: 'g1' },
      user('u2', 'again'),
    ];
    const whole = run(records);
    const ctx = ctxFor();
    let state = geminiParser.initialState(ctx);
    const pieces: RecordOutput[] = [];
    for (const rec of records) {
      const r = run([rec], ctx, state);
      pieces.push(...r.outs);
      state = JSON.parse(JSON.stringify(r.state));
    }
    expect(pieces.map((o) => [o.messages, o.usage, o.note, o.closesGroups])).toEqual(
      whole.outs.map((o) => [o.messages, o.usage, o.note, o.closesGroups]),
    );
  });
});

describe('info, warning and error records', () => {
  it('info and warning are context/system, error is error/system; none has a group', () => {
    const r = run([
      header(),
      { id: 'i1', timestamp: '2026-04-29T21:40:00.000Z', type: 'info', content: 'Switched model.' },
      { id: 'w1', timestamp: '2026-04-29T21:40:01.000Z', type: 'warning', content: [{ text: 'Slow.' }] },
      { id: 'e1', timestamp: '2026-04-29T21:40:02.000Z', type: 'error', content: 'Quota exceeded.' },
      { id: 'x1', timestamp: '2026-04-29T21:40:03.000Z', type: 'novel', content: 'future' },
    ]);
    expect(msgs(r).map((m) => [m.messageType, m.authorRole, m.content, m.groupKey ?? null])).toEqual([
      ['context', 'system', 'Switched model.', null],
      ['context', 'system', 'Slow.', null],
      ['error', 'system', 'Quota exceeded.', null],
    ]);
    expect(r.outs[4]?.note).toBe('unknown message type "novel"');
    expectAccounted(r);
  });
});

describe('$set', () => {
  it('summary becomes the title, lastUpdated the activity time', () => {
    const r = run([header(), { $set: { lastUpdated: '2026-04-29T21:39:33.156Z', summary: 'List files' } }]);
    const out = r.outs[1] as RecordOutput;
    expect(out.kind).toBe('$set');
    expect(out.sessions).toEqual([
      { sessionKey: SID, assistant: 'gemini', title: 'List files', timestamp: '2026-04-29T21:39:33.156Z' },
    ]);
    expect(out.note).toBe('metadata');
    expect(out.messages).toEqual([]);
  });

  it('$set.messages applies each entry like a re-append: unchanged nothing, changed upserted, new added', () => {
    const g1 = gemini('g1', {
      content: 'Listing.',
      tokens: tokens(100, 7),
      toolCalls: [shellCall('c1', [functionResponse('c1', 'Output: big')])],
    });
    const u1 = user('u1', 'list files');
    const masked = {
      ...g1,
      toolCalls: [shellCall('c1', [functionResponse('c1', '<output masked: see file>')])],
    };
    const r = run([
      header(),
      u1,
      g1,
      {
        $set: {
          messages: [
            user('boot', [{ text: 'Here is the project.' }]),
            gemini('ack', { content: 'Got it. Thanks for the context!', model: undefined }),
            u1,
            masked,
          ],
          lastUpdated: '2026-04-29T21:45:00.000Z',
        },
      },
    ]);
    const out = r.outs[3] as RecordOutput;
    expect(out.kind).toBe('$set/messages');
    expect(out.closesGroups).toBe(false);
    expect(out.messages.map((m) => [m.identity, m.messageType, m.authorRole, m.upsert])).toEqual([
      [`gemini:${SID}:boot:synthetic`, 'context', 'system', true],
      [`gemini:${SID}:ack:synthetic`, 'context', 'system', true],
      [`gemini:${SID}:g1:result:c1`, 'tool_result', 'tool', true],
    ]);
    expect(out.messages[2]?.toolResult).toBe('<output masked: see file>');
    // The checkpoint's copy of g1 reports its usage again under the same key (combined with max).
    expect(out.usage.map((u) => u.responseKey)).toEqual([`gemini:${SID}:g1`]);
    // Unchanged: u1's text, g1's text and g1's call; updated: g1's result; new: boot and ack.
    expect(out.note).toBe(
      'metadata; message list checkpoint of 4 messages: 2 new, 1 updated, 3 unchanged parts',
    );
    expect(r.state.order).toEqual(['boot', 'ack', 'u1', 'g1']);
  });

  it('a checkpoint that drops messages deletes nothing and says so', () => {
    const u2 = user('u2', 'b');
    const r = run([header(), user('u1', 'a'), u2, { $set: { messages: [u2] } }]);
    expect(r.outs[3]?.messages).toEqual([]);
    expect(r.outs[3]?.note).toMatch(/1 earlier messages left the list and stay stored/);
    expect(r.state.order).toEqual(['u2']);
  });

  it('a checkpoint entry of functionResponse parts only is still a duplicate', () => {
    const r = run([
      header(),
      gemini('g1', { toolCalls: [shellCall('c1', [functionResponse('c1', 'out')])] }),
      { $set: { messages: [user('fr', [functionResponse('c1', 'out')])] } },
    ]);
    expect(r.outs[2]?.messages).toEqual([]);
    expect(ofType(r, 'tool_result')).toHaveLength(1);
  });
});

describe('$rewindTo', () => {
  it('keeps the rewound messages, notes how many, closes groups; later messages are new', () => {
    const r = run([
      header(),
      user('u1', 'first'),
      gemini('g1', { content: 'one' }),
      user('u2', 'second'),
      gemini('g2', { content: 'two' }),
      { $rewindTo: 'u2' },
      user('u3', 'second, edited'),
      gemini('g3', { content: 'three' }),
    ]);
    const rw = r.outs[5] as RecordOutput;
    expect(rw.kind).toBe('$rewindTo');
    expect(rw.messages).toEqual([]);
    expect(rw.closesGroups).toBe(true);
    expect(rw.sessionKey).toBe(SID);
    expect(rw.note).toBe(
      'rewind to message u2: 2 messages rewound; they stay stored (already ingested, possibly published)',
    );
    expect(r.state.order).toEqual(['u1', 'g1', 'u3', 'g3']);
    expect(ofType(r, 'prompt').map((m) => m.content)).toEqual(['first', 'second', 'second, edited']);
    expect(new Set(ids(r)).size).toBe(ids(r).length);
  });

  it('an unknown target rewinds everything (as Gemini CLI does), still deleting nothing', () => {
    const r = run([header(), user('u1', 'a'), gemini('g1', { content: 'b' }), { $rewindTo: 'nope' }]);
    expect(r.outs[3]?.note).toMatch(/^rewind to unknown message nope: all 2 messages rewound/);
    expect(r.state.order).toEqual([]);
  });
});

describe('records that are not understood', () => {
  it('a non-object line is a warning, an unknown object a note', () => {
    const r = run([header(), 42, { hello: 'world' }]);
    expect(r.outs[1]?.warning).toBe('record is not a JSON object');
    expect(r.outs[2]?.note).toBe('unrecognised record');
    expectAccounted(r);
  });

  it('never throws on hostile shapes', () => {
    const odd = [
      {
        id: 'a',
        type: 'gemini',
        content: { weird: true },
        toolCalls: 'x',
        thoughts: [null, 3],
        tokens: 'n/a',
      },
      { id: 'b', type: 'gemini', toolCalls: [null, { id: 5, args: 'str', result: { nested: [1] } }] },
      { id: 'c', type: 'user', content: [null, { inlineData: { mimeType: 'image/png' } }] },
      { id: '__proto__', type: 'user', content: 'proto' },
      { $set: { messages: [null, 'x', { id: 7 }] } },
      { $set: null },
    ];
    const r = run([header(), ...odd]);
    expect(r.outs.every((o) => o.warning === undefined || !o.warning.includes('parser failed'))).toBe(true);
    expect(msgs(r).find((m) => m.identity === `gemini:${SID}:c:text`)?.content).toBe('[image]');
    expect(msgs(r).find((m) => m.identity === `gemini:${SID}:__proto__:text`)?.content).toBe('proto');
    expectAccounted(r);
  });
});
