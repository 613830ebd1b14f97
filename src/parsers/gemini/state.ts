/**
 * Parser state for one Gemini CLI session file, persisted with the file checkpoint as JSON.
 *
 * Unlike Codex, this grows with the session: the format is event-sourced (a message id is re-appended every
 * time it changes, `$set.messages` rewrites the list, `$rewindTo` cuts it), so the parser has to remember
 * which message ids exist, in order, and a fingerprint of every part it emitted, to tell a real change
 * from a copy. That is one short id and a 16-hex digest per part: a few tens of bytes per message.
 */
import type { FileContext } from '../types.js';

export interface GeminiState {
  /** The header's `sessionId`, or null before the header line. */
  sessionKey: string | null;
  /** Used for records before any header: the file stem (a sub-agent file is named after its session id). */
  fallbackKey: string;
  /** Set once a record had to use `fallbackKey`, so the warning is given once per file. */
  warnedNoHeader: boolean;
  cwd: string | null;
  /** The last model reported, so a session fact is emitted only when it changes. */
  model: string | null;
  /** Message ids of the live conversation in file order, as Gemini CLI itself rebuilds it (for `$rewindTo`). */
  order: string[];
  /**
   * Fingerprint of each part already emitted, by `#<message id>` then part suffix (`text`, `thought:0`,
   * `call:<id>`, `result:<id>`, …). A message id is present here once seen, even with no part. The `#` keeps
   * ids such as `__proto__` from ever being an object's special key.
   */
  parts: Record<string, Record<string, string>>;
}

export function initialState(ctx: FileContext): GeminiState {
  return {
    sessionKey: null,
    fallbackKey: typeof ctx?.stem === 'string' && ctx.stem.length > 0 ? ctx.stem : 'unknown',
    warnedNoHeader: false,
    cwd: null,
    model: null,
    order: [],
    parts: {},
  };
}

export function partsKey(messageId: string): string {
  return `#${messageId}`;
}
