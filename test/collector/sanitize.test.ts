/**
 * Sanitizing (U+0000 and lone surrogates) and deterministic shrinking to `max_event_bytes` (DESIGN.md §3.2).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  eventBytes,
  REQUIRED_FIELDS,
  sanitizeEvent,
  sanitizeString,
  sanitizeValue,
  shrinkEvent,
  truncateString,
  validateEvent,
} from '../../src/collector/mapping.js';
import type { CollectorEvent } from '../../src/collector/types.js';

const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

function event(data: Record<string, unknown>, type: CollectorEvent['type'] = 'message'): CollectorEvent {
  return {
    type,
    emitted_at: '2026-01-01T00:00:00.000Z',
    observed_at: '2026-01-01T00:00:01.000Z',
    event_hash: '0123456789abcdef0123456789abcdef',
    data,
  };
}

const PNG_HEADER = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const png = (bytes: number) => Buffer.concat([PNG_HEADER, randomBytes(bytes - PNG_HEADER.length)]);

describe('sanitize', () => {
  it.each([
    ['NUL', 'a\u0000b', 'a\uFFFDb'],
    ['a lone high surrogate', 'a\uD83Db', 'a\uFFFDb'],
    ['a lone high surrogate at the end', 'ab\uD83D', 'ab\uFFFD'],
    ['a lone low surrogate', 'a\uDE00b', 'a\uFFFDb'],
    ['a low surrogate before a high one', '\uDE00\uD83D', '\uFFFD\uFFFD'],
    ['two high surrogates then a low one', '\uD83D\uD83D\uDE00', '\uFFFD😀'],
    ['a valid pair', 'smile 😀', 'smile 😀'],
    ['plain text', 'héllo €', 'héllo €'],
  ])('%s', (_, input, expected) => {
    expect(sanitizeString(input)).toBe(expected);
  });

  it('reaches every string of an event, keys included, without touching other values', () => {
    const e = event({
      content: 'x\u0000',
      'k\uD800': [1, true, null, { deep: ['\uDC00'] }],
      token_usage: { input_tokens: 3 },
    });
    const out = sanitizeEvent(e);
    expect(out.data).toEqual({
      content: 'x\uFFFD',
      'k\uFFFD': [1, true, null, { deep: ['\uFFFD'] }],
      token_usage: { input_tokens: 3 },
    });
    expect(e.data.content).toBe('x\u0000'); // the input is not mutated
  });

  it('leaves no bad unit behind, keeps well-formed text and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (any, good) => {
        const s = sanitizeString(any);
        expect(s).not.toMatch(BAD);
        expect(s.length).toBe(any.length);
        expect(sanitizeString(s)).toBe(s);
        if (!good.includes('\u0000')) expect(sanitizeString(good)).toBe(good);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.stringify(sanitizeValue(v))).not.toMatch(BAD);
      }),
    );
  });
});

describe('sanitizeValue copy on write', () => {
  it('returns a clean value itself, and copies only the path to a changed string without touching the input', () => {
    const clean = { a: ['x', { b: 'y' }], c: 1 };
    expect(sanitizeValue(clean)).toBe(clean);
    const dirty = { a: ['x', { b: 'y\u0000' }], c: { d: 'z' } };
    const before = JSON.stringify(dirty);
    const out = sanitizeValue(dirty) as typeof dirty;
    expect(JSON.stringify(dirty)).toBe(before);
    expect(out).toEqual({ a: ['x', { b: 'y\uFFFD' }], c: { d: 'z' } });
    expect(out).not.toBe(dirty);
    expect(out.a).not.toBe(dirty.a);
    expect(out.c).toBe(dirty.c);
  });

  it('rebuilds an object whose keys change, the later of two colliding keys winning', () => {
    const value = { 'k\u0000': 1, 'k\uFFFD': 2, other: 'v' };
    expect(sanitizeValue(value)).toEqual({ 'k\uFFFD': 2, other: 'v' });
    expect(Object.keys(value)).toHaveLength(3);
  });
});

describe('truncateString', () => {
  it('keeps a prefix, names the removed bytes and fits the JSON budget', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.integer({ min: 40, max: 600 }),
        (s, budget) => {
          const out = truncateString(s, budget);
          const m = /^([\s\S]*)…\[truncated (\d+) bytes\]$/.exec(out);
          expect(m).not.toBeNull();
          const kept = m?.[1] ?? '';
          expect(s.startsWith(kept)).toBe(true);
          expect(Number(m?.[2])).toBe(Buffer.byteLength(s) - Buffer.byteLength(kept));
          expect(jsonBytes(out)).toBeLessThanOrEqual(budget);
          expect(out).not.toMatch(BAD); // never splits a surrogate pair
        },
      ),
    );
  });

  it('counts JSON escapes, not just characters', () => {
    const out = truncateString('"\n\u0001'.repeat(100), 60);
    expect(jsonBytes(out)).toBeLessThanOrEqual(60);
  });
});

describe('shrinkEvent', () => {
  const LIMIT = 64 * 1024;

  it('returns an event that fits unchanged (the same object, no flag)', () => {
    const e = event({ author_role: 'human', message_type: 'prompt', content: 'hi' });
    expect(shrinkEvent(e, LIMIT)).toBe(e);
  });

  it('(a) replaces data: URLs, labelled base64 sources and bare base64 images, keeping raw_data when that suffices', () => {
    const img = png(40_000);
    const b64 = img.toString('base64');
    const e = event({
      author_role: 'human',
      message_type: 'prompt',
      content: 'look',
      parameters: { url: `data:image/png;base64,${b64}`, note: 'x' },
      raw_data: {
        message: {
          content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: b64 } }],
        },
        bare: b64,
        inText: `before ${b64} after`,
      },
    });
    const out = shrinkEvent(e, LIMIT);
    const placeholder = (t: string) => `[image ${t} ${img.length} bytes omitted]`;
    expect(out.data.parameters).toEqual({ url: placeholder('image/png'), note: 'x' });
    expect(out.data.raw_data).toEqual({
      message: {
        content: [
          {
            type: 'image',
            source: { type: 'base64', media_type: 'image/jpeg', data: placeholder('image/jpeg') },
          },
        ],
      },
      bare: placeholder('image/png'),
      inText: `before ${placeholder('image/png')} after`,
    });
    expect(out.data.content).toBe('look');
    expect(out.data.truncated).toBe(true);
    expect(eventBytes(out)).toBeLessThanOrEqual(LIMIT);
  });

  it('(a) leaves long text that is not clearly base64 alone (hex, prose, one-case runs)', () => {
    const hex = randomBytes(2000).toString('hex');
    const prose = 'All work and no play makes Jack a dull boy 123. '.repeat(100);
    const letters = 'abcdefgh'.repeat(300);
    const e = event({
      author_role: 'human',
      message_type: 'prompt',
      content: 'c',
      raw_data: { hex, prose, letters },
    });
    const out = shrinkEvent(e, 8 * 1024);
    // Nothing was base64, so raw_data had to go (b) instead.
    expect(out.data.raw_data).toBeUndefined();
    expect(out.data.content).toBe('c');
    const unknownB64 = randomBytes(3000).toString('base64');
    const e2 = event({ author_role: 'human', message_type: 'prompt', content: unknownB64 });
    expect(shrinkEvent(e2, 4096).data.content).toBe('[image unknown 3000 bytes omitted]');
  });

  it('(b) drops raw_data (and its lossy flag) before truncating anything', () => {
    const content = 'c'.repeat(3000);
    const e = event({
      author_role: 'human',
      message_type: 'prompt',
      content,
      raw_data: { text: 'r'.repeat(10_000) },
      raw_data_lossy: true,
    });
    const out = shrinkEvent(e, 4096);
    expect(out.data).toEqual({ author_role: 'human', message_type: 'prompt', content, truncated: true });
  });

  it('(c) truncates the longest strings first and keeps short ones whole', () => {
    const e = event(
      {
        tool_name: 'Bash',
        tool_use_id: 'toolu_1',
        parameters: { command: 'x'.repeat(20_000), description: 'short one' },
        result: 'y'.repeat(5000),
      },
      'tool_call',
    );
    const out = shrinkEvent(e, 16 * 1024);
    const params = out.data.parameters as Record<string, string>;
    expect(params.description).toBe('short one');
    expect(out.data.tool_name).toBe('Bash');
    expect(params.command).toMatch(/^x+…\[truncated \d+ bytes\]$/);
    expect(out.data.result === 'y'.repeat(5000)).toBe(true);
    expect(eventBytes(out)).toBeLessThanOrEqual(16 * 1024);
    expect(eventBytes(out)).toBeGreaterThan(16 * 1024 - 200); // it keeps as much as fits
    // With a tighter limit both long strings are cut to the same cap; the short ones still stay whole.
    const tight = shrinkEvent(e, 8 * 1024);
    const p2 = tight.data.parameters as Record<string, string>;
    expect(p2.description).toBe('short one');
    expect(tight.data.result).toMatch(/^y+…\[truncated \d+ bytes\]$/);
    expect(Math.abs(jsonBytes(p2.command) - jsonBytes(tight.data.result))).toBeLessThan(8);
  });

  it('(d) removes the largest optional fields when structure, not strings, is the bulk', () => {
    const parameters = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]));
    const e = event({ tool_name: 'T', tool_use_id: 'id', parameters }, 'tool_call');
    const out = shrinkEvent(e, 4096);
    expect(out.data).toEqual({ tool_name: 'T', tool_use_id: 'id', truncated: true });
  });

  // --- properties over arbitrary events -------------------------------------------------------------

  const bigString = fc
    .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 30_000 }))
    .map(([s, n]) => s.repeat(n));
  const image = fc
    .integer({ min: 100, max: 60_000 })
    .map((n) => `data:image/png;base64,${png(n + 16).toString('base64')}`);
  const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), bigString, image, fc.string({ unit: 'binary' }));
  const arbEvent = fc
    .record({
      type: fc.constantFrom(...EVENT_TYPES),
      extra: fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 8 }),
      required: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
      raw: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 5 }), { nil: undefined }),
    })
    .map(({ type, extra, required, raw }) => {
      const data: Record<string, unknown> = { ...extra };
      for (const k of REQUIRED_FIELDS[type] ?? []) data[k] = k === 'author_role' ? 'assistant' : required;
      delete data.agent_version;
      if (type === 'session_start') data.agent_type = 'codex';
      if (raw) data.raw_data = raw;
      return sanitizeEvent(event(data, type as CollectorEvent['type']));
    });
  const limit = fc.integer({ min: 4096, max: 96 * 1024 });

  it('always fits, is deterministic, flags every change and never mutates its input', () => {
    fc.assert(
      fc.property(arbEvent, limit, (e, max) => {
        const before = JSON.stringify(e);
        const out = shrinkEvent(e, max);
        expect(eventBytes(out)).toBeLessThanOrEqual(max);
        expect(JSON.stringify(e)).toBe(before);
        expect(JSON.stringify(shrinkEvent(JSON.parse(before), max))).toBe(JSON.stringify(out));
        if (Buffer.byteLength(before) <= max) expect(out).toBe(e);
        else expect(out.data.truncated).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the event valid: required fields stay present and non-empty', () => {
    fc.assert(
      fc.property(arbEvent, limit, (e, max) => {
        const before = validateEvent(e).filter((p) => !p.startsWith('data.'));
        const out = shrinkEvent(e, max);
        expect(validateEvent(out).filter((p) => !p.includes('must be'))).toEqual(before);
        for (const k of REQUIRED_FIELDS[out.type] ?? []) expect(out.data[k]).toBeTruthy();
      }),
      { numRuns: 100 },
    );
  });
});
