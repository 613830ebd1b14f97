/**
 * Parser state for one Codex rollout. It is persisted with the file checkpoint as JSON, so it holds only
 * plain values and stays small: nothing here grows with the length of the file.
 */
import type { FileContext } from '../types.js';

/** Raw cumulative counters of one `total_token_usage` snapshot (`input` includes `cached`). */
export interface TokenTotals {
  input: number;
  cached: number;
  output: number;
  cacheWrite: number;
}

/** The last prompt emitted whose duplicate from the other source may still follow (see prompts.ts). */
export interface PendingPrompt {
  text: string;
  sources: string[];
}

export interface CodexState {
  /** The file's own thread id: the first `session_meta` id, else derived from the file name. */
  ownThread: string;
  /** True once a `session_meta` (or legacy header) has fixed `ownThread`. */
  ownFixed: boolean;
  /** Foreign thread whose history is being replayed at this point of the file, or null in the own section. */
  section: string | null;
  model: string | null;
  cwd: string | null;
  /** Highest envelope `ordinal` used as an identity so far (-1 before any). */
  lastOrdinal: number;
  /** Group counter: model output of one response group shares `codex:<thread>:turn<k>`. */
  turn: number;
  /** Identity of the last `response` message of the current group, for usage anchoring. */
  anchorResponse: string | null;
  /** Identity of the last model output (response, thinking, tool call) of the current group. */
  anchorLast: string | null;
  /** Previous total of the own token accounting. */
  lastTotal: TokenTotals | null;
  /** Previous total seen inside a replayed section (the foreign thread's accounting). */
  replayTotal: TokenTotals | null;
  /** Set when totals dropped inside a replayed section: from there on the counts are this thread's own. */
  replayTokensOwn: boolean;
  pendingPrompt: PendingPrompt | null;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const REVERTED = new RegExp(`(${UUID})_${UUID}$`, 'i');
const TRAILING = new RegExp(`(${UUID})$`, 'i');

/**
 * Thread id from the file stem, used until a `session_meta` names the thread. Reverted-thread files are named
 * `rollout-<ts>-<thread>_<rollout>`, where the thread part is the one that matches `session_meta.id`.
 */
export function threadFromStem(stem: string): string {
  const reverted = REVERTED.exec(stem);
  if (reverted?.[1]) return reverted[1];
  const trailing = TRAILING.exec(stem);
  if (trailing?.[1]) return trailing[1];
  return stem;
}

export function initialState(ctx: FileContext): CodexState {
  return {
    ownThread: threadFromStem(typeof ctx?.stem === 'string' ? ctx.stem : ''),
    ownFixed: false,
    section: null,
    model: null,
    cwd: null,
    lastOrdinal: -1,
    turn: 0,
    anchorResponse: null,
    anchorLast: null,
    lastTotal: null,
    replayTotal: null,
    replayTokensOwn: false,
    pendingPrompt: null,
  };
}
