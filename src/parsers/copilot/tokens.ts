/**
 * Copilot CLI token usage (agents-formats.md §4, §15). Per-call input and cache counts are never written:
 * `assistant.usage` is ephemeral. What persists is `assistant.message.outputTokens` (per call, output only)
 * and the `session.shutdown` rollup `modelMetrics{<model>: {usage: {inputTokens (cache-inclusive),
 * outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens}}}`, one per resume leg — cumulative across
 * legs in some CLI versions (codeburn measured 1.0.80) and reset per leg in others.
 *
 * Newer CLIs (seen in 1.0.102) also persist `session.usage_record`: one API call's exact usage (`inputTokens`
 * including cache reads and writes, `outputTokens`, `cacheReadTokens`, `cacheWriteTokens`, `reasoningTokens`,
 * `apiCallId`), written just before that call's `assistant.message`; the shutdown rollup is their sum.
 *
 * THE RULE (one file, one model at a time):
 * 0. A leg (the events up to a `session.shutdown`) holding usage records is counted from them alone: each
 *    call reports `copilot:<session>:call:<apiCallId>` with input = inputTokens − cacheRead − cacheWrite,
 *    carried by the message of the same `apiCallId` (or reported alone at the shutdown if that never came);
 *    that leg's message outputTokens and rollup are not counted (the rollup still sets the baseline of rule 2).
 *    Legs without records (older CLIs) follow rules 1–3.
 * 1. Every `assistant.message` with outputTokens > 0 reports its own response `copilot:<session>:<event>`:
 *    output = outputTokens, nothing else. These are added to the leg's output by model.
 * 2. A `session.shutdown` turns each model's rollup N into a delta D against the previous shutdown P of the
 *    same model in the same file: if no counter of N is below P's, the rollup is cumulative and D = N − P;
 *    if any counter went down (a per-leg rollup, or a reset by compaction), D = N taken whole. With no P,
 *    D = N.
 * 3. The shutdown reports, per model, response `copilot:<session>:<shutdown event>:<model>` with
 *    input = D.input − D.cacheRead − D.cacheWrite (≥ 0), cacheRead = D.cacheRead,
 *    cacheCreation = D.cacheWrite, output = max(0, D.output − the leg's per-message output of that model)
 *    (per-message output of an unknown or unlisted model is taken off the remainders in turn),
 *    reasoning = D.reasoning capped at that output. The leg's per-message output then restarts at 0.
 * So a leg's output is max(per-message sum, rollup) per model and its input/cache come from the rollup only:
 * no token is reported by two records, and reading the file again reports the same keys (combine `max`).
 *
 * Limitations, stated (they apply to legs without usage records): (a) a per-leg (reset) rollup whose counters all happen to be ≥ the previous leg's is
 * read as cumulative, and that leg is undercounted by the previous leg's values; (b) a leg with a compaction
 * reset keeps only its post-compaction input/cache; (c) a leg that ends without a shutdown (crash, `/new`)
 * has only its per-message output — its input and cache are lost, as they are on disk; (d) the per-request
 * rows of `~/.copilot/session-store.db` are not read; (e) `tokenDetails` (no per-model split, unclear
 * semantics) is ignored.
 */
import type { UsageReport } from '../types.js';
import type { CopilotState, Rollup } from './state.js';
import { isObj, num } from './util.js';

export function rollupOf(usage: unknown): Rollup | null {
  if (!isObj(usage)) return null;
  const fields = [
    usage.inputTokens,
    usage.outputTokens,
    usage.cacheReadTokens,
    usage.cacheWriteTokens,
    usage.reasoningTokens,
  ];
  if (fields.every((v) => num(v) === null)) return null;
  return {
    input: num(usage.inputTokens) ?? 0,
    output: num(usage.outputTokens) ?? 0,
    cacheRead: num(usage.cacheReadTokens) ?? 0,
    cacheWrite: num(usage.cacheWriteTokens) ?? 0,
    reasoning: num(usage.reasoningTokens) ?? 0,
  };
}

const KEYS = ['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning'] as const;

/** Rule 2: the leg's own counters. */
export function legDelta(now: Rollup, prev: Rollup | undefined): Rollup {
  if (!prev || KEYS.some((k) => now[k] < prev[k])) return { ...now };
  return {
    input: now.input - prev.input,
    output: now.output - prev.output,
    cacheRead: now.cacheRead - prev.cacheRead,
    cacheWrite: now.cacheWrite - prev.cacheWrite,
    reasoning: now.reasoning - prev.reasoning,
  };
}

/** Rule 1: a message's output, counted into the leg. */
export function messageOutput(state: CopilotState, model: string | null, output: number): void {
  const key = model ?? '';
  state.legOutput[key] = (state.legOutput[key] ?? 0) + output;
}

export interface ShutdownUsage {
  model: string;
  tokens: UsageReport['tokens'];
}

/** Rules 2–3 for one shutdown's `modelMetrics`; updates the per-model rollups and restarts the leg. */
export function shutdownUsage(state: CopilotState, modelMetrics: unknown): ShutdownUsage[] {
  const legs: { model: string; d: Rollup; rest: number }[] = [];
  if (isObj(modelMetrics)) {
    for (const [model, metrics] of Object.entries(modelMetrics)) {
      const now = rollupOf(isObj(metrics) ? metrics.usage : undefined);
      if (now === null) continue;
      const d = legDelta(now, state.rollup[model]);
      state.rollup[model] = now;
      legs.push({ model, d, rest: Math.max(0, d.output - (state.legOutput[model] ?? 0)) });
    }
  }
  // Output the messages reported under a model the rollup does not list (or none) is part of some leg total.
  const listed = new Set(legs.map((l) => l.model));
  let unattributed = Object.entries(state.legOutput)
    .filter(([m]) => !listed.has(m))
    .reduce((t, [, v]) => t + v, 0);
  for (const l of legs) {
    const take = Math.min(l.rest, unattributed);
    l.rest -= take;
    unattributed -= take;
  }
  state.legOutput = {};
  const out: ShutdownUsage[] = [];
  for (const { model, d, rest } of legs) {
    const tokens: UsageReport['tokens'] = {
      input: Math.max(0, d.input - d.cacheRead - d.cacheWrite),
      output: rest,
      cacheRead: d.cacheRead,
      cacheCreation: d.cacheWrite,
    };
    if (d.reasoning > 0) tokens.reasoning = Math.min(d.reasoning, rest);
    if (tokens.input + tokens.output + tokens.cacheRead + tokens.cacheCreation > 0)
      out.push({ model, tokens });
  }
  return out;
}
