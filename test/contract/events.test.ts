/** Contract §5–§8: batch validation, the beyond-the-schema 500s, the hash fallback, dedup and last_sequence. */

import { expect, it } from 'vitest';
import type { Credentials } from '../support/catsyphon/index.js';
import { needs } from '../support/shared.js';
import {
  authHeaders,
  call,
  MESSAGE,
  msg,
  postJson,
  type Res,
  SESSION_START,
  sid,
  useServer,
} from './helpers.js';

const openapi = needs('catsyphon-openapi');

const srv = useServer();
let cred: Credentials | undefined;
function c(): Credentials {
  cred ??= srv.s.admin.registerCollector();
  return cred;
}
const post = (body: unknown): Promise<Res> =>
  postJson(`${srv.s.url}/collectors/events`, body, authHeaders(c()));
const details = (r: Res) => (r.json as { detail: Record<string, unknown>[] }).detail;

openapi.describe('§5 envelope validation', () => {
  it('0 events → 422 too_short; 51 → too_long', async () => {
    const zero = await post({ session_id: sid(), events: [] });
    expect(zero.status).toBe(422);
    expect(zero.json).toEqual({
      detail: [
        {
          type: 'too_short',
          loc: ['body', 'events'],
          msg: 'List should have at least 1 item after validation, not 0',
          input: [],
          ctx: { field_type: 'List', min_length: 1, actual_length: 0 },
        },
      ],
    });
    const events = Array.from({ length: 51 }, (_, i) => msg(i));
    const many = await post({ session_id: sid(), events });
    expect(many.status).toBe(422);
    expect(details(many)).toMatchObject([
      {
        type: 'too_long',
        loc: ['body', 'events'],
        msg: 'List should have at most 50 items after validation, not 51',
      },
    ]);
    const fifty = await post({ session_id: sid(), events: events.slice(0, 50) });
    expect(fifty.status).toBe(202);
    expect(fifty.json).toMatchObject({ accepted: 50, last_sequence: 50 });
  });

  it('a 33-char event_hash → 422 string_too_long; 32 chars of anything is trusted', async () => {
    const long = await post({ session_id: sid(), events: [{ ...MESSAGE, event_hash: 'a'.repeat(33) }] });
    expect(long.status).toBe(422);
    expect(long.json).toEqual({
      detail: [
        {
          type: 'string_too_long',
          loc: ['body', 'events', 0, 'event_hash'],
          msg: 'String should have at most 32 characters',
          input: 'a'.repeat(33),
          ctx: { max_length: 32 },
        },
      ],
    });
    const ok = await post({
      session_id: sid(),
      events: [{ ...MESSAGE, event_hash: 'not hex, but 32 characters long!' }],
    });
    expect(ok.status).toBe(202);
  });

  it('missing fields, garbage datetimes and wrong types name their path', async () => {
    const r = await post({
      session_id: sid(),
      events: [
        { type: 'message', data: {} },
        { ...MESSAGE, emitted_at: 'garbage' },
        {
          ...MESSAGE,
          data: { ...MESSAGE.data, token_usage: { input_tokens: 1.5, nested: { a: 1 } }, content: 5 },
        },
        { ...MESSAGE, data: 'x' },
      ],
    });
    expect(r.status).toBe(422);
    const d = details(r);
    expect(d.map((e) => [e.type, e.loc])).toEqual([
      ['missing', ['body', 'events', 0, 'emitted_at']],
      ['missing', ['body', 'events', 0, 'observed_at']],
      ['datetime_from_date_parsing', ['body', 'events', 1, 'emitted_at']],
      ['string_type', ['body', 'events', 2, 'data', 'content']],
      ['int_from_float', ['body', 'events', 2, 'data', 'token_usage', 'input_tokens']],
      ['int_type', ['body', 'events', 2, 'data', 'token_usage', 'nested']],
      ['model_attributes_type', ['body', 'events', 3, 'data']],
    ]);
    expect(d[0]).toEqual({
      type: 'missing',
      loc: ['body', 'events', 0, 'emitted_at'],
      msg: 'Field required',
      input: { type: 'message', data: {} },
    });
    expect(d[2]).toMatchObject({
      msg: 'Input should be a valid datetime or date, input is too short',
      input: 'garbage',
    });
    expect(d[4]).toMatchObject({
      msg: 'Input should be a valid integer, got a number with a fractional part',
      input: 1.5,
    });
  });

  it('lax coercions: token_usage "7" and 7.0 → 7, success "true" → true (visible in the stored data)', async () => {
    const session = sid();
    const r = await post({
      session_id: session,
      events: [
        {
          ...MESSAGE,
          event_hash: null,
          data: {
            ...MESSAGE.data,
            token_usage: { a: '7', b: 7.0 },
            total_messages: '3',
            extra: null,
            kept: { n: null },
          },
        },
        {
          type: 'tool_result',
          emitted_at: 1771927208,
          observed_at: '2026-02-24T10:00:08Z',
          data: { tool_use_id: 't', success: 'true', result: 'x' },
        },
      ],
    });
    expect(r.status).toBe(202);
    const rows = srv.s.admin.rows(session);
    expect(rows[0]?.data).toEqual({
      ...MESSAGE.data,
      token_usage: { a: 7, b: 7 },
      total_messages: 3,
      kept: { n: null },
    });
    expect(rows[1]?.data).toEqual({ tool_use_id: 't', success: true, result: 'x' });
    expect(rows[1]?.emittedAt).toBe('2026-02-24T10:00:08+00:00');
  });

  const perType: [string, Record<string, unknown>, string][] = [
    ['session_start', {}, 'session_start events require agent_type in data'],
    ['session_start', { agent_type: '' }, 'session_start events require agent_type in data'],
    ['message', { message_type: 'prompt' }, 'message events require author_role in data'],
    ['message', { author_role: 'human' }, 'message events require message_type in data'],
    ['tool_call', { tool_use_id: 't' }, 'tool_call events require tool_name in data'],
    ['tool_call', { tool_name: 'Read' }, 'tool_call events require tool_use_id in data'],
    ['tool_result', { result: 'x' }, 'tool_result events require tool_use_id in data'],
    ['session_end', {}, 'session_end events require outcome in data'],
  ];
  it.each(perType)('%s with data %j → 422 value_error', async (type, data, message) => {
    const event = { type, emitted_at: '2026-02-24T10:00:00Z', observed_at: '2026-02-24T10:00:01Z', data };
    const r = await post({ session_id: sid(), events: [MESSAGE, event] });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({
      detail: [
        {
          type: 'value_error',
          loc: ['body', 'events', 1],
          msg: `Value error, ${message}`,
          input: event,
          ctx: { error: {} },
        },
      ],
    });
  });

  it('thinking, error, metadata and unknown types need nothing and are accepted', async () => {
    const base = { emitted_at: '2026-02-24T10:00:00Z', observed_at: '2026-02-24T10:00:01Z', data: {} };
    const session = sid();
    const r = await post({
      session_id: session,
      events: ['thinking', 'error', 'metadata', 'something_new'].map((type) => ({ ...base, type })),
    });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ accepted: 4, last_sequence: 4, warnings: [] });
    expect(srv.s.admin.rows(session).map((x) => x.type)).toEqual(['thinking', 'error']);
  });
});

openapi.describe('§5 beyond the schema: 500 and nothing stored', () => {
  it('author_role "user" → 500 with the enum error, nothing from the batch stored', async () => {
    const session = sid();
    const before = srv.s.admin.rows().length;
    const r = await post({
      session_id: session,
      events: [
        SESSION_START,
        MESSAGE,
        { ...msg(7), data: { author_role: 'user', message_type: 'prompt', content: 'x' } },
      ],
    });
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.json).toEqual({ detail: "'user' is not a valid AuthorRole" });
    expect(srv.s.admin.rows().length).toBe(before);
    const status = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(c()) });
    expect(status.status).toBe(404);
    expect(status.json).toEqual({ detail: `No events received for session ${session}` });
  });

  it('author_role is checked on every stored type (tool_call too), not on session_start', async () => {
    const bad = await post({
      session_id: sid(),
      events: [
        { ...msg(1), type: 'tool_call', data: { tool_name: 'R', tool_use_id: 't', author_role: 'bot' } },
      ],
    });
    expect([bad.status, bad.json]).toEqual([500, { detail: "'bot' is not a valid AuthorRole" }]);
    const fine = await post({
      session_id: sid(),
      events: [{ ...SESSION_START, data: { ...SESSION_START.data, author_role: 'user' } }],
    });
    expect(fine.status).toBe(202);
  });

  it('session_id > 255 chars and agent_type / agent_version > 50 chars → 500 value too long', async () => {
    const prefix = '(psycopg2.errors.StringDataRightTruncation) value too long';
    const longId = await post({ session_id: 'x'.repeat(256), events: [SESSION_START] });
    expect(longId.status).toBe(500);
    expect((longId.json as { detail: string }).detail.startsWith(prefix)).toBe(true);
    expect((await post({ session_id: 'x'.repeat(255), events: [SESSION_START] })).status).toBe(202);
    const agent = await post({
      session_id: sid(),
      events: [{ ...SESSION_START, data: { agent_type: 'a'.repeat(51) } }],
    });
    expect(agent.status).toBe(500);
    expect((agent.json as { detail: string }).detail.startsWith(prefix)).toBe(true);
    const version = await post({
      session_id: sid(),
      events: [{ ...SESSION_START, data: { agent_type: 'codex', agent_version: 'v'.repeat(51) } }],
    });
    expect(version.status).toBe(500);
  });
});

openapi.describe('§7 server hash fallback (the six vectors)', () => {
  const vectors: [string, string | number, Record<string, unknown>, string][] = [
    [
      'message',
      '2026-02-24T10:00:02Z',
      { author_role: 'human', message_type: 'prompt', content: 'Implement auth' },
      '13c9fc4b072646f73c7273a29d0ab99a',
    ],
    [
      'message',
      '2026-02-24T10:00:05.123Z',
      {
        author_role: 'assistant',
        message_type: 'response',
        content: 'Sure.',
        model: 'claude-sonnet-4',
        token_usage: { input_tokens: 1500, output_tokens: 250 },
        thinking_content: 'Let me think',
        stop_reason: 'end_turn',
      },
      '75d8ea85ea4aaee745397db321f0faf7',
    ],
    [
      'tool_call',
      '2026-02-24T10:00:07Z',
      { tool_name: 'Read', tool_use_id: 'toolu_1', parameters: { file_path: '/home/dev/project/auth.py' } },
      '792df8e3196aedd9229f590adc2854e3',
    ],
    [
      'tool_result',
      '2026-02-24T10:00:08Z',
      { tool_use_id: 'toolu_1', success: true, result: 'contents' },
      'e34bfbe94782b0ec0ba2a93dc9f17f94',
    ],
    [
      'error',
      '2026-02-24T10:00:10Z',
      { error_type: 'rate_limit', message: 'slow down' },
      '1ae9321ba575c1266ddb0620617a090e',
    ],
    [
      'message',
      '2026-02-24T10:00:02',
      { author_role: 'human', message_type: 'prompt', content: 'naive' },
      '4e214b26bf551f5ff5d23f1357cc37be',
    ],
  ];

  it.each(vectors)('%s at %s stores the table hash', async (type, emitted_at, data, hash) => {
    const session = sid('hash');
    const r = await post({
      session_id: session,
      events: [{ type, emitted_at, observed_at: '2026-02-24T10:00:11Z', data }],
    });
    expect(r.status).toBe(202);
    const rows = srv.s.admin.rows(session);
    expect(rows.map((x) => [x.hash, x.hashSource])).toEqual([[hash, 'server']]);
  });

  it('absent, null and "" hashes all fall back; nulls at the top level are dropped; unix seconds hash like +00:00', async () => {
    const data = { author_role: 'human', message_type: 'prompt', content: 'Implement auth' };
    const base = { type: 'message', observed_at: '2026-02-24T10:00:11Z' };
    for (const [i, variant] of [
      { ...base, emitted_at: '2026-02-24T10:00:02Z', event_hash: null, data: { ...data, model: null } },
      { ...base, emitted_at: '2026-02-24T10:00:02Z', event_hash: '', data },
      { ...base, emitted_at: 1771927202, data },
      { ...base, emitted_at: '2026-02-24T10:00:02.000Z', data },
    ].entries()) {
      const session = sid(`fallback${i}`);
      expect((await post({ session_id: session, events: [variant] })).status).toBe(202);
      expect(srv.s.admin.rows(session)[0]?.hash).toBe('13c9fc4b072646f73c7273a29d0ab99a');
    }
  });
});

openapi.describe('§7–§8 dedup, accepted and last_sequence', () => {
  it('a hash already stored in the session → accepted 0, last_sequence unchanged; another session stores it', async () => {
    const session = sid('dup');
    const first = await post({ session_id: session, events: [SESSION_START, MESSAGE] });
    expect(first.json).toMatchObject({ accepted: 2, last_sequence: 2, warnings: [] });
    const conv = (first.json as { conversation_id: string }).conversation_id;
    const again = await post({ session_id: session, events: [MESSAGE] });
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ accepted: 0, last_sequence: 2, conversation_id: conv, warnings: [] });
    // the hash is trusted: different content with a used hash is dropped too
    const other = await post({
      session_id: session,
      events: [{ ...msg(3), event_hash: MESSAGE.event_hash }],
    });
    expect(other.json).toMatchObject({ accepted: 0, last_sequence: 2 });
    expect(srv.s.admin.rows(session)).toHaveLength(1);
    const elsewhere = await post({ session_id: sid('dup-other'), events: [MESSAGE] });
    expect(elsewhere.json).toMatchObject({ accepted: 1 });
    expect(srv.s.admin.counters().duplicatesDropped).toBeGreaterThanOrEqual(2);
  });

  it('an in-batch duplicate is stored twice (accepted 2)', async () => {
    const session = sid('inbatch');
    const r = await post({ session_id: session, events: [MESSAGE, MESSAGE] });
    expect(r.json).toMatchObject({ accepted: 2, last_sequence: 2 });
    const rows = srv.s.admin.rows(session);
    expect(rows.map((x) => x.hash)).toEqual([MESSAGE.event_hash, MESSAGE.event_hash]);
    const status = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(c()) });
    expect(status.json).toMatchObject({ last_sequence: 2, event_count: 2 });
  });

  it('a re-posted session_start (and session_end, metadata) is counted again', async () => {
    const session = sid('restart');
    const end = {
      type: 'session_end',
      emitted_at: '2026-02-24T10:05:00Z',
      observed_at: '2026-02-24T10:05:00Z',
      data: { outcome: 'success' },
    };
    const meta = {
      type: 'metadata',
      emitted_at: '2026-02-24T10:05:01Z',
      observed_at: '2026-02-24T10:05:01Z',
      data: { k: 1 },
    };
    const events = [SESSION_START, MESSAGE, msg(9), end, meta];
    const a = await post({ session_id: session, events });
    expect(a.json).toMatchObject({ accepted: 5, last_sequence: 5 });
    const b = await post({ session_id: session, events });
    expect(b.json).toMatchObject({ accepted: 3, last_sequence: 8 });
    const status = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(c()) });
    expect(status.json).toMatchObject({ last_sequence: 8, event_count: 2, status: 'completed' });
  });

  it('events are ordered by emitted_at (stable) and the earliest event opens the conversation', async () => {
    const session = sid('order');
    const r = await post({
      session_id: session,
      events: [msg(30), msg(10), { ...msg(10), event_hash: 'second-with-same-time' }],
    });
    expect(r.status).toBe(202);
    expect(srv.s.admin.rows(session).map((x) => x.hash)).toEqual([
      msg(10).event_hash,
      'second-with-same-time',
      msg(30).event_hash,
    ]);
    const conv = srv.s.admin.conversation(session);
    expect(conv?.firstEventAt).toBe('2026-02-24T10:00:10Z');
    expect(conv?.agentType).toBe('unknown');
  });
});
