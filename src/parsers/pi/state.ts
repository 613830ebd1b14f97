/**
 * Parser state for one pi session file, persisted with the file checkpoint as JSON: a few plain values that
 * do not grow with the file.
 */
import type { FileContext } from '../types.js';

export interface PiState {
  /** The header's `id`; until a header is read, the uuid of the file name (`<ts>_<uuid>`). */
  sessionKey: string;
  /** True once a `session` header fixed `sessionKey`. */
  headerSeen: boolean;
  /** Model of the latest assistant message or `model_change` (v1 headers name the first one). */
  model: string | null;
}

/** The session id from a file stem `<ISO ts with - for : and .>_<uuid>`; the whole stem when it is not one. */
export function sessionFromStem(stem: string): string {
  const at = stem.lastIndexOf('_');
  const tail = at >= 0 ? stem.slice(at + 1) : stem;
  return tail.length > 0 ? tail : stem;
}

export function initialState(ctx: FileContext): PiState {
  const stem = typeof ctx?.stem === 'string' ? ctx.stem : '';
  return { sessionKey: sessionFromStem(stem), headerSeen: false, model: null };
}
