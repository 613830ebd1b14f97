/** Test helpers for the Copilot parser: literal events as consecutive lines of one file, parsed in order. */
import { type CopilotState, copilotParser } from '../../../src/parsers/copilot/index.js';
import type { FileContext, ParsedMessage, RecordOutput } from '../../../src/parsers/types.js';
import { linesFrom } from '../../support/parser-lines.js';

export const SID = 'aaaabbbb-1111-2222-3333-ccccddddeeee';

export function ctxFor(stem = SID): FileContext {
  return { path: `/c/session-state/${stem}/events.jsonl`, assistant: 'copilot', role: 'main', stem };
}

export interface Run {
  outs: RecordOutput[];
  state: CopilotState;
}

export function run(records: unknown[], ctx: FileContext = ctxFor()): Run {
  const state = copilotParser.initialState(ctx);
  const outs = linesFrom(records).map((l) => copilotParser.parse(l, state, ctx));
  return { outs, state };
}

export const msgs = (r: Run): ParsedMessage[] => r.outs.flatMap((o) => o.messages);
export const usage = (r: Run) => r.outs.flatMap((o) => o.usage);

let n = 0;
/** An event envelope with a fresh UUID id. */
export function ev(type: string, data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  n += 1;
  return {
    type,
    data,
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    timestamp: `2026-03-26T17:50:${String(n % 60).padStart(2, '0')}.000Z`,
    parentId: null,
    ...extra,
  };
}

export const start = (data: Record<string, unknown> = {}) =>
  ev('session.start', { sessionId: SID, copilotVersion: '1.0.77', ...data });

/** A `session.shutdown` with one model's usage. */
export function shutdown(model: string, u: Record<string, number>) {
  return ev('session.shutdown', {
    shutdownType: 'routine',
    modelMetrics: { [model]: { requests: { count: 1 }, usage: u } },
  });
}

export { linesFrom };
