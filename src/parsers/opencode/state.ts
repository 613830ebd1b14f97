/**
 * Parser state for one OpenCode session rendering, persisted with the checkpoint as JSON.
 *
 * Each rendered line is self-contained (a message line carries all of that message's parts), so the state is
 * only the session key: the session line's id, or the discovery stem (the session id too) for lines read
 * before it, which a rendering never has but a hand-made file might.
 */
import type { FileContext } from '../types.js';

export interface OpenCodeState {
  /** The session line's `id`, or null before it. */
  sessionKey: string | null;
  /** Used before any session line: the discovered session id. */
  fallbackKey: string;
  /** The parent session of a sub-agent session (session `parent_id`, or the path's), for message authorship. */
  parentKey: string | null;
}

export function initialState(ctx: FileContext): OpenCodeState {
  return {
    sessionKey: null,
    fallbackKey: typeof ctx?.stem === 'string' && ctx.stem.length > 0 ? ctx.stem : 'unknown',
    parentKey: typeof ctx?.parentSessionFromPath === 'string' ? ctx.parentSessionFromPath : null,
  };
}

export function sessionKeyOf(state: OpenCodeState): string {
  return state.sessionKey ?? state.fallbackKey;
}
