/**
 * The cost of one report row. Responses are collected into price classes (see pricing.ts) and priced when
 * the row is finished; a response whose model has no known price is counted apart, never as $0.
 */
import type { LibraryUsage, PriceBook, PricedResponse, ResolvedModel } from './pricing.js';
import { type TokenCounts, totalTokens } from './tokens.js';

export interface CostResult {
  /** Dollars for the priced responses; null when none of the row's responses could be priced. */
  cost_usd: number | null;
  priced_responses: number;
  unpriced_responses: number;
  /** All tokens of the responses without a price. */
  unpriced_tokens: number;
  unpriced_models: string[];
}

interface PriceClassSum {
  model: ResolvedModel;
  at: number | null;
  n: number;
  sum: LibraryUsage;
}

export class CostAccumulator {
  /** Per resolved model, per price class within it. */
  private readonly classes = new Map<ResolvedModel, Map<string, PriceClassSum>>();
  private unpricedResponses = 0;
  private unpricedTokens = 0;
  private readonly unpricedModels = new Set<string>();

  constructor(private readonly book: PriceBook) {}

  /** Adds one response; `priced` is `book.classify(…)` of it, null when its model has no price. */
  add(priced: PricedResponse | null, model: string | null, tokens: TokenCounts): void {
    if (!priced) {
      this.unpricedResponses++;
      this.unpricedTokens += totalTokens(tokens);
      this.unpricedModels.add(model ?? '(no model)');
      return;
    }
    let byClass = this.classes.get(priced.model);
    if (!byClass) {
      byClass = new Map();
      this.classes.set(priced.model, byClass);
    }
    const c = byClass.get(priced.priceClass);
    const u = priced.usage;
    if (!c) {
      byClass.set(priced.priceClass, { model: priced.model, at: priced.at, n: 1, sum: { ...u } });
      return;
    }
    c.n++;
    c.sum.input_tokens += u.input_tokens;
    c.sum.cache_read_tokens += u.cache_read_tokens;
    c.sum.cache_write_tokens += u.cache_write_tokens;
    c.sum.output_tokens += u.output_tokens;
  }

  /** The library's names of the prices applied (`provider:model`). */
  pricedAs(): string[] {
    return [...new Set([...this.classes.keys()].map((m) => m.pricedAs))].sort();
  }

  result(): CostResult {
    let cost = 0;
    let priced = 0;
    for (const byClass of this.classes.values()) {
      for (const c of byClass.values()) {
        const mean: LibraryUsage = {
          input_tokens: c.sum.input_tokens / c.n,
          cache_read_tokens: c.sum.cache_read_tokens / c.n,
          cache_write_tokens: c.sum.cache_write_tokens / c.n,
          output_tokens: c.sum.output_tokens / c.n,
        };
        cost += c.n * this.book.price(c.model, mean, c.at);
        priced += c.n;
      }
    }
    return {
      cost_usd: priced > 0 ? cost : null,
      priced_responses: priced,
      unpriced_responses: this.unpricedResponses,
      unpriced_tokens: this.unpricedTokens,
      unpriced_models: [...this.unpricedModels].sort(),
    };
  }
}
