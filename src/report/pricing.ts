/**
 * Dollar cost of stored responses, from the price data bundled in `@pydantic/genai-prices` (no network, no
 * price table of ours: newer prices come with a newer version of the package).
 *
 * Token mapping. The library takes `input_tokens` as the whole prompt, with cache reads and writes as parts
 * of it. Our buckets are disjoint for both assistants (Claude's `input_tokens` already exclude the cache;
 * the Codex parser stores `input_tokens − cached_input_tokens`), so the prompt is their sum:
 *
 * | library             | ours                                  |
 * |---------------------|---------------------------------------|
 * | input_tokens        | input + cache_read + cache_creation   |
 * | cache_read_tokens   | cache_read                            |
 * | cache_write_tokens  | cache_creation                        |
 * | output_tokens       | output (Codex: reasoning included)    |
 *
 * Pricing one response and pricing many are the same arithmetic: within one price (the model, the dated
 * price in force, the long-context tier the prompt falls in) the library's cost is linear in the tokens,
 * so responses of one such class are priced together as n × the price of their mean usage. That keeps a
 * report of a million responses to a few thousand library calls; `test/report/pricing.test.ts` checks it
 * against one call per response.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModelInfo, Provider } from '@pydantic/genai-prices';
import type { TokenCounts } from './tokens.js';

export interface PriceSource {
  library: string;
  version: string;
}

type PriceLibrary = typeof import('@pydantic/genai-prices');

const LIBRARY = '@pydantic/genai-prices';

/**
 * The package that prices reports and its version, read from its own package.json. The package stays
 * outside the bundle (build.mjs), so the version named is the one that runs, and upgrading it is enough.
 */
export function priceSource(): PriceSource {
  const library = LIBRARY;
  try {
    const entry = createRequire(import.meta.url).resolve(library);
    let dir = path.dirname(entry);
    while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir)
      dir = path.dirname(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string };
    return { library, version: pkg.version ?? 'unknown' };
  } catch {
    return { library, version: 'unknown' };
  }
}

/** Where each assistant's models are sold first; any other provider the library knows is tried after. */
const PROVIDER_HINT: Readonly<Record<string, string>> = {
  claude: 'anthropic',
  codex: 'openai',
  gemini: 'google',
};

export interface ResolvedModel {
  /** The model name as the assistant logged it. */
  name: string;
  /** `provider:model` as the library names the price it applied. */
  pricedAs: string;
  /** A provider holding only this model: the library then skips its search through every provider. */
  provider: Provider;
  /**
   * Dated prices, one entry per price of the model in the library's order: the day it starts (ms), null
   * for the price without a date, NaN for a time-of-day price (which is then looked up per instant).
   * Empty when the model has one price.
   */
  starts: number[];
  /** Prompt sizes where a long-context price starts (the library's tiers). */
  tierStarts: number[];
}

export type LibraryUsage = {
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
};

export function libraryUsage(t: TokenCounts): LibraryUsage {
  return {
    input_tokens: t.input + t.cache_read + t.cache_creation,
    cache_read_tokens: t.cache_read,
    cache_write_tokens: t.cache_creation,
    output_tokens: t.output,
  };
}

function tierStarts(model: ModelInfo): number[] {
  const branches = Array.isArray(model.prices) ? model.prices.map((p) => p.prices) : [model.prices];
  const starts = new Set<number>();
  for (const prices of branches) {
    for (const v of Object.values(prices)) {
      if (v && typeof v === 'object' && Array.isArray(v.tiers)) for (const t of v.tiers) starts.add(t.start);
    }
  }
  return [...starts].sort((a, b) => a - b);
}

function lookUp(lib: PriceLibrary, model: string, providerId: string | undefined): ResolvedModel | null {
  const probe = lib.calcPrice({ input_tokens: 0, output_tokens: 0 }, model, providerId ? { providerId } : {});
  if (!probe) return null;
  return {
    name: model,
    pricedAs: `${probe.provider.id}:${probe.model.id}`,
    provider: { ...probe.provider, models: [probe.model] },
    starts: Array.isArray(probe.model.prices)
      ? probe.model.prices.map((p) =>
          !p.constraint
            ? Number.NEGATIVE_INFINITY
            : p.constraint.type === 'start_date'
              ? Date.parse(p.constraint.start_date)
              : Number.NaN,
        )
      : [],
    tierStarts: tierStarts(probe.model),
  };
}

/**
 * Which of a model's dated prices applies at `at`: the last one (in the library's order) that has started,
 * as the library picks it. A time-of-day price makes every instant its own class.
 */
function branch(m: ResolvedModel, at: number | null): string {
  if (m.starts.length === 0) return '';
  if (at === null || m.starts.some(Number.isNaN)) return `@${at ?? 'now'}`;
  for (let i = m.starts.length - 1; i >= 0; i--) if (at >= m.starts[i]!) return String(i);
  return '0';
}

/** One response as pricing sees it: its price, its class (same class, same price per token), its usage. */
export interface PricedResponse {
  model: ResolvedModel;
  priceClass: string;
  usage: LibraryUsage;
  at: number | null;
}

/** Model lookups, cached: one per (assistant, model) name for the whole report. */
export class PriceBook {
  private readonly models = new Map<string, Map<string, ResolvedModel | null>>();

  private constructor(private readonly lib: PriceLibrary) {}

  /** Loads the price data (about 1 MB of JavaScript) only for the commands that price something. */
  static async load(): Promise<PriceBook> {
    return new PriceBook(await import('@pydantic/genai-prices'));
  }

  resolve(assistant: string, model: string | null): ResolvedModel | null {
    if (!model) return null;
    let byModel = this.models.get(assistant);
    if (!byModel) {
      byModel = new Map();
      this.models.set(assistant, byModel);
    }
    let found = byModel.get(model);
    if (found === undefined) {
      const hint = PROVIDER_HINT[assistant];
      found = (hint ? lookUp(this.lib, model, hint) : null) ?? lookUp(this.lib, model, undefined);
      byModel.set(model, found);
    }
    return found;
  }

  /**
   * A response with its price class, or null when its model has no known price. `at` matters only for
   * dated prices; a response without a timestamp is priced at today's price, as the library does.
   */
  classify(
    assistant: string,
    model: string | null,
    tokens: TokenCounts,
    at: number | null,
  ): PricedResponse | null {
    const m = this.resolve(assistant, model);
    if (!m) return null;
    const usage = libraryUsage(tokens);
    let tier = 0;
    for (const s of m.tierStarts) if (usage.input_tokens > s) tier++;
    const priceClass = m.tierStarts.length === 0 && m.starts.length === 0 ? '' : `${tier}|${branch(m, at)}`;
    return { model: m, priceClass, usage, at };
  }

  /** The library's price for this usage (fractional token counts allowed), in dollars. */
  price(m: ResolvedModel, usage: LibraryUsage, at: number | null): number {
    const result = this.lib.calcPrice(usage, m.name, {
      provider: m.provider,
      ...(at === null ? {} : { timestamp: new Date(at) }),
    });
    if (!result) throw new Error(`@pydantic/genai-prices: ${m.pricedAs} resolved once but not again`);
    return result.total_price;
  }
}
