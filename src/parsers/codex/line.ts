/**
 * The per-line working set shared by the handlers, and the one place where drafts become messages: identity,
 * content key, replay marker and group are assigned here so every record kind gets them the same way.
 */
import type { MessageType, ParsedMessage, RecordOutput } from '../types.js';
import type { CodexState } from './state.js';
import { contentKey } from './util.js';

/** What a handler decides about a message; the rest is filled in by `finalize`. */
export type Draft = Omit<
  ParsedMessage,
  'identity' | 'sessionKey' | 'threadKey' | 'emittedAt' | 'groupKey' | 'replayOf' | 'contentKey'
>;

export interface Line {
  state: CodexState;
  out: RecordOutput;
  /** Envelope `type` (`response_item` for bare legacy items, so both eras hash alike). */
  recordType: string;
  payload: unknown;
  emittedAt: string | null;
  /** `o<ordinal>` or `b<offset>`: the line's identity suffix, also used for usage response keys. */
  tag: string;
  drafts: Draft[];
}

/** Model output joins the open group; prompts and tool outputs are final at once (DESIGN.md §3.2). */
const GROUPED: ReadonlySet<MessageType> = new Set<MessageType>(['response', 'thinking', 'tool_call']);

export function isModelOutput(t: MessageType): boolean {
  return GROUPED.has(t);
}

export function groupKey(state: CodexState): string {
  return `codex:${state.ownThread}:turn${state.turn}`;
}

export function lineIdentity(state: CodexState, tag: string): string {
  return `codex:${state.ownThread}:${tag}`;
}

/** Turns the drafts into messages, then applies the record's group closing to the state. */
export function finalize(line: Line): void {
  const { state, drafts } = line;
  const base = lineIdentity(state, line.tag);
  const many = drafts.length > 1;
  drafts.forEach((d, i) => {
    const key = contentKey(line.recordType, line.payload, i);
    const msg: ParsedMessage = {
      ...d,
      identity: many ? `${base}:${i}` : base,
      sessionKey: state.ownThread,
      threadKey: 'main',
      emittedAt: line.emittedAt,
      groupKey: isModelOutput(d.messageType) ? groupKey(state) : null,
      contentKey: key,
      replayOf: state.section === null ? null : { threadKey: state.section, contentKey: key },
    };
    line.out.messages.push(msg);
    if (isModelOutput(msg.messageType)) {
      // Usage rides only on model output, which stays open until the turn's token count closes it: a tool
      // output is final (and may be published) at once, so tokens attached to it later would never be sent.
      state.anchorLast = msg.identity;
      if (msg.messageType === 'response') state.anchorResponse = msg.identity;
      // Model output after a prompt means that prompt's twin from the other source can no longer follow.
      state.pendingPrompt = null;
    }
  });
  if (line.out.closesGroups) {
    // A closed group never reopens: later model output of the same turn gets the next key.
    state.turn += 1;
    state.anchorResponse = null;
    state.anchorLast = null;
  }
}
