/**
 * Parser state for one Copilot CLI `events.jsonl`, persisted with the checkpoint as JSON. It stays small:
 * the per-model maps hold one entry per model used, the lists are capped.
 */
import type { FileContext } from '../types.js';
import { isObj, num, str } from './util.js';

/** One model's counters in a `session.shutdown` rollup (`input` includes cache reads and writes). */
export interface Rollup {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface CopilotState {
  /** Wire session of the file: the path's session id until the first record, then fixed (record.ts). */
  sessionKey: string;
  fixed: boolean;
  /** The model in use (session.start selectedModel, model_change, turn_start), for messages that name none. */
  model: string | null;
  /** Offset and value count of the previous line: recovered glued records share one offset. */
  lastOffset: number;
  valuesAtOffset: number;
  /** Sub-agent ids already reported (SessionInfo, link), capped. */
  agents: string[];
  /** Hashes of `assistant.reasoning` texts since the last `assistant.message`, capped. */
  reasoning: string[];
  /** Hash of the last `assistant.message` reasoningText, so a reasoning event repeating it is not stored. */
  lastMessageReasoning: string | null;
  /** The previous shutdown rollup of each model in this file (tokens.ts). */
  rollup: Record<string, Rollup>;
  /** outputTokens reported per message since the last shutdown, by model (`''` = unknown model). */
  legOutput: Record<string, number>;
  /** A `session.usage_record` was read since the last shutdown: this leg's usage is per call (tokens.ts). */
  legRecorded: boolean;
  /** Per-call usage waiting for the `assistant.message` of its `apiCallId` to carry it, by call id. */
  pendingCalls: Record<string, PendingCall>;
}

/** A `session.usage_record` not yet attached to its message. */
export interface PendingCall {
  sessionKey: string;
  model: string | null;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number; reasoning?: number };
  emittedAt: string | null;
}

export const CAP = 256;

export function initialState(ctx: FileContext): CopilotState {
  return {
    sessionKey: typeof ctx?.stem === 'string' && ctx.stem.length > 0 ? ctx.stem : 'unknown',
    fixed: false,
    model: null,
    lastOffset: -1,
    valuesAtOffset: 0,
    agents: [],
    reasoning: [],
    lastMessageReasoning: null,
    rollup: {},
    legOutput: {},
    legRecorded: false,
    pendingCalls: {},
  };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);

function numbers<T>(v: unknown, each: (x: unknown) => T | null): Record<string, T> {
  const out: Record<string, T> = {};
  if (!isObj(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    const y = each(x);
    if (y !== null) out[k] = y;
  }
  return out;
}

function rollupOf(v: unknown): Rollup | null {
  if (!isObj(v)) return null;
  return {
    input: num(v.input) ?? 0,
    output: num(v.output) ?? 0,
    cacheRead: num(v.cacheRead) ?? 0,
    cacheWrite: num(v.cacheWrite) ?? 0,
    reasoning: num(v.reasoning) ?? 0,
  };
}

/** Repairs a persisted state in place (an older or damaged checkpoint must not crash the parser). */
export function usableState(state: unknown, ctx: FileContext): CopilotState {
  const fresh = initialState(ctx);
  if (!isObj(state)) return fresh;
  const s = state as Partial<Record<keyof CopilotState, unknown>>;
  s.sessionKey = str(s.sessionKey) ?? fresh.sessionKey;
  s.fixed = s.fixed === true;
  s.model = str(s.model);
  s.lastOffset = num(s.lastOffset) ?? -1;
  s.valuesAtOffset = num(s.valuesAtOffset) ?? 0;
  s.agents = strings(s.agents);
  s.reasoning = strings(s.reasoning);
  s.lastMessageReasoning = str(s.lastMessageReasoning);
  s.rollup = numbers(s.rollup, rollupOf);
  s.legOutput = numbers(s.legOutput, num);
  s.legRecorded = s.legRecorded === true;
  s.pendingCalls = numbers(s.pendingCalls, (v) =>
    isObj(v) && typeof v.sessionKey === 'string' && isObj(v.tokens) ? (v as unknown as PendingCall) : null,
  );
  return state as unknown as CopilotState;
}
