/**
 * The normative mapping (DESIGN.md §3.2): one table test per row of the mapping, the decisions documented in
 * src/collector/events.ts, and the whole corpus through a real sync, mapped and validated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_EVENT_BYTES,
  derivedToolUseId,
  eventBytes,
  messageEvents,
  sessionEndEvent,
  sessionStartEvent,
  validateBatch,
  validateEvent,
  wireSessionId,
} from '../../src/collector/mapping.js';
import { type MessageRow, SessionTracker, toLocalMessage } from '../../src/collector/tracker.js';
import type {
  CollectorEvent,
  LocalMessage,
  LocalSession,
  MappingOptions,
} from '../../src/collector/types.js';
import { linkCorpus } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { TestSync, testConfig } from '../support/sync.js';

const corpus = needs('corpus');

const OPTS: MappingOptions = { maxEventBytes: DEFAULT_MAX_EVENT_BYTES, sendRawData: false };
const RAW: MappingOptions = { ...OPTS, sendRawData: true };

function msg(over: Partial<LocalMessage>): LocalMessage {
  return {
    id: 1,
    sessionId: 's1',
    seq: 1,
    identity: 'claude:u1:0',
    threadKey: 'main',
    emittedAt: '2026-02-24T10:00:02.000Z',
    observedAt: '2026-02-24T10:00:03.000Z',
    messageType: 'prompt',
    authorRole: 'human',
    content: 'hello',
    toolName: null,
    toolUseId: null,
    toolInput: null,
    toolResult: null,
    isError: false,
    model: null,
    stopReason: null,
    tokens: null,
    raw: null,
    rawIsUtf8: true,
    ...over,
  };
}

const TOKENS = { input: 10, output: 20, cacheRead: 30, cacheCreation: 40 };
const USAGE = {
  input_tokens: 10,
  output_tokens: 20,
  cache_read_input_tokens: 30,
  cache_creation_input_tokens: 40,
};

function map(m: LocalMessage, opts = OPTS): CollectorEvent[] {
  const events = messageEvents(m, 'wire-1', opts);
  for (const e of events) expect(validateEvent(e)).toEqual([]);
  return events;
}

function one(m: LocalMessage, opts = OPTS): CollectorEvent {
  const events = map(m, opts);
  expect(events).toHaveLength(1);
  return events[0] as CollectorEvent;
}

describe('messageEvents: one row of the mapping table each', () => {
  it.each<[string, Partial<LocalMessage>, Record<string, unknown>]>([
    ['human prompt', {}, { author_role: 'human', message_type: 'prompt', content: 'hello' }],
    [
      'sub-agent prompt',
      { authorRole: 'caller', threadKey: 'agent-1' },
      { author_role: 'caller', message_type: 'prompt', content: 'hello' },
    ],
    [
      'injected user text',
      { messageType: 'context', authorRole: 'system' },
      { author_role: 'system', message_type: 'context', content: 'hello' },
    ],
    [
      'assistant text',
      {
        messageType: 'response',
        authorRole: 'assistant',
        model: 'claude-x',
        stopReason: 'end_turn',
        tokens: TOKENS,
      },
      {
        author_role: 'assistant',
        message_type: 'response',
        content: 'hello',
        model: 'claude-x',
        stop_reason: 'end_turn',
        token_usage: USAGE,
      },
    ],
    [
      'sub-agent text',
      { messageType: 'response', authorRole: 'agent' },
      { author_role: 'agent', message_type: 'response', content: 'hello' },
    ],
    [
      'assistant text without content',
      { messageType: 'response', authorRole: 'assistant', content: null },
      { author_role: 'assistant', message_type: 'response', content: '' },
    ],
    [
      'plan',
      { messageType: 'plan', authorRole: 'assistant' },
      { author_role: 'assistant', message_type: 'plan', content: 'hello' },
    ],
    [
      'summary',
      { messageType: 'summary', authorRole: 'system' },
      { author_role: 'system', message_type: 'summary', content: 'hello' },
    ],
    [
      'a text row authored by a tool (sent as system)',
      { messageType: 'context', authorRole: 'tool' },
      { author_role: 'system', message_type: 'context', content: 'hello' },
    ],
  ])('%s → message', (_, over, data) => {
    const e = one(msg(over));
    expect(e.type).toBe('message');
    expect(e.data).toEqual(data);
  });

  it('thinking → thinking with the text only', () => {
    const e = one(
      msg({ messageType: 'thinking', authorRole: 'assistant', content: 'pondering', model: 'm' }),
    );
    expect(e).toMatchObject({
      type: 'thinking',
      data: { author_role: 'assistant', content: 'pondering', model: 'm' },
    });
  });

  it('tool call → tool_call with the parsed parameters', () => {
    const base = {
      messageType: 'tool_call',
      authorRole: 'assistant',
      content: null,
      toolName: 'Read',
      toolUseId: 'toolu_1',
    } as const;
    const e = one(msg({ ...base, toolInput: '{"file_path":"/a.py"}' }));
    expect(e).toMatchObject({
      type: 'tool_call',
      data: { tool_name: 'Read', tool_use_id: 'toolu_1', parameters: { file_path: '/a.py' } },
    });
    expect(one(msg({ ...base, toolInput: '[1,2]' })).data.parameters).toEqual({ input: [1, 2] });
    expect(one(msg({ ...base, toolInput: 'ls -la' })).data.parameters).toEqual({ input: 'ls -la' });
    expect(one(msg({ ...base, toolInput: null })).data.parameters).toEqual({});
  });

  it('tool call without id or name still yields a valid tool_call (derived id, `unknown` name)', () => {
    const e = one(
      msg({ messageType: 'tool_call', authorRole: 'agent', threadKey: 'agent-1', identity: 'codex:t:o5' }),
    );
    expect(e.data).toMatchObject({
      author_role: 'agent',
      tool_name: 'unknown',
      tool_use_id: derivedToolUseId('codex:t:o5'),
      tool_use_id_derived: true,
      parameters: {},
    });
  });

  it('tool result → tool_result: success, result text, error_message only on errors', () => {
    const base = { messageType: 'tool_result', authorRole: 'tool', toolUseId: 'toolu_1' } as const;
    expect(one(msg({ ...base, toolResult: 'contents', content: 'contents' })).data).toEqual({
      author_role: 'tool',
      tool_use_id: 'toolu_1',
      result: 'contents',
      success: true,
    });
    expect(one(msg({ ...base, toolResult: 'denied', isError: true })).data).toEqual({
      author_role: 'tool',
      tool_use_id: 'toolu_1',
      result: 'denied',
      success: false,
      error_message: 'denied',
    });
    expect(one(msg({ ...base, toolResult: null, content: null })).data.result).toBe('');
    const orphan = one(
      msg({ messageType: 'tool_result', authorRole: 'tool', toolResult: 'x', identity: 'claude:r:1' }),
    );
    expect(orphan.data).toMatchObject({
      tool_use_id: derivedToolUseId('claude:r:1'),
      tool_use_id_derived: true,
    });
  });

  it.each<[string, string | null, string]>([
    [
      'a Codex error kind',
      '{"type":"event_msg","payload":{"type":"error","error":{"kind":"rate_limit","message":"m"}}}',
      'rate_limit',
    ],
    [
      'a Codex codex_error_info string',
      '{"type":"event_msg","payload":{"type":"error","codex_error_info":"context_window_exceeded"}}',
      'context_window_exceeded',
    ],
    [
      'a Codex codex_error_info object',
      '{"type":"event_msg","payload":{"type":"error","codex_error_info":{"http_connection_failed":{}}}}',
      'http_connection_failed',
    ],
    [
      'a Claude API error body',
      '{"type":"system","subtype":"api_error","error":{"status":529,"error":{"type":"error","error":{"type":"overloaded_error"}}}}',
      'overloaded_error',
    ],
    [
      'a Claude synthetic assistant error',
      '{"type":"assistant","error":"rate_limit","isApiErrorMessage":true}',
      'rate_limit',
    ],
    [
      'a Claude system error with only a subtype',
      '{"type":"system","subtype":"api_error","error":{"status":429}}',
      'api_error',
    ],
    ['no raw line', null, 'error'],
    ['a raw line that is not JSON', 'oops', 'error'],
  ])('API or harness error → error (error_type from %s)', (_, raw, type) => {
    const m = msg({
      messageType: 'error',
      authorRole: 'system',
      content: 'Rate limit exceeded',
      raw: raw === null ? null : Buffer.from(raw),
    });
    const e = one(m);
    expect(e).toMatchObject({
      type: 'error',
      data: { author_role: 'system', error_type: type, message: 'Rate limit exceeded' },
    });
    expect(e.data.raw_data).toBeUndefined(); // read for error_type, sent only with send_raw_data
  });
});

describe('usage carrier', () => {
  it.each<[string, Partial<LocalMessage>, string]>([
    ['thinking', { messageType: 'thinking', authorRole: 'assistant' }, 'thinking'],
    [
      'a tool call',
      {
        messageType: 'tool_call',
        authorRole: 'assistant',
        toolName: 'Bash',
        toolUseId: 't',
        stopReason: 'tool_use',
      },
      'tool_call',
    ],
    [
      'a Codex tool result',
      { messageType: 'tool_result', authorRole: 'tool', toolUseId: 't', toolResult: 'ok' },
      'tool_result',
    ],
    ['an API error', { messageType: 'error', authorRole: 'system' }, 'error'],
  ])('usage anchored on %s rides on an extra message right after it', (_, over, type) => {
    const events = map(msg({ ...over, tokens: TOKENS, model: 'm', raw: Buffer.from('{"a":1}') }), RAW);
    expect(events.map((e) => e.type)).toEqual([type, 'message']);
    const [first, carrier] = events as [CollectorEvent, CollectorEvent];
    expect(first.data.token_usage).toBeUndefined();
    expect(carrier.emitted_at).toBe(first.emitted_at);
    expect(carrier.data).toEqual({
      author_role: 'assistant',
      message_type: 'response',
      content: '',
      model: 'm',
      token_usage: USAGE,
      usage_carrier: true,
      ...(over.stopReason ? { stop_reason: over.stopReason } : {}),
    });
    expect(carrier.event_hash).not.toBe(first.event_hash);
  });

  it('in a sub-agent thread the carrier is the agent', () => {
    const [, carrier] = map(
      msg({
        messageType: 'tool_result',
        authorRole: 'tool',
        toolUseId: 't',
        threadKey: 'agent-9',
        tokens: TOKENS,
      }),
    );
    expect(carrier?.data.author_role).toBe('agent');
    const [, sidechain] = map(
      msg({ messageType: 'thinking', authorRole: 'agent', threadKey: 'sidechain', tokens: TOKENS }),
    );
    expect(sidechain?.data.author_role).toBe('agent');
  });

  it('usage on a message row stays on that message: no carrier', () => {
    const e = one(msg({ messageType: 'prompt', authorRole: 'human', tokens: TOKENS }));
    expect(e.data.token_usage).toEqual(USAGE);
  });

  it('token counts are sent as integers', () => {
    const e = one(
      msg({
        messageType: 'response',
        authorRole: 'assistant',
        tokens: { input: 1.7, output: Number.NaN, cacheRead: 3, cacheCreation: 0 },
      }),
    );
    expect(e.data.token_usage).toEqual({
      input_tokens: 1,
      output_tokens: 0,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 0,
    });
  });
});

describe('raw_data, timestamps, sanitizing and size', () => {
  const line = {
    type: 'assistant',
    message: {
      content: [
        { type: 'thinking', thinking: 'hm', signature: 'SIG' },
        { type: 'redacted_thinking', data: 'ENC' },
      ],
    },
    payload: { type: 'reasoning', encrypted_content: 'gAAA' },
  };

  it('sends the raw line as an object only with send_raw_data, without opaque model state', () => {
    const m = msg({
      messageType: 'thinking',
      authorRole: 'assistant',
      content: 'hm',
      raw: Buffer.from(JSON.stringify(line)),
    });
    expect(one(m).data.raw_data).toBeUndefined();
    expect(one(m, RAW).data.raw_data).toEqual({
      type: 'assistant',
      message: { content: [{ type: 'thinking', thinking: 'hm' }, { type: 'redacted_thinking' }] },
      payload: { type: 'reasoning' },
    });
    expect(JSON.stringify(one(m, RAW))).not.toMatch(/SIG|ENC|gAAA/);
  });

  it('wraps a line that is not a JSON object, and flags a lossy decode', () => {
    expect(one(msg({ raw: Buffer.from('[1,2]') }), RAW).data.raw_data).toEqual({ line: '[1,2]' });
    expect(one(msg({ raw: Buffer.from('{"cut":') }), RAW).data.raw_data).toEqual({ line: '{"cut":' });
    expect(one(msg({ raw: Buffer.from('\uFEFF{"bom":1}') }), RAW).data.raw_data).toEqual({ bom: 1 });
    const bad = Buffer.concat([Buffer.from('{"t":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b"}')]);
    const e = one(msg({ raw: bad, rawIsUtf8: false }), RAW);
    expect(e.data.raw_data).toEqual({ t: 'a\uFFFD\uFFFDb' });
    expect(e.data.raw_data_lossy).toBe(true);
  });

  it('takes the row times, normalized to ISO UTC', () => {
    const e = one(msg({ emittedAt: '2026-02-24T10:00:02.123456Z', observedAt: '2026-02-24T12:00:00+02:00' }));
    expect(e.emitted_at).toBe('2026-02-24T10:00:02.123456Z');
    expect(e.observed_at).toBe('2026-02-24T10:00:00.000Z');
    const broken = one(msg({ emittedAt: 'garbage', observedAt: '2026-02-24T10:00:00.000Z' }));
    expect(broken.emitted_at).toBe('2026-02-24T10:00:00.000Z');
  });

  it('sanitizes every string and shrinks oversized events', () => {
    const e = one(msg({ content: 'a\u0000b\uD800', raw: Buffer.from('{"k\\u0000":"\\ud800"}') }), RAW);
    expect(e.data.content).toBe('a\uFFFDb\uFFFD');
    expect(e.data.raw_data).toEqual({ 'k\uFFFD': '\uFFFD' });
    const big = one(msg({ content: 'z'.repeat(200_000) }), { ...OPTS, maxEventBytes: 16 * 1024 });
    expect(eventBytes(big)).toBeLessThanOrEqual(16 * 1024);
    expect(big.data.truncated).toBe(true);
    expect(big.data.content).toMatch(/…\[truncated \d+ bytes\]$/);
  });
});

describe('session_start and session_end', () => {
  const session: LocalSession = {
    id: 'parent-1:agent-a1',
    assistant: 'claude',
    cwd: '/home/dev/project',
    gitBranch: 'main',
    assistantVersion: '2.1.114',
    parentSessionId: 'parent-1',
    slug: 'happy-otter',
    startedAt: '2026-04-18T13:20:36.811Z',
  };

  it('maps the session row, with the parent as a wire id', () => {
    const e = sessionStartEvent(
      { ...session, summaries: [{ summary: 's' }], compactionEvents: [{ trigger: 'auto' }] },
      '2026-05-01T00:00:00.000Z',
    );
    expect(validateEvent(e)).toEqual([]);
    expect(e).toMatchObject({
      type: 'session_start',
      emitted_at: session.startedAt,
      observed_at: '2026-05-01T00:00:00.000Z',
    });
    expect(e.data).toEqual({
      agent_type: 'claude-code',
      agent_version: '2.1.114',
      working_directory: '/home/dev/project',
      git_branch: 'main',
      parent_session_id: 'parent-1',
      slug: 'happy-otter',
      summaries: [{ summary: 's' }],
      compaction_events: [{ trigger: 'auto' }],
    });
  });

  it('omits unknown fields, falls back to observed_at and bounds agent_version', () => {
    const e = sessionStartEvent(
      {
        id: 'thread',
        assistant: 'codex',
        cwd: null,
        gitBranch: null,
        assistantVersion: `v${'😀'.repeat(60)}`,
        parentSessionId: 'a/b',
        slug: null,
        startedAt: null,
        summaries: [],
      },
      '2026-05-01T00:00:00.000Z',
    );
    expect(validateEvent(e)).toEqual([]);
    expect(e.emitted_at).toBe('2026-05-01T00:00:00.000Z');
    expect(e.data).toEqual({
      agent_type: 'codex',
      agent_version: `v${'😀'.repeat(49)}`,
      parent_session_id: wireSessionId('a/b'),
    });
  });

  it('session_end is a partial outcome at the given time', () => {
    const e = sessionEndEvent('2026-05-01T00:00:00.000Z', '2026-05-02T00:00:00.000Z', 'wire-1');
    expect(validateEvent(e)).toEqual([]);
    expect(e).toMatchObject({
      type: 'session_end',
      emitted_at: '2026-05-01T00:00:00.000Z',
      data: { outcome: 'partial' },
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

corpus.describe('the corpus, mapped', () => {
  let sync: TestSync;
  let rows: MessageRow[];
  let sessions: LocalSession[];

  beforeAll(async () => {
    sync = new TestSync(testConfig(linkCorpus()));
    await sync.run();
    rows = sync.db
      .prepare(
        `SELECT m.*, t.thread_key, r.raw, r.raw_is_utf8 FROM messages m
         JOIN records r ON r.id = m.record_id JOIN threads t ON t.id = m.thread_id ORDER BY m.session_id, m.seq`,
      )
      .all() as MessageRow[];
    const tracker = new SessionTracker(sync.db);
    const ids = sync.db.prepare('SELECT id FROM sessions ORDER BY id').pluck().all() as string[];
    sessions = ids.map((id) => tracker.session(id)!);
  });
  afterAll(() => sync.close());

  function mapAll(opts: MappingOptions): Map<string, CollectorEvent[]> {
    const bySession = new Map<string, CollectorEvent[]>();
    for (const s of sessions)
      bySession.set(s.id, [sessionStartEvent(s, '2026-12-01T00:00:00.000Z', opts.maxEventBytes)]);
    for (const r of rows)
      bySession
        .get(r.session_id)
        ?.push(...messageEvents(toLocalMessage(r), wireSessionId(r.session_id), opts));
    return bySession;
  }

  it.each([
    ['with raw_data', RAW],
    ['without raw_data', OPTS],
  ])('every event and every 50-event batch passes the validator (%s)', (_, opts) => {
    expect(rows.length).toBeGreaterThan(3000);
    const problems: string[] = [];
    let events = 0;
    for (const [id, list] of mapAll(opts)) {
      const wire = wireSessionId(id);
      events += list.length;
      for (let i = 0; i < list.length; i += 50) {
        for (const p of validateBatch(wire, list.slice(i, i + 50))) problems.push(`${id}: ${p}`);
      }
      // No two events of a session share a hash: the server would drop the later one.
      const hashes = list.map((e) => e.event_hash);
      if (new Set(hashes).size !== hashes.length) problems.push(`${id}: duplicate event_hash`);
    }
    expect(problems).toEqual([]);
    expect(events).toBeGreaterThan(rows.length);
  });

  it('every event fits in the default max_event_bytes; the huge image lines come out shrunk', () => {
    const bySession = mapAll(RAW);
    for (const list of bySession.values()) {
      for (const e of list) expect(eventBytes(e)).toBeLessThanOrEqual(DEFAULT_MAX_EVENT_BYTES);
    }
    const huge = rows.filter((r) => r.raw.length > DEFAULT_MAX_EVENT_BYTES);
    expect(huge.length).toBeGreaterThanOrEqual(1);
    expect(huge.some((r) => r.raw.length > 1_000_000)).toBe(true);
    for (const r of huge) {
      const [e] = messageEvents(toLocalMessage(r), wireSessionId(r.session_id), RAW);
      expect(e?.data.truncated).toBe(true);
      // The image went, the prompt text and (here) the rest of the raw line stayed.
      expect(JSON.stringify(e?.data.raw_data)).toMatch(/\[image image\/\w+ \d+ bytes omitted\]/);
      expect(e?.data.content).toBe(r.content ?? '');
    }
  });

  it('each response usage is sent exactly once: mapped token_usage sums to the responses table', () => {
    const sum = {
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    };
    let carriers = 0;
    for (const list of mapAll(OPTS).values()) {
      for (const e of list) {
        if (e.data.usage_carrier) carriers++;
        const u = e.data.token_usage as Record<keyof typeof sum, number> | undefined;
        if (e.type !== 'message' || !u) continue;
        for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += u[k];
      }
    }
    // A response whose anchor row was first stored under another session (the same record copied into two
    // files) is carried by that row, once; it is counted with the anchor's session.
    const expected = sync.db
      .prepare(
        `SELECT coalesce(sum(r.input),0) AS input_tokens, coalesce(sum(r.output),0) AS output_tokens,
           coalesce(sum(r.cache_read),0) AS cache_read_input_tokens,
           coalesce(sum(r.cache_creation),0) AS cache_creation_input_tokens
         FROM responses r JOIN messages m ON m.id = r.anchor_message_id AND m.session_id = r.session_id`,
      )
      .get();
    expect(sum).toEqual(expected);
    expect(carriers).toBeGreaterThan(0);
  });
});
