/**
 * The per-line working set, and the one place where a message part becomes a `ParsedMessage`: identity,
 * session, thread and `upsert` are assigned here, and a part identical to the version already emitted is
 * dropped, so an unchanged re-append produces nothing (and no "changed after it was published" warning).
 */
import type { FileContext, ParsedMessage, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { type GeminiState, partsKey } from './state.js';
import { fingerprint } from './util.js';

export interface Line {
  state: GeminiState;
  ctx: FileContext;
  out: RecordOutput;
}

export function newLine(state: GeminiState, ctx: FileContext, kind: string): Line {
  return { state, ctx, out: emptyOutput(kind, state.sessionKey) };
}

/** The session a record belongs to: the header's id, else the file stem (warned once per file). */
export function sessionOf(line: Line): string {
  const { state } = line;
  if (state.sessionKey !== null) return state.sessionKey;
  if (!state.warnedNoHeader) {
    state.warnedNoHeader = true;
    line.out.warning = `record before the session header; session id taken from the file name (${state.fallbackKey})`;
  }
  return state.fallbackKey;
}

/** What a handler decides about one part of a message; the rest is filled in by `emitPart`. */
export type Part = Omit<ParsedMessage, 'identity' | 'sessionKey' | 'threadKey' | 'upsert'>;

export type PartOutcome = 'new' | 'changed' | 'same';

/** Records that a message id exists (even with no part yet); true when it was not known before. */
export function noteMessage(state: GeminiState, messageId: string): boolean {
  const key = partsKey(messageId);
  if (Object.hasOwn(state.parts, key)) return false;
  state.parts[key] = {};
  return true;
}

export function partIdentity(sessionKey: string, messageId: string, suffix: string): string {
  return `gemini:${sessionKey}:${messageId}:${suffix}`;
}

/**
 * Emits one part of message `messageId` unless the same version was emitted already. Every part carries
 * `upsert`: the same identity written again is a newer version of that part (last write wins).
 */
export function emitPart(
  line: Line,
  sessionKey: string,
  messageId: string,
  suffix: string,
  part: Part,
): PartOutcome {
  const key = partsKey(messageId);
  const known = Object.hasOwn(line.state.parts, key) ? line.state.parts[key]! : {};
  line.state.parts[key] = known;
  const fp = fingerprint(part);
  const before = Object.hasOwn(known, suffix) ? known[suffix] : undefined;
  if (before === fp) return 'same';
  known[suffix] = fp;
  line.out.messages.push({
    ...part,
    identity: partIdentity(sessionKey, messageId, suffix),
    sessionKey,
    threadKey: 'main',
    upsert: true,
  });
  return before === undefined ? 'new' : 'changed';
}

/** True when a part of that suffix was emitted for the message (in this line or an earlier one). */
export function hasPart(state: GeminiState, messageId: string, suffix: string): boolean {
  const key = partsKey(messageId);
  return Object.hasOwn(state.parts, key) && Object.hasOwn(state.parts[key]!, suffix);
}
