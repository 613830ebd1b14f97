/** Test helpers for the Qwen parser: literal records as consecutive lines of one file, parsed in order. */
import { type QwenState, qwenParser } from '../../../src/parsers/qwen/index.js';
import type { FileContext, ParsedMessage, RecordOutput } from '../../../src/parsers/types.js';
import { linesFrom } from '../../support/parser-lines.js';

export const SESSION = '019f0000-0000-7000-8000-0000000000aa';

export function ctxFor(stem = SESSION): FileContext {
  return { path: `/q/projects/-work/chats/${stem}.jsonl`, assistant: 'qwen', role: 'main', stem };
}

export interface Run {
  outs: RecordOutput[];
  state: QwenState;
}

export function run(records: unknown[], ctx: FileContext = ctxFor()): Run {
  const state = qwenParser.initialState(ctx);
  const outs = linesFrom(records).map((l) => qwenParser.parse(l, state, ctx));
  return { outs, state };
}

export const msgs = (r: Run): ParsedMessage[] => r.outs.flatMap((o) => o.messages);

let n = 0;
/** A record with the envelope every Qwen line carries. */
export function rec(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    uuid: `u-${n}`,
    parentUuid: null,
    sessionId: SESSION,
    timestamp: `2026-08-17T12:00:${String(n % 60).padStart(2, '0')}.000Z`,
    type,
    cwd: '/work',
    version: '0.21.13',
    ...extra,
  };
}

export { linesFrom };
