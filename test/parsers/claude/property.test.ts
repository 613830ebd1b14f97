/**
 * No-throw properties: arbitrary JSON values, and real corpus records with random parts replaced by
 * arbitrary JSON. `parse` catches everything, so the real property is that nothing reaches that catch
 * (no "parser failed" warning) and the output keeps its shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claudeParser } from '../../../src/parsers/claude/index.js';
import type { FileContext, RecordOutput } from '../../../src/parsers/types.js';
import { needs } from '../../support/shared.js';
import { agentCtx, claudeCorpusFiles, mainCtx, readLines } from './helpers.js';

const corpus = needs('corpus');

function check(out: RecordOutput): void {
  expect(out.warning ?? '').not.toContain('parser failed');
  expect(typeof out.kind).toBe('string');
  for (const m of out.messages) {
    expect(typeof m.identity).toBe('string');
    expect(typeof m.sessionKey).toBe('string');
    expect(m.content === null || typeof m.content === 'string').toBe(true);
  }
  for (const u of out.usage) {
    for (const n of Object.values(u.tokens)) expect(Number.isInteger(n) && n >= 0).toBe(true);
  }
  // Outputs go into SQLite and JSON checkpoints: they must serialise.
  expect(() => JSON.stringify(out)).not.toThrow();
}

function parseWith(json: unknown, ctx: FileContext, state = claudeParser.initialState(ctx)): RecordOutput {
  return claudeParser.parse({ lineNo: 1, offset: 0, json }, state, ctx);
}

/** A sample of real records of every kind, a few per file, skipping the megabyte image lines. */
// Read only when the corpus is there: without it the tests that use this are skipped (support/shared.ts).
const samples: unknown[] = (corpus.missing ? [] : claudeCorpusFiles()).flatMap((file) =>
  readLines(file)
    .filter((l) => l.valid && l.text.length < 20_000 && typeof l.json === 'object' && l.json !== null)
    .slice(0, 12)
    .map((l) => l.json),
);

type Container = Record<string, unknown> | unknown[];

/** Every object/array inside a value, so a mutation can target any depth. */
function containers(v: unknown, out: Container[] = []): Container[] {
  if (typeof v !== 'object' || v === null) return out;
  out.push(v as Container);
  for (const child of Object.values(v)) containers(child, out);
  return out;
}

function mutate(record: unknown, edits: { at: number; key: number; value: unknown }[]): unknown {
  const copy = structuredClone(record);
  for (const edit of edits) {
    const all = containers(copy);
    const target = all[edit.at % all.length];
    if (target === undefined) continue;
    const keys = Object.keys(target);
    if (keys.length === 0) continue;
    (target as Record<string, unknown>)[keys[edit.key % keys.length]!] = edit.value;
  }
  return copy;
}

const edit = fc.record({ at: fc.nat(), key: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) });

describe('parser never throws', () => {
  it('on arbitrary JSON values, in main and agent files', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), (json, agent) => {
        check(parseWith(json, agent ? agentCtx : mainCtx));
      }),
      { numRuns: 500 },
    );
  });

  it('on record-shaped objects with wrong types everywhere', () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
    const recordish = fc.record({
      type: fc.oneof(
        fc.constantFrom('user', 'assistant', 'system', 'progress', 'attachment', 'ai-title'),
        field,
      ),
      subtype: field,
      uuid: field,
      sessionId: field,
      agentId: field,
      isSidechain: field,
      timestamp: field,
      toolUseResult: field,
      message: fc.oneof(
        field,
        fc.record({
          id: field,
          model: field,
          usage: field,
          content: fc.oneof(
            field,
            fc.array(
              fc.record({
                type: fc.oneof(
                  fc.constantFrom('text', 'thinking', 'tool_use', 'tool_result', 'image'),
                  field,
                ),
                text: field,
                input: field,
                content: field,
                source: field,
                tool_use_id: field,
              }),
            ),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(recordish, fc.boolean(), (json, agent) =>
        check(parseWith(json, agent ? agentCtx : mainCtx)),
      ),
      { numRuns: 500 },
    );
  });

  corpus.it('on real records with random parts replaced', () => {
    expect(samples.length).toBeGreaterThan(500);
    fc.assert(
      fc.property(
        fc.nat({ max: samples.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (i, edits, agent) => check(parseWith(mutate(samples[i], edits), agent ? agentCtx : mainCtx)),
      ),
      { numRuns: 1000 },
    );
  });

  corpus.it('with an arbitrary persisted state', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.nat({ max: samples.length - 1 }), (state, i) => {
        check(parseWith(samples[i], mainCtx, state as never));
      }),
      { numRuns: 200 },
    );
  });
});
