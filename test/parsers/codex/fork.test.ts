/**
 * A forked rollout replays its parent's history at the top. The replayed copies must hash like the parent's
 * own records (so the store can drop them) while new records stay distinct and belong to the fork.
 */
import { describe, expect, it } from 'vitest';
import { linesFrom, parseLines } from './helpers.js';

const PARENT = '019c0000-0000-7000-8000-00000000000a';
const CHILD = '019c0000-0000-7000-8000-00000000000b';
const ctxOf = (id: string) => ({
  path: `/s/rollout-2026-03-01T10-00-00-${id}.jsonl`,
  assistant: 'codex' as const,
  role: 'main' as const,
  stem: `rollout-2026-03-01T10-00-00-${id}`,
});

/** Parent history as payloads; each file wraps them with its own timestamps and ordinals. */
const history: Array<[string, Record<string, unknown>]> = [
  ['turn_context', { model: 'gpt-5.5', cwd: '/repo' }],
  ['event_msg', { type: 'user_message', message: 'fix the bug' }],
  [
    'response_item',
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the bug' }] },
  ],
  ['response_item', { type: 'reasoning', summary: [{ type: 'summary_text', text: 'looking' }] }],
  ['response_item', { type: 'function_call', name: 'shell', arguments: '{"cmd":"ls"}', call_id: 'c1' }],
  ['response_item', { type: 'function_call_output', call_id: 'c1', output: 'a.txt' }],
  [
    'response_item',
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'fixed' }] },
  ],
  [
    'event_msg',
    {
      type: 'token_count',
      info: { total_token_usage: { input_tokens: 500, cached_input_tokens: 100, output_tokens: 50 } },
    },
  ],
];
const wrap = (rows: Array<[string, unknown]>, hour: string, firstOrdinal: number) =>
  rows.map(([type, payload], i) => ({
    timestamp: `2026-03-01T${hour}:00:${String(i).padStart(2, '0')}.000Z`,
    ordinal: firstOrdinal + i,
    type,
    payload,
  }));

const parentMeta: [string, unknown] = ['session_meta', { id: PARENT, cwd: '/repo' }];
const childMeta: [string, unknown] = ['session_meta', { id: CHILD, cwd: '/repo', forked_from_id: PARENT }];
const newRows: Array<[string, unknown]> = [
  ['event_msg', { type: 'user_message', message: 'now add a test' }],
  [
    'response_item',
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'added' }] },
  ],
  [
    'event_msg',
    {
      type: 'token_count',
      info: { total_token_usage: { input_tokens: 80, cached_input_tokens: 20, output_tokens: 9 } },
    },
  ],
];

function parent() {
  return parseLines(linesFrom(wrap([parentMeta, ...history], '10', 0)), ctxOf(PARENT));
}

function child(withOwnMetaAgain: boolean) {
  const rows = [childMeta, parentMeta, ...history, ...(withOwnMetaAgain ? [childMeta] : []), ...newRows];
  return parseLines(linesFrom(wrap(rows, '11', 0)), ctxOf(CHILD));
}

describe('forked rollout', () => {
  it('marks replayed messages with the parent thread and the parent content keys', () => {
    const p = parent().outs.flatMap((o) => o.messages);
    const c = child(true);
    const msgs = c.outs.flatMap((o) => o.messages);
    const replayed = msgs.filter((m) => m.replayOf);
    expect(replayed.map((m) => m.replayOf?.contentKey)).toEqual(p.map((m) => m.contentKey));
    expect(replayed.every((m) => m.replayOf?.threadKey === PARENT && m.sessionKey === CHILD)).toBe(true);
    expect(replayed.map((m) => m.contentKey)).toEqual(p.map((m) => m.contentKey));
    // Identities are the fork's own, so the store can keep them apart from the parent's.
    expect(replayed.every((m) => m.identity.startsWith(`codex:${CHILD}:`))).toBe(true);
    const fresh = msgs.filter((m) => !m.replayOf);
    expect(fresh.map((m) => [m.messageType, m.content])).toEqual([
      ['prompt', 'now add a test'],
      ['response', 'added'],
    ]);
  });

  it('keeps the fork a root session: forked_from_id is not a parent', () => {
    const c = child(true);
    const sessions = c.outs.flatMap((o) => o.sessions);
    expect(sessions.every((s) => s.sessionKey === CHILD)).toBe(true);
    expect(sessions.some((s) => s.parentSessionKey)).toBe(false);
  });

  it('does not count replayed usage, and counts the restarted total of the fork', () => {
    const usage = child(true).outs.flatMap((o) => o.usage);
    expect(usage.map((u) => u.tokens)).toEqual([{ input: 60, cacheRead: 20, output: 9, cacheCreation: 0 }]);
    expect(usage[0]?.responseKey.startsWith(`codex:${CHILD}:t`)).toBe(true);
  });

  it('without a closing own meta, new records stay in the replayed section but hash differently', () => {
    const p = new Set(parent().outs.flatMap((o) => o.messages.map((m) => m.contentKey)));
    const c = child(false);
    const msgs = c.outs.flatMap((o) => o.messages);
    const fresh = msgs.filter((m) => !p.has(m.replayOf?.contentKey ?? ''));
    expect(fresh.map((m) => m.content)).toEqual(['now add a test', 'added']);
    // The fork's own total dropped below the replayed one, so it is counted all the same.
    expect(c.outs.flatMap((o) => o.usage).map((u) => u.tokens.output)).toEqual([9]);
  });
});
