/** OpenCode's `tokens` → our split (src/parsers/opencode/tokens.ts has the mapping and why). */
import { describe, expect, it } from 'vitest';
import { tokenUsage } from '../../../src/parsers/opencode/tokens.js';

describe('OpenCode token mapping', () => {
  it('≥ 1.18: disjoint counters; output gets the reasoning added, cache write is cache creation', () => {
    const t = {
      total: 100 + 30 + 12 + 400 + 8,
      input: 100,
      output: 30,
      reasoning: 12,
      cache: { read: 400, write: 8 },
    };
    expect(tokenUsage(t)).toEqual({
      input: 100,
      output: 42,
      reasoning: 12,
      cacheRead: 400,
      cacheCreation: 8,
    });
  });

  it('a real 1.18.33 row (tool scenario, step 0) maps to what the API served', () => {
    // served: prompt_tokens 30808, cached_tokens 20581, completion_tokens 1591, reasoning 0.
    const row = { total: 32399, input: 10227, output: 1591, reasoning: 0, cache: { write: 0, read: 20581 } };
    expect(tokenUsage(row)).toEqual({
      input: 30808 - 20581,
      output: 1591,
      reasoning: 0,
      cacheRead: 20581,
      cacheCreation: 0,
    });
  });

  it('older builds: a total without the reasoning means output already holds it', () => {
    const t = {
      total: 100 + 42 + 400,
      input: 100,
      output: 42,
      reasoning: 12,
      cache: { read: 400, write: 0 },
    };
    expect(tokenUsage(t)).toEqual({
      input: 100,
      output: 42,
      reasoning: 12,
      cacheRead: 400,
      cacheCreation: 0,
    });
  });

  it('without a total the current (disjoint) meaning is taken', () => {
    expect(tokenUsage({ input: 1, output: 2, reasoning: 3, cache: { read: 4, write: 5 } })).toEqual({
      input: 1,
      output: 5,
      reasoning: 3,
      cacheRead: 4,
      cacheCreation: 5,
    });
  });

  it('zero or missing counters are no usage; junk is read as zero', () => {
    expect(tokenUsage({ input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } })).toBeNull();
    expect(tokenUsage(undefined)).toBeNull();
    expect(tokenUsage('x')).toBeNull();
    expect(tokenUsage({ input: -5, output: 'a', cache: null, reasoning: Number.NaN })).toBeNull();
    expect(tokenUsage({ output: 7 })).toEqual({
      input: 0,
      output: 7,
      reasoning: 0,
      cacheRead: 0,
      cacheCreation: 0,
    });
  });
});
