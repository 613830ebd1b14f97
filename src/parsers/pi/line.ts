/**
 * The per-line working set shared by the handlers, and the one place where drafts become messages, so every
 * entry kind gets its identity, session and timestamp the same way.
 */
import type { ParsedMessage, RecordOutput } from '../types.js';
import type { PiState } from './state.js';
import type { Obj } from './util.js';

/** What a handler decides about a message; the rest is filled in by `addMessage`. */
export type Draft = Omit<ParsedMessage, 'identity' | 'sessionKey' | 'threadKey' | 'emittedAt'>;

export interface Line {
  state: PiState;
  out: RecordOutput;
  entry: Obj;
  /** `pi:<hash>` of the canonical entry (identity.ts). */
  key: string;
  emittedAt: string | null;
}

/**
 * Adds one message of this entry. `part` names it within the entry (`0`, `1`… for assistant content
 * blocks by their index, `error`, `call`, `result`); an entry with one message has none. No message carries
 * a group: pi appends each entry once, complete (see index.ts).
 */
export function addMessage(line: Line, draft: Draft, part: string | null = null): ParsedMessage {
  const msg: ParsedMessage = {
    ...draft,
    identity: part === null ? line.key : `${line.key}:${part}`,
    sessionKey: line.state.sessionKey,
    threadKey: 'main',
    emittedAt: line.emittedAt,
  };
  line.out.messages.push(msg);
  return msg;
}
