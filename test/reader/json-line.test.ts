import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLine, FILE_START, MAX_RECOVERY_ATTEMPTS } from '../../src/reader/index.js';
import { needs } from '../support/shared.js';
import { drainFile, EDGE_CASES } from './helpers.js';

const corpus = needs('corpus');

describe('decodeLine', () => {
  it('decodes a valid line with no warning', () => {
    expect(decodeLine('{"type":"user","n":1}')).toEqual({ values: [{ type: 'user', n: 1 }] });
  });

  corpus.it('decodes every line of a real corpus file', () => {
    for (const line of drainFile(EDGE_CASES, FILE_START).lines) {
      const r = decodeLine(line.text);
      expect(r.warning).toBeUndefined();
      expect(r.values).toHaveLength(1);
    }
  });

  it('returns non-object JSON as is (shape is the parser’s job) and nothing for a blank line', () => {
    expect(decodeLine('[1,2]')).toEqual({ values: [[1, 2]] });
    expect(decodeLine('  \t')).toEqual({ values: [] });
  });

  it('reports why an invalid line failed, without values', () => {
    const r = decodeLine('{"type":"assistant","message":{"content":"cut here');
    expect(r.values).toEqual([]);
    expect(r.warning).toMatch(/^invalid JSON \(.+\); no record recovered$/);
    expect(r.warning).toMatch(/string|JSON/i);
  });

  it('recovers a record glued after a torn one (openai/codex#24425)', () => {
    const torn =
      '{"timestamp":"2025-01-01T00:00:00Z","type":"response_item","payload":{"type":"reasoning","text":"half a tho';
    const next = {
      timestamp: '2025-01-01T00:00:01Z',
      type: 'response_item',
      payload: { type: 'reasoning', text: 'ok' },
    };
    const r = decodeLine(torn + JSON.stringify(next));
    expect(r.values).toEqual([next]);
    expect(r.warning).toMatch(/invalid JSON/);
    expect(r.warning).toMatch(new RegExp(`recovered 1 record; ${torn.length} chars dropped`));
  });

  it('recovers a record after a garbage prefix (NULs from an unclean shutdown)', () => {
    const r = decodeLine('\u0000\u0000\u0000garbage{"type":"user","uuid":"u1"}');
    expect(r.values).toEqual([{ type: 'user', uuid: 'u1' }]);
    expect(r.warning).toMatch(/recovered 1 record/);
  });

  it('keeps both of two intact records written without a newline between them', () => {
    const r = decodeLine('{"a":{"b":1}}{"c":2}');
    expect(r.values).toEqual([{ a: { b: 1 } }, { c: 2 }]);
    expect(r.warning).toMatch(/recovered 2 records$/);
  });

  it('recovers every intact record of a torn + A + B chain', () => {
    const r = decodeLine('{"x":"tor{"a":1}{"b":2}');
    expect(r.values).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('ignores suffixes that parse but are not objects, and plain garbage', () => {
    expect(decodeLine('not json at all').values).toEqual([]);
    expect(decodeLine('{"a":[{"b"').values).toEqual([]);
  });

  it('bounds the work on a pathological line', () => {
    const line = '{"'.repeat(MAX_RECOVERY_ATTEMPTS * 100) + 'x'.repeat(1_000_000);
    const t0 = performance.now();
    expect(decodeLine(line).values).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  corpus.it('stays linear-ish on a torn 1 MB line followed by a record', () => {
    const big = fs.readFileSync(EDGE_CASES, 'utf8').split('\n')[0] ?? '';
    const torn = `{"blob":"${'A'.repeat(1_000_000)}`;
    expect(decodeLine(torn + big).values).toEqual([JSON.parse(big)]);
  });
});
