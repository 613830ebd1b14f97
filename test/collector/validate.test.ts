/**
 * The pre-send validator against each rule of catsyphon-contract.md §5 (422s and the "beyond the schema"
 * 500s), using the contract's own examples and bad values.
 */
import { describe, expect, it } from 'vitest';
import { validateBatch, validateEvent } from '../../src/collector/mapping.js';
import type { CollectorEvent } from '../../src/collector/types.js';

const at = '2026-02-24T10:00:02Z';

function ev(type: string, data: unknown, extra: Record<string, unknown> = {}): CollectorEvent {
  return { type, emitted_at: at, observed_at: at, data, ...extra } as CollectorEvent;
}

/** The request example of contract §5 and the test vectors of §7: all must pass. */
const CONTRACT_EXAMPLES: CollectorEvent[] = [
  ev('session_start', {
    agent_type: 'claude-code',
    agent_version: '1.0.45',
    working_directory: '/home/dev/project',
    git_branch: 'main',
  }),
  ev(
    'message',
    { author_role: 'human', message_type: 'prompt', content: 'Implement auth' },
    { event_hash: '13c9fc4b072646f73c7273a29d0ab99a' },
  ),
  ev('message', {
    author_role: 'assistant',
    message_type: 'response',
    content: 'Sure.',
    model: 'claude-sonnet-4',
    token_usage: { input_tokens: 1500, output_tokens: 250 },
    thinking_content: 'Let me think',
    stop_reason: 'end_turn',
  }),
  ev('tool_call', {
    tool_name: 'Read',
    tool_use_id: 'toolu_1',
    parameters: { file_path: '/home/dev/project/auth.py' },
  }),
  ev('tool_result', { tool_use_id: 'toolu_1', success: true, result: 'contents' }),
  ev('error', { error_type: 'rate_limit', message: 'slow down' }),
  {
    ...ev('message', { author_role: 'human', message_type: 'prompt', content: 'naive' }),
    emitted_at: '2026-02-24T10:00:02',
  },
  {
    ...ev('message', { author_role: 'human', message_type: 'prompt', content: 'ms' }),
    emitted_at: '2026-02-24T10:00:05.123Z',
  },
  {
    ...ev('message', { author_role: 'human', message_type: 'prompt', content: 'offset' }),
    emitted_at: '2026-02-24T10:00:05+05:30',
  },
  ev('session_end', { outcome: 'success', summary: 'done', files_touched: ['a.py'], plans: [{ a: 1 }] }),
  ev('thinking', { content: 'hmm' }),
  ev('metadata', {}),
];

describe('validateEvent', () => {
  it.each(CONTRACT_EXAMPLES.map((e, i) => [i, e.type, e] as const))(
    'accepts contract example %i (%s)',
    (_, __, e) => {
      expect(validateEvent(e)).toEqual([]);
    },
  );

  it.each<[string, CollectorEvent, string]>([
    // 500 "beyond the schema"
    [
      'author_role "user"',
      ev('message', { author_role: 'user', message_type: 'prompt' }),
      'data.author_role',
    ],
    [
      'author_role on a tool_result',
      ev('tool_result', { tool_use_id: 't', author_role: 'model' }),
      'data.author_role',
    ],
    ['agent_type of 51 chars', ev('session_start', { agent_type: 'a'.repeat(51) }), 'data.agent_type'],
    [
      'agent_version of 51 chars',
      ev('session_start', { agent_type: 'codex', agent_version: '1'.repeat(51) }),
      'data.agent_version',
    ],
    [
      'NUL in content',
      ev('message', { author_role: 'human', message_type: 'prompt', content: 'a\u0000' }),
      'data.content',
    ],
    ['a lone surrogate in a key', ev('metadata', { 'k\uD800': 1 }), 'key'],
    // 422 envelope
    ['a numeric type', ev(7 as unknown as string, {}), 'type'],
    ['an unknown type', ev('note', {}), 'type'],
    ['garbage emitted_at', { ...ev('thinking', {}), emitted_at: 'yesterday' }, 'emitted_at'],
    ['month 13', { ...ev('thinking', {}), emitted_at: '2026-13-01T00:00:00Z' }, 'emitted_at'],
    ['30 February', { ...ev('thinking', {}), observed_at: '2026-02-30T00:00:00Z' }, 'observed_at'],
    [
      'a missing observed_at',
      { ...ev('thinking', {}), observed_at: undefined as unknown as string },
      'observed_at',
    ],
    ['a 33-char event_hash', ev('thinking', {}, { event_hash: 'a'.repeat(33) }), 'event_hash'],
    ['data as an array', ev('thinking', []), 'data'],
    ['data null', ev('thinking', null), 'data'],
    ['sequence 0', ev('thinking', {}, { sequence: 0 }), 'sequence'],
    // 422 typed fields
    [
      'token_usage 1.5',
      ev('message', {
        author_role: 'assistant',
        message_type: 'response',
        token_usage: { input_tokens: 1.5 },
      }),
      'data.token_usage.input_tokens',
    ],
    [
      'token_usage nested',
      ev('message', {
        author_role: 'assistant',
        message_type: 'response',
        token_usage: { input_tokens: { n: 1 } },
      }),
      'data.token_usage.input_tokens',
    ],
    [
      'token_usage not an object',
      ev('message', { author_role: 'assistant', message_type: 'response', token_usage: 5 }),
      'data.token_usage',
    ],
    ['result as an object', ev('tool_result', { tool_use_id: 't', result: { a: 1 } }), 'data.result'],
    [
      'content as an object',
      ev('message', { author_role: 'human', message_type: 'prompt', content: { text: 'x' } }),
      'data.content',
    ],
    ['success as a string', ev('tool_result', { tool_use_id: 't', success: 'yes' }), 'data.success'],
    [
      'parameters as a string',
      ev('tool_call', { tool_name: 'T', tool_use_id: 't', parameters: 'x' }),
      'data.parameters',
    ],
    ['raw_data as an array', ev('thinking', { raw_data: [1] }), 'data.raw_data'],
    [
      'summaries of strings',
      ev('session_start', { agent_type: 'codex', summaries: ['s'] }),
      'data.summaries',
    ],
    [
      'compaction_events as an object',
      ev('session_start', { agent_type: 'codex', compaction_events: {} }),
      'data.compaction_events',
    ],
    [
      'files_touched of numbers',
      ev('session_end', { outcome: 'partial', files_touched: [1] }),
      'data.files_touched',
    ],
    [
      'total_messages 1.5',
      ev('session_end', { outcome: 'partial', total_messages: 1.5 }),
      'data.total_messages',
    ],
    // 422 per-type required fields
    ['session_start without agent_type', ev('session_start', { agent_version: '1' }), 'data.agent_type'],
    ['message without author_role', ev('message', { message_type: 'prompt' }), 'data.author_role'],
    [
      'message with an empty message_type',
      ev('message', { author_role: 'human', message_type: '' }),
      'data.message_type',
    ],
    ['tool_call without tool_name', ev('tool_call', { tool_use_id: 't' }), 'data.tool_name'],
    [
      'tool_call with a null tool_use_id',
      ev('tool_call', { tool_name: 'T', tool_use_id: null }),
      'data.tool_use_id',
    ],
    ['tool_result without tool_use_id', ev('tool_result', { result: 'x' }), 'data.tool_use_id'],
    ['session_end without outcome', ev('session_end', {}), 'data.outcome'],
  ])('rejects %s', (_, e, field) => {
    const problems = validateEvent(e);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.includes(field))).toBe(true);
  });

  it('accepts the boundaries: 50-char agent fields, a 32-char hash, null typed fields, every author role', () => {
    expect(
      validateEvent(
        ev(
          'session_start',
          { agent_type: 'a'.repeat(50), agent_version: '😀'.repeat(50), slug: null },
          { event_hash: 'f'.repeat(32) },
        ),
      ),
    ).toEqual([]);
    for (const role of ['human', 'caller', 'assistant', 'agent', 'tool', 'system']) {
      expect(
        validateEvent(ev('message', { author_role: role, message_type: 'context', content: '' })),
      ).toEqual([]);
    }
  });
});

describe('validateBatch', () => {
  const ok = ev('thinking', { content: 'x' });
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...ok, event_hash: `h${i}` }));

  it('accepts the contract example batch', () => {
    expect(validateBatch('research-session-001', CONTRACT_EXAMPLES.slice(0, 2))).toEqual([]);
  });

  it.each<[string, string, CollectorEvent[], string]>([
    ['an empty batch', 's', [], 'events'],
    ['51 events', 's', many(51), 'events'],
    ['a 256-char session id', 'x'.repeat(256), [ok], 'session_id'],
    ['an empty session id', '', [ok], 'session_id'],
    ['a session id with /', 'a/b', [ok], 'session_id'],
    ['a session id with NUL', 'a\u0000', [ok], 'session_id'],
    [
      'two events with one hash',
      's',
      [
        { ...ok, event_hash: 'h' },
        { ...ok, event_hash: 'h' },
      ],
      'events[1].event_hash',
    ],
    [
      'a bad event',
      's',
      [ok, ev('message', { author_role: 'user', message_type: 'prompt' })],
      'events[1].data.author_role',
    ],
  ])('rejects %s', (_, sid, events, field) => {
    const problems = validateBatch(sid, events);
    expect(problems.some((p) => p.includes(field))).toBe(true);
  });

  it('accepts 50 events and a 255-char session id', () => {
    expect(validateBatch('x'.repeat(255), many(50))).toEqual([]);
    expect(validateBatch('😀'.repeat(255), [ok])).toEqual([]);
  });
});
