/**
 * Event hashes and wire ids (DESIGN.md §3.1, §3.3): stable across everything but identity, distinct per
 * (wire session, record identity, part), and session ids the server can store and address.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  derivedToolUseId,
  eventHash,
  HASH_PART,
  messageEvents,
  SESSION_IDENTITY,
  sessionEndEvent,
  sessionStartEvent,
  wireSessionId,
} from '../../src/collector/mapping.js';
import type { LocalMessage, LocalSession } from '../../src/collector/types.js';

const HEX32 = /^[0-9a-f]{32}$/;

describe('eventHash', () => {
  it('is pinned: changing it would republish every event under new hashes', () => {
    expect(eventHash('sess-1', 'claude:u1:0', HASH_PART.event)).toBe('5528432994a3c0f8ed7726c2d75c857d');
    expect(eventHash('sess-1', SESSION_IDENTITY, HASH_PART.sessionStart)).toBe(
      'c54c11cc5a28273f31295bfdbd9f8300',
    );
  });

  it('is 32 lowercase hex chars, the server limit', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: -2, max: 9 }), (w, id, part) => {
        expect(eventHash(w, id, part)).toMatch(HEX32);
      }),
    );
  });

  it('distinct (identity, part) in one session give distinct hashes', () => {
    const key = fc.tuple(fc.string({ unit: 'binary' }), fc.integer({ min: -2, max: 3 }));
    fc.assert(
      fc.property(
        fc.string(),
        fc.uniqueArray(key, { selector: (k) => `${k[1]}|${k[0]}`, maxLength: 30 }),
        (w, keys) => {
          const hashes = keys.map(([id, part]) => eventHash(w, id, part));
          expect(new Set(hashes).size).toBe(keys.length);
        },
      ),
    );
  });

  it('identities with newlines or lone surrogates cannot alias (the preimage is JSON-encoded)', () => {
    expect(eventHash('a\nb', 'c', 0)).not.toBe(eventHash('a', 'b\nc', 0));
    expect(eventHash('s', 'x\uD800', 0)).not.toBe(eventHash('s', 'x\uDBFF', 0));
    expect(eventHash('s', 'x\n0', 1)).not.toBe(eventHash('s', 'x', 0));
  });

  it('distinct wire sessions give distinct hashes for the same record', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, id) => {
        fc.pre(a !== b);
        expect(eventHash(a, id, 0)).not.toBe(eventHash(b, id, 0));
      }),
    );
  });

  it('refuses a part that is not a safe integer (NaN and Infinity would alias)', () => {
    expect(() => eventHash('s', 'i', Number.NaN)).toThrow(RangeError);
    expect(() => eventHash('s', 'i', 0.5)).toThrow(RangeError);
  });
});

describe('hashes of mapped events', () => {
  const base: LocalMessage = {
    id: 7,
    sessionId: 'sess',
    seq: 3,
    identity: 'claude:u1:2',
    threadKey: 'main',
    emittedAt: '2026-01-01T00:00:00.000Z',
    observedAt: '2026-01-02T00:00:00.000Z',
    messageType: 'tool_call',
    authorRole: 'assistant',
    content: null,
    toolName: 'Read',
    toolUseId: 'toolu_1',
    toolInput: '{"file_path":"/a"}',
    toolResult: null,
    isError: false,
    model: 'm',
    stopReason: null,
    tokens: { input: 1, output: 2, cacheRead: 3, cacheCreation: 4 },
    raw: Buffer.from('{"a":1}'),
    rawIsUtf8: true,
  };
  const opts = { maxEventBytes: 512 * 1024, sendRawData: true };

  it('depend only on wire session, identity and part: not seq, row id, times, raw line or content', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-01-01') }),
        fc.string(),
        (id, seq, when, text) => {
          const other: LocalMessage = {
            ...base,
            id,
            seq,
            emittedAt: when.toISOString(),
            observedAt: when.toISOString(),
            content: text,
            raw: Buffer.from(text),
            sessionId: 'some-local-name',
          };
          const hashes = (m: LocalMessage) => messageEvents(m, 'wire', opts).map((e) => e.event_hash);
          expect(hashes(other)).toEqual(hashes(base));
        },
      ),
    );
  });

  it('the event and its usage carrier use parts 0 and 1 of the record', () => {
    const [call, carrier] = messageEvents(base, 'wire', opts);
    expect(call?.event_hash).toBe(eventHash('wire', base.identity, HASH_PART.event));
    expect(carrier?.event_hash).toBe(eventHash('wire', base.identity, HASH_PART.usage));
  });

  it('session_start and session_end hash the wire id only', () => {
    const s: LocalSession = {
      id: 'sess',
      assistant: 'claude',
      cwd: null,
      gitBranch: null,
      assistantVersion: null,
      parentSessionId: null,
      slug: null,
      startedAt: null,
    };
    const a = sessionStartEvent(s, '2026-01-01T00:00:00Z');
    const b = sessionStartEvent(
      { ...s, cwd: '/x', startedAt: '2025-01-01T00:00:00Z' },
      '2027-01-01T00:00:00Z',
    );
    expect(a.event_hash).toBe(b.event_hash);
    expect(a.event_hash).toBe(eventHash('sess', '', HASH_PART.sessionStart));
    const end = sessionEndEvent('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'sess');
    expect(end.event_hash).toBe(eventHash('sess', '', HASH_PART.sessionEnd));
    expect(end.event_hash).not.toBe(a.event_hash);
  });
});

describe('derivedToolUseId', () => {
  it('is stable, distinct per identity and never empty', () => {
    expect(derivedToolUseId('claude:x:1')).toBe(derivedToolUseId('claude:x:1'));
    expect(derivedToolUseId('claude:x:1')).not.toBe(derivedToolUseId('claude:x:2'));
    expect(derivedToolUseId('')).toMatch(/^aiobscura-[0-9a-f]{24}$/);
  });
});

describe('wireSessionId', () => {
  const sha40 = (s: string) => `h:${createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 40)}`;

  it.each([
    ['a Claude session id', '0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f'],
    ['a Claude sub-agent id', '0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f:agent-a0ad4f44468bdf20d'],
    ['a Codex thread id', '019fc8be-0000-7000-8000-000000000001'],
    ['255 characters', 'x'.repeat(255)],
    ['255 astral characters (Postgres counts code points)', '😀'.repeat(255)],
    ['spaces, ? and #', 'a b?c#d'],
  ])('keeps %s', (_, id) => {
    expect(wireSessionId(id)).toBe(id);
  });

  it.each([
    ['an id with /', 'a/b'],
    ['the empty id', ''],
    ['256 characters', 'x'.repeat(256)],
    ['an id with NUL', 'a\u0000b'],
  ])('hashes %s', (_, id) => {
    expect(wireSessionId(id)).toBe(sha40(id));
  });

  it('hashes ill-formed ids without letting two of them collapse', () => {
    const a = wireSessionId('x\uD800');
    const b = wireSessionId('x\uDBFF');
    expect(a).toMatch(/^h:[0-9a-f]{40}$/);
    expect(a).not.toBe(b);
  });

  it('always yields an id the server accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (id) => {
        const w = wireSessionId(id);
        expect([...w].length).toBeGreaterThanOrEqual(1);
        expect([...w].length).toBeLessThanOrEqual(255);
        expect(w).not.toMatch(/[/\u0000]/);
      }),
    );
  });
});
