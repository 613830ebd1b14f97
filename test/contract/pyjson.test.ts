/** The Python emulation behind the hash fallback: json.loads number kinds, json.dumps, float repr, isoformat. */

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoformat, parseDatetime } from '../support/catsyphon/datetime.js';
import { dumpsSorted, PyFloat, parsePyJson, pyFloatRepr } from '../support/catsyphon/pyjson.js';
import { needs } from '../support/shared.js';
import { authHeaders, call, JSON_CT, useServer } from './helpers.js';

const openapi = needs('catsyphon-openapi');

const srv = useServer();

describe('Python json emulation', () => {
  it('float repr matches CPython', () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [-0, '-0.0'],
      [0.1, '0.1'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [2.5e-7, '2.5e-07'],
      [1.5e300, '1.5e+300'],
      [123456789.123, '123456789.123'],
      [5e-324, '5e-324'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ];
    for (const [x, want] of cases) expect(pyFloatRepr(x)).toBe(want);
  });

  it('float repr round-trips and agrees with JS where both are positional', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Number(pyFloatRepr(x))).toBe(x);
        const a = Math.abs(x);
        if (!Number.isInteger(x) && a >= 1e-4 && a < 1e16) expect(pyFloatRepr(x)).toBe(String(x));
      }),
    );
  });

  it('json.loads keeps float-ness and big ints; json.dumps(sort_keys=True) prints them like Python', () => {
    const v = parsePyJson(
      '{"b": 1.0, "a": [1e16, 1E-5, 0.5, -0.0, 12345678901234567890, 7], "é": "ü😀\\u0000\\u007f", "z": NaN}',
    );
    expect((v as { b: unknown }).b).toBeInstanceOf(PyFloat);
    expect(dumpsSorted(v)).toBe(
      '{"a": [1e+16, 1e-05, 0.5, -0.0, 12345678901234567890, 7], "b": 1.0, "z": NaN, "\\u00e9": "\\u00fc\\ud83d\\ude00\\u0000\\u007f"}',
    );
    // keys sort by code point, not UTF-16 unit
    expect(dumpsSorted({ '\uffff': 1, '😀': 2 })).toBe('{"\\uffff": 1, "\\ud83d\\ude00": 2}');
    expect(() => parsePyJson('{"a": 1,}')).toThrow(/Expecting property name/);
    expect(() => parsePyJson('[1] x')).toThrow(/Extra data/);
  });

  it('isoformat of pydantic-parsed datetimes', () => {
    const iso = (v: unknown) => {
      const r = parseDatetime(v);
      if (!r.ok) throw new Error(r.error);
      return isoformat(r.value);
    };
    expect(iso('2026-02-24T10:00:05.123Z')).toBe('2026-02-24T10:00:05.123000+00:00');
    expect(iso('2026-02-24T10:00:05.000Z')).toBe('2026-02-24T10:00:05+00:00');
    expect(iso('2026-02-24T10:00:05+05:30')).toBe('2026-02-24T10:00:05+05:30');
    expect(iso('2026-02-24 10:00')).toBe('2026-02-24T10:00:00');
    expect(iso('2026-02-24')).toBe('2026-02-24T00:00:00');
    expect(iso(1771927202)).toBe('2026-02-24T10:00:02+00:00');
    expect(iso(1771927202500)).toBe('2026-02-24T10:00:02.500000+00:00');
    expect(iso('1771927202')).toBe('2026-02-24T10:00:02+00:00');
  });

  openapi.it('through the server: a float sent as 1.0 hashes as 1.0, as CatSyphon would', async () => {
    const c = srv.s.admin.registerCollector();
    const session = 'float-session';
    const body = `{"session_id":"${session}","events":[{"type":"message","emitted_at":"2026-02-24T10:00:02Z","observed_at":"2026-02-24T10:00:02Z","data":{"author_role":"human","message_type":"prompt","content":"c","x":1.0,"y":[2.50,1e2]}}]}`;
    const r = await call(`${srv.s.url}/collectors/events`, {
      method: 'POST',
      headers: { ...JSON_CT, ...authHeaders(c) },
      body,
    });
    expect(r.status).toBe(202);
    const preimage =
      'message:2026-02-24T10:00:02+00:00:{"author_role": "human", "content": "c", "message_type": "prompt", "x": 1.0, "y": [2.5, 100.0]}';
    const want = createHash('sha256').update(preimage).digest('hex').slice(0, 32);
    expect(srv.s.admin.rows(session)[0]?.hash).toBe(want);
  });

  openapi.it(
    'mixing naive and aware emitted_at in one batch is a 500 (Python cannot sort them)',
    async () => {
      const c = srv.s.admin.registerCollector();
      const ev = (emitted_at: string, h: string) => ({
        type: 'thinking',
        emitted_at,
        observed_at: emitted_at,
        event_hash: h,
        data: { content: 'x' },
      });
      const r = await call(`${srv.s.url}/collectors/events`, {
        method: 'POST',
        headers: { ...JSON_CT, ...authHeaders(c) },
        body: JSON.stringify({
          session_id: 'mixed',
          events: [ev('2026-02-24T10:00:02Z', 'a'), ev('2026-02-24T10:00:03', 'b')],
        }),
      });
      expect([r.status, r.json]).toEqual([
        500,
        { detail: "can't compare offset-naive and offset-aware datetimes" },
      ]);
    },
  );
});
