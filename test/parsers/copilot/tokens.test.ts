/**
 * The Copilot token rule (src/parsers/copilot/tokens.ts) on two-leg files: the same real usage written as
 * cumulative rollups and as per-leg (reset) rollups must give the same totals, and nothing counts twice.
 */
import { describe, expect, it } from 'vitest';
import type { UsageReport } from '../../../src/parsers/types.js';
import { ev, run, SID, shutdown, start, usage } from './helpers.js';

const total = (us: UsageReport[]) =>
  us.reduce(
    (t, u) => ({
      input: t.input + u.tokens.input,
      output: t.output + u.tokens.output,
      cacheRead: t.cacheRead + u.tokens.cacheRead,
      cacheCreation: t.cacheCreation + u.tokens.cacheCreation,
    }),
    { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
  );

const msg = (out: number) => ev('assistant.message', { content: 'x', model: 'gpt-5', outputTokens: out });

// Leg 1: two calls (output 30 + 20), rollup input 1000 of which 800 cache read and 50 written.
// Leg 2 (after a resume): one call (output 25), its own input 600 of which 500 cache read, 0 written.
const leg1 = {
  inputTokens: 1000,
  outputTokens: 50,
  cacheReadTokens: 800,
  cacheWriteTokens: 50,
  reasoningTokens: 10,
};
const leg2 = {
  inputTokens: 600,
  outputTokens: 25,
  cacheReadTokens: 500,
  cacheWriteTokens: 0,
  reasoningTokens: 5,
};
const sum = Object.fromEntries(
  Object.keys(leg1).map((k) => [k, leg1[k as keyof typeof leg1] + leg2[k as keyof typeof leg2]]),
) as typeof leg1;
const expected = {
  input: 1000 - 800 - 50 + (600 - 500 - 0),
  output: 50 + 25,
  cacheRead: 800 + 500,
  cacheCreation: 50,
};

describe('two legs', () => {
  it('cumulative rollups (the second includes the first): deltas', () => {
    const r = run([
      start(),
      msg(30),
      msg(20),
      shutdown('gpt-5', leg1),
      ev('session.resume', {}),
      msg(25),
      shutdown('gpt-5', sum),
    ]);
    expect(total(usage(r))).toEqual(expected);
  });

  it('reset rollups (each leg its own): a counter that went down takes the new rollup whole', () => {
    const r = run([
      start(),
      msg(30),
      msg(20),
      shutdown('gpt-5', leg1),
      ev('session.resume', {}),
      msg(25),
      shutdown('gpt-5', leg2),
    ]);
    expect(total(usage(r))).toEqual(expected);
  });

  it('output is the larger of the messages and the rollup, per leg; reasoning never exceeds it', () => {
    // The rollup counts a call with no message (e.g. a summarisation): 50 in the rollup, 30 in messages.
    const r = run([start(), msg(30), shutdown('gpt-5', leg1)]);
    const us = usage(r);
    expect(total(us).output).toBe(50);
    const leg = us.find((u) => u.responseKey.endsWith(':gpt-5'))!;
    expect(leg.tokens).toEqual({ input: 150, output: 20, cacheRead: 800, cacheCreation: 50, reasoning: 10 });
    // Messages above the rollup's output: no remainder, never negative.
    const more = run([start(), msg(80), shutdown('gpt-5', leg1)]);
    expect(total(usage(more)).output).toBe(80);
  });

  it('a message model the rollup does not list is taken off the remainders', () => {
    const r = run([
      start(),
      ev('assistant.message', { content: 'x', outputTokens: 30 }),
      shutdown('gpt-5', leg1),
    ]);
    expect(total(usage(r)).output).toBe(50);
  });

  it('without any shutdown only the per-message output is known', () => {
    expect(total(usage(run([start(), msg(30), msg(5)])))).toEqual({
      input: 0,
      output: 35,
      cacheRead: 0,
      cacheCreation: 0,
    });
  });

  it('a rollup without usage (requests only) reports nothing; keys are per shutdown and model', () => {
    const r = run([
      start(),
      ev('session.shutdown', { modelMetrics: { 'gpt-5-mini': { requests: 2 } } }),
      ev('session.shutdown', {
        modelMetrics: {
          a: { usage: { inputTokens: 10 } },
          b: { usage: { inputTokens: 20, cacheReadTokens: 5 } },
        },
      }),
    ]);
    expect(r.outs[1]!.usage).toEqual([]);
    const keys = r.outs[2]!.usage.map((u) => u.responseKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(new RegExp(`^copilot:${SID}:.+:a$`));
    expect(r.outs[2]!.usage.map((u) => u.anchorIdentity === null)).toEqual([false, true]);
  });

  it('parsing the same file twice reports the same keys with the same tokens (combine max: counted once)', () => {
    const events = [start(), msg(30), shutdown('gpt-5', leg1)];
    expect(usage(run(events))).toEqual(usage(run(events)));
  });
});

// CLI 1.0.102 writes `session.usage_record` before each call's `assistant.message` (seen in a real file the
// CLI wrote here against a scripted API, agents-formats.md §16): inputTokens = input + cached (24032 = 7805 +
// 16227 as served), and the shutdown's modelMetrics is the sum of the records.
const record = (call: string, input: number, output: number, cacheRead: number, cacheWrite = 0) =>
  ev('session.usage_record', {
    usage: {
      model: 'gpt-5.4',
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      reasoningTokens: 0,
      apiCallId: call,
    },
  });
const answer = (call: string, extra: Record<string, unknown> = {}) =>
  ev('assistant.message', { content: 'done', model: 'gpt-5.4', apiCallId: call, ...extra });

describe('per-call usage records', () => {
  const served = { input: 7805 + 7978, output: 1185 + 1214, cacheRead: 16227 + 16538, cacheCreation: 0 };
  const file = [
    start(),
    record('chatcmpl-1', 24032, 1185, 16227),
    answer('chatcmpl-1'),
    record('chatcmpl-2', 24516, 1214, 16538),
    answer('chatcmpl-2'),
    shutdown('gpt-5.4', {
      inputTokens: 48548,
      outputTokens: 2399,
      cacheReadTokens: 32765,
      cacheWriteTokens: 0,
    }),
  ];

  it('count each call once, exactly as served, and not the shutdown rollup again', () => {
    const r = run(file);
    const us = usage(r);
    expect(us.map((u) => u.responseKey)).toEqual([
      `copilot:${SID}:call:chatcmpl-1`,
      `copilot:${SID}:call:chatcmpl-2`,
    ]);
    expect(total(us)).toEqual(served);
  });

  it("ride on their call's message", () => {
    const r = run(file);
    const answers = r.outs.filter((o) => o.kind === 'assistant.message');
    for (const o of answers) expect(o.usage[0]!.anchorIdentity).toBe(o.messages[0]!.identity);
  });

  it('a call whose message never came is reported at the shutdown; cache writes leave the input', () => {
    const r = run([start(), record('c1', 1000, 10, 600, 300), shutdown('gpt-5.4', { inputTokens: 1000 })]);
    expect(usage(r).map((u) => u.tokens)).toEqual([
      { input: 100, output: 10, cacheRead: 600, cacheCreation: 300 },
    ]);
  });

  it("a message's own outputTokens in a recorded leg is not added to the call's", () => {
    const r = run([start(), record('c1', 100, 40, 0), answer('c1', { outputTokens: 40 })]);
    expect(total(usage(r))).toEqual({ input: 100, output: 40, cacheRead: 0, cacheCreation: 0 });
  });

  it('a later leg without records falls back to its rollup, measured from the recorded leg', () => {
    const leg1Rollup = {
      inputTokens: 48548,
      outputTokens: 2399,
      cacheReadTokens: 32765,
      cacheWriteTokens: 0,
    };
    const r = run([
      ...file,
      ev('session.resume', {}),
      msg(25),
      shutdown('gpt-5.4', {
        inputTokens: leg1Rollup.inputTokens + 600,
        outputTokens: leg1Rollup.outputTokens + 25,
        cacheReadTokens: leg1Rollup.cacheReadTokens + 500,
        cacheWriteTokens: 0,
      }),
    ]);
    expect(total(usage(r))).toEqual({
      input: served.input + 100,
      output: served.output + 25,
      cacheRead: served.cacheRead + 500,
      cacheCreation: 0,
    });
  });
});
