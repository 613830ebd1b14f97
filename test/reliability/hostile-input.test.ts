/**
 * Hostile input, parser level (issue 4 item 3, short version): mutations of real corpus lines go through the
 * pure pipeline of ingest and the collector (reliability/hostile/check.ts). Nothing may throw, a line that
 * yields no record must yield a warning, the parsers' last-resort catch must never be reached on valid JSON,
 * and every event must serialise, fit `max_event_bytes` and carry no NUL or lone surrogate. Fixed seed; the
 * long version is `npm run hostile -- --runs N`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contextFor, HostileFailure, LineChecker } from '../../reliability/hostile/check.js';
import { linesOf, SHORT_SET } from '../../reliability/hostile/lines.js';
import {
  applyMutation,
  describeMutation,
  fieldPaths,
  MUTATION_KINDS,
  type Mutation,
  mutationArb,
  replaceField,
  WRONG_VALUES,
  wrongValue,
} from '../../reliability/hostile/mutate.js';
import { messageEvents } from '../../src/collector/mapping.js';
import { parserFor } from '../../src/parsers/index.js';
import { jsonText } from '../../src/reader/index.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

const SEED = 20_260_404;
// Read only when the corpus is there: without it the tests that use this are skipped (support/shared.ts).
const lines = corpus.missing ? [] : SHORT_SET.flatMap(linesOf);
const firstLine = new Map((corpus.missing ? [] : SHORT_SET).map((f) => [f, linesOf(f)[0]!]));

/** A checker whose parser state has seen the file's first line (Codex: its session_meta), as in a real file. */
function primedChecker(file: string) {
  const src = firstLine.get(file)!;
  const checker = new LineChecker(contextFor(src.assistant));
  checker.check(src.bytes, 1);
  return checker;
}

corpus.describe('mutated real lines through decode, parse, map, sanitize, validate', () => {
  it('never throw, and every line is stored or warned about (fast-check, fixed seed)', () => {
    expect(lines.length).toBeGreaterThan(100);
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.nat({ max: lines.length - 1 }),
        mutationArb({ depth: 10_000, hugeMin: 1 << 20, hugeMax: 2 << 20 }),
        (i, m: Mutation) => {
          const src = lines[i]!;
          const mutated = applyMutation(src.bytes, m);
          try {
            const r = primedChecker(src.file).check(mutated, 2);
            seen.set(`${m.kind}/${r.outcome}`, (seen.get(`${m.kind}/${r.outcome}`) ?? 0) + 1);
          } catch (err) {
            if (err instanceof HostileFailure)
              throw new Error(`${describeMutation(src.bytes, m)} of ${src.file}: ${err.message}`);
            throw err;
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
    // Every kind of damage was tried, and both outcomes (stored, warned) occurred: the run can tell them apart.
    for (const kind of MUTATION_KINDS)
      expect([...seen.keys()].some((k) => k.startsWith(`${kind}/`))).toBe(true);
    expect([...seen.keys()].some((k) => k.endsWith('/warned-no-record'))).toBe(true);
    expect([...seen.keys()].some((k) => k.endsWith('/stored-messages'))).toBe(true);
  });

  it('every field of one line of each record kind, replaced by each JSON type', () => {
    const byKind = new Map<string, (typeof lines)[number]>();
    for (const src of lines) {
      const rec = JSON.parse(src.bytes.toString('utf8')) as Record<string, unknown>;
      const payload = rec.payload as Record<string, unknown> | undefined;
      const kind = `${src.assistant}:${String(rec.type)}:${String(payload?.type ?? rec.subtype ?? '')}`;
      if (!byKind.has(kind)) byKind.set(kind, src);
    }
    expect(byKind.size).toBeGreaterThan(8);
    let tried = 0;
    for (const src of byKind.values()) {
      const record = JSON.parse(src.bytes.toString('utf8')) as unknown;
      for (const p of fieldPaths(record)) {
        for (const value of WRONG_VALUES) {
          const mutated = replaceField(record, p, wrongValue(value));
          try {
            primedChecker(src.file).check(mutated, 2);
          } catch (err) {
            throw new Error(
              `${src.assistant} ${p.join('.')} = ${value} (${src.file}): ${(err as Error).message}`,
            );
          }
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(1000);
  });
});

describe('deep nesting keeps its data', () => {
  it('jsonText writes what JSON.stringify would, at a depth where JSON.stringify throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('array', 'object'), (value, shape) => {
        let deep: unknown = value;
        for (let i = 0; i < 20_000; i++) deep = shape === 'array' ? [deep] : { k: deep };
        expect(() => JSON.stringify(deep)).toThrow(RangeError);
        const [open, close] = shape === 'array' ? ['[', ']'] : ['{"k":', '}'];
        expect(jsonText(deep)).toBe(`${open.repeat(20_000)}${JSON.stringify(value)}${close.repeat(20_000)}`);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const claudeLine = `{"type":"assistant","uuid":"0b7c7f8e-0000-4000-8000-000000000001","sessionId":"0b7c7f8e-0000-4000-8000-00000000000a","timestamp":"2026-01-01T00:00:00Z","message":{"id":"msg_1","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"deep":${deep}}}]}}`;

  it('a 10,000-deep tool input is stored as its exact JSON text and sent with the deep part as text', () => {
    const ctx = contextFor('claude');
    const parser = parserFor('claude');
    const out = parser.parse(
      { lineNo: 1, offset: 0, json: JSON.parse(claudeLine) },
      parser.initialState(ctx),
      ctx,
    );
    expect(out.warning).toBeUndefined();
    expect(out.messages[0]?.toolInput).toBe(`{"deep":${deep}}`);
    const [event] = messageEvents(
      {
        id: 1,
        sessionId: 's',
        seq: 1,
        identity: out.messages[0]!.identity,
        threadKey: 'main',
        emittedAt: '2026-01-01T00:00:00.000Z',
        observedAt: '2026-01-01T00:00:00.000Z',
        messageType: 'tool_call',
        authorRole: 'assistant',
        content: null,
        toolName: 'Bash',
        toolUseId: 'toolu_1',
        toolInput: out.messages[0]!.toolInput!,
        toolResult: null,
        isError: false,
        model: null,
        stopReason: null,
        tokens: null,
        raw: Buffer.from(claudeLine),
        rawIsUtf8: true,
      },
      's',
      { maxEventBytes: 512 * 1024, sendRawData: true },
    );
    // The event nests at most 64 levels; below that, the rest of the value travels as its JSON text.
    let v: unknown = (event!.data.parameters as Record<string, unknown>).deep;
    let levels = 0;
    while (Array.isArray(v)) {
      v = v[0];
      levels++;
    }
    expect(typeof v).toBe('string');
    expect((v as string).length + 2 * levels).toBe(deep.length);
    expect(JSON.stringify(event!.data.raw_data)).toContain('nested deeper than 64 levels omitted');
  });

  it('two different deep Codex payloads get different content keys', () => {
    const ctx = contextFor('codex');
    const parser = parserFor('codex');
    const state = parser.initialState(ctx);
    const keys = [1, 2].map((n) => {
      const line = `{"timestamp":"2026-01-01T00:00:0${n}Z","type":"response_item","payload":{"type":"function_call","name":"f","call_id":"c${n}","arguments":"{}","extra":${'['.repeat(10_000)}${n}${']'.repeat(10_000)}}}`;
      const out = parser.parse({ lineNo: n, offset: n, json: JSON.parse(line) }, state, ctx);
      expect(out.warning).toBeUndefined();
      return out.messages[0]?.contentKey;
    });
    expect(keys[0]).toBeDefined();
    expect(keys[0]).not.toBe(keys[1]);
  });
});
