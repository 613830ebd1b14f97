/**
 * Pricing one response, and many at once. Expected dollars come from the price data of
 * @pydantic/genai-prices itself (its providers' model entries) multiplied out here, or from one library call
 * per response through its own lookup path: never from src/report.
 */
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CostAccumulator, libraryUsage, PriceBook, type TokenCounts } from '../../src/report/index.js';

let book: PriceBook;
beforeAll(async () => {
  book = await PriceBook.load();
});

type Prices = Record<string, number | { base: number; tiers: { start: number; price: number }[] }>;
/** A model's entry in the library's data, by provider and the library's model id. */
function entry(providerId: string, modelId: string) {
  const model = findProvider({ providerId })?.models.find((m) => m.id === modelId);
  if (!model) throw new Error(`${providerId}:${modelId} is not in the library's data`);
  return model;
}
const flat = (providerId: string, modelId: string) => {
  const prices = entry(providerId, modelId).prices as Prices;
  return (k: string) => {
    const v = prices[k];
    if (typeof v !== 'number') throw new Error(`${modelId} ${k} is not a flat price`);
    return v / 1e6;
  };
};
const tok = (input: number, output: number, cache_read = 0, cache_creation = 0): TokenCounts => ({
  input,
  output,
  cache_read,
  cache_creation,
});
function costOf(assistant: string, model: string | null, rows: [TokenCounts, string | null][]) {
  const acc = new CostAccumulator(book);
  for (const [t, at] of rows)
    acc.add(book.classify(assistant, model, t, at === null ? null : Date.parse(at)), model, t);
  return acc.result();
}

describe('pricing one response', () => {
  it('maps disjoint buckets to the library: the prompt is input + cache read + cache write', () => {
    expect(libraryUsage(tok(10, 20, 300, 4000))).toEqual({
      input_tokens: 4310,
      cache_read_tokens: 300,
      cache_write_tokens: 4000,
      output_tokens: 20,
    });
  });

  it('prices Claude (input without cache) and Codex (cached input stored apart) by hand', () => {
    const sonnet = flat('anthropic', 'claude-sonnet-4-0');
    const claude = costOf('claude', 'claude-sonnet-4-20250514', [
      [tok(1200, 800, 50_000, 7000), '2025-07-01T10:00:00Z'],
    ]);
    expect(claude.cost_usd).toBeCloseTo(
      1200 * sonnet('input_mtok') +
        800 * sonnet('output_mtok') +
        50_000 * sonnet('cache_read_mtok') +
        7000 * sonnet('cache_write_mtok'),
      12,
    );
    const gpt5 = flat('openai', 'gpt-5');
    // Codex logged input_tokens 5000 with cached_input_tokens 4000: stored as input 1000, cache read 4000.
    const codex = costOf('codex', 'gpt-5-codex', [[tok(1000, 500, 4000), '2025-10-01T10:00:00Z']]);
    expect(codex.cost_usd).toBeCloseTo(
      1000 * gpt5('input_mtok') + 500 * gpt5('output_mtok') + 4000 * gpt5('cache_read_mtok'),
      12,
    );
    expect(book.resolve('codex', 'gpt-5-codex')?.pricedAs).toBe('openai:gpt-5');
  });

  it('applies the long-context price to a prompt over the tier start, per response', () => {
    const prices = entry('anthropic', 'claude-sonnet-4-5').prices as Prices;
    const input = prices.input_mtok as { base: number; tiers: { start: number; price: number }[] };
    const output = prices.output_mtok as { base: number; tiers: { start: number; price: number }[] };
    const start = input.tiers[0]!.start;
    const small = tok(start - 10, 1000);
    const large = tok(start + 10, 1000);
    const r = costOf('claude', 'claude-sonnet-4-5-20250929', [
      [small, '2025-10-01T10:00:00Z'],
      [large, '2025-10-01T10:01:00Z'],
    ]);
    const byHand =
      ((start - 10) * input.base +
        1000 * output.base +
        (start + 10) * input.tiers[0]!.price +
        1000 * output.tiers[0]!.price) /
      1e6;
    expect(r.cost_usd).toBeCloseTo(byHand, 12);
  });

  it('leaves a model without a price unpriced: no dollars, its tokens counted apart', () => {
    for (const model of ['<synthetic>', 'coder-model', null]) {
      const r = costOf('claude', model, [[tok(10, 20, 30, 40), '2026-01-01T00:00:00Z']]);
      expect(r).toEqual({
        cost_usd: null,
        priced_responses: 0,
        unpriced_responses: 1,
        unpriced_tokens: 100,
        unpriced_models: [model ?? '(no model)'],
      });
    }
    const mixed = costOf('claude', 'claude-opus-4-7', [[tok(10, 20), '2026-04-01T00:00:00Z']]);
    expect(mixed.cost_usd).toBeGreaterThan(0);
    expect(mixed.unpriced_tokens).toBe(0);
  });
});

describe('pricing many responses at once', () => {
  // Flat, long-context tiers, dated prices (opus-4-6 lost its tiers on a date), both at once (gpt-5.6-luna).
  const models = [
    ['claude', 'anthropic', 'claude-sonnet-4-20250514'],
    ['claude', 'anthropic', 'claude-sonnet-4-5-20250929'],
    ['claude', 'anthropic', 'claude-opus-4-6'],
    ['codex', 'openai', 'gpt-5.6-luna'],
    ['codex', 'openai', 'gpt-5.2'],
  ] as const;
  const response = fc.record({
    model: fc.integer({ min: 0, max: models.length - 1 }),
    input: fc.integer({ min: 0, max: 400_000 }),
    output: fc.integer({ min: 0, max: 64_000 }),
    cacheRead: fc.integer({ min: 0, max: 300_000 }),
    cacheWrite: fc.integer({ min: 0, max: 100_000 }),
    at: fc.option(fc.integer({ min: Date.parse('2025-06-01'), max: Date.parse('2027-01-01') }), {
      nil: null,
    }),
  });

  it('costs what one library call per response costs, through its own lookup', () => {
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 60 }), (rs) => {
        const acc = new CostAccumulator(book);
        let reference = 0;
        for (const r of rs) {
          const [assistant, providerId, model] = models[r.model]!;
          const t = tok(r.input, r.output, r.cacheRead, r.cacheWrite);
          acc.add(book.classify(assistant, model, t, r.at), model, t);
          const one = calcPrice(libraryUsage(t), model, {
            providerId,
            ...(r.at === null ? {} : { timestamp: new Date(r.at) }),
          });
          reference += one!.total_price;
        }
        const got = acc.result().cost_usd!;
        expect(Math.abs(got - reference)).toBeLessThanOrEqual(1e-9 * Math.max(1, reference));
      }),
      { numRuns: 300 },
    );
  });
});
