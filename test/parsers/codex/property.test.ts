import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codexParser } from '../../../src/parsers/codex/index.js';
import type { RecordOutput } from '../../../src/parsers/types.js';
import { needs } from '../../support/shared.js';
import { codexCorpusFiles, ctxFor, linesFrom, linesOf } from './helpers.js';

const corpus = needs('corpus');

const ctx = ctxFor('/s/rollout-2026-01-01T00-00-00-019c0000-0000-7000-8000-000000000001.jsonl');

function wellFormed(out: RecordOutput): void {
  expect(typeof out.kind).toBe('string');
  expect(Array.isArray(out.messages) && Array.isArray(out.usage) && Array.isArray(out.sessions)).toBe(true);
  for (const u of out.usage) {
    for (const v of Object.values(u.tokens)) expect(Number.isFinite(v) && v >= 0).toBe(true);
  }
}

function parseAll(records: unknown[]): void {
  const state = codexParser.initialState(ctx);
  for (const line of linesFrom(records)) {
    const out = codexParser.parse(line, state, ctx);
    wellFormed(out);
    expect(out.warning?.startsWith('codex parser failed')).not.toBe(true);
  }
  expect(() => JSON.stringify(state)).not.toThrow();
}

/** One sample line of each distinct kind from the corpus, to mutate. */
// Read only when the corpus is there: without it the tests that use this are skipped (support/shared.ts).
const samples: unknown[] = (() => {
  const byKind = new Map<string, unknown>();
  for (const f of corpus.missing ? [] : codexCorpusFiles()) {
    for (const l of linesOf(readFileSync(f))) {
      // biome-ignore lint/suspicious/noExplicitAny: raw corpus records are untyped
      const j = l.json as Record<string, any> | undefined;
      const key = `${j?.type}/${j?.payload?.type ?? j?.role ?? ''}`;
      if (!byKind.has(key)) byKind.set(key, j);
    }
  }
  return [...byKind.values()];
})();

/** Replaces the value at a random path of `value` with `replacement`, or deletes it. */
function mutate(value: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (value === null || typeof value !== 'object' || path.length === 0) return replacement;
  // biome-ignore lint/suspicious/noExplicitAny: generic deep update of untyped JSON
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[(path[0] ?? 0) % keys.length] as string;
  if (remove && path.length === 1) delete copy[key];
  else copy[key] = mutate(copy[key], path.slice(1), replacement, remove);
  return copy;
}

const weird = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('[REDACTED]', null, -1, 1e308, '', [], {}, 'Exit code: 7', '{"metadata":{"exit_code":3}}'),
);

describe('codex parser properties', () => {
  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 20 }), (records) => parseAll(records)),
      {
        numRuns: 300,
      },
    );
  });

  it('never throws on arbitrary envelopes and bare items', () => {
    const kinds = fc.constantFrom('session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted');
    const payloadType = fc.constantFrom(
      'message',
      'reasoning',
      'function_call',
      'token_count',
      'user_message',
    );
    const env = fc.record({
      timestamp: fc.oneof(fc.string(), fc.constant('2026-01-01T00:00:00Z')),
      ordinal: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.jsonValue()),
      type: kinds,
      payload: fc.oneof(
        fc.dictionary(fc.string(), fc.jsonValue()).map((d) => d),
        weird,
      ),
    });
    const typed = fc.tuple(env, payloadType).map(([e, t]) => ({
      ...e,
      payload:
        typeof e.payload === 'object' && e.payload && !Array.isArray(e.payload)
          ? { ...e.payload, type: t }
          : e.payload,
    }));
    fc.assert(
      fc.property(fc.array(fc.oneof(env, typed), { maxLength: 15 }), (records) => parseAll(records)),
      {
        numRuns: 300,
      },
    );
  });

  corpus.it('never throws on mutated real records', () => {
    expect(samples.length).toBeGreaterThan(40);
    const mutation = fc.record({
      index: fc.nat(),
      path: fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 5 }),
      replacement: weird,
      remove: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 12 }), (ms) =>
        parseAll(ms.map((m) => mutate(samples[m.index % samples.length], m.path, m.replacement, m.remove))),
      ),
      { numRuns: 500 },
    );
  });
});
