/**
 * Parser state for one Qwen Code chat file, persisted with the checkpoint as JSON. It stays small: nothing
 * here grows with the file.
 */
import type { FileContext } from '../types.js';
import { isObj, num, str } from './util.js';

export interface QwenState {
  /**
   * Wire session of the file: its name is the session id (`chats/<sessionId>.jsonl`); a sub-agent file is
   * `<parentSessionId>:agent-<agentId>`, the convention of Claude Code's sub-agent files.
   */
  sessionKey: string;
  /** Sub-agent files: the parent session (which the records name as their `sessionId`). */
  parentSessionKey: string | null;
  /** Sub-agent files: the spawning tool call, linked once with the first record. */
  spawnedBy: string | null;
  agentId: string | null;
  linked: boolean;
  /** Sub-agent files: the model the agent's `.meta.json` names; its records name none. */
  agentModel: string | null;
  /**
   * The uuid of the previous record and how many messages were numbered under it. Qwen's reader merges
   * consecutive records that repeat a uuid (fragments of one message), so their parts continue one numbering
   * and every part keeps its own identity.
   */
  lastUuid: string | null;
  partsSeen: number;
  /** Offset and value count of the previous line: a glued line yields several records at one offset. */
  lastOffset: number;
  valuesAtOffset: number;
  /** The other session the previous record named (warned about once per run of such records). */
  foreignSession: string | null;
  /** Session facts already reported, so unchanged ones are not repeated on every line. */
  cwd: string | null;
  gitBranch: string | null;
  version: string | null;
  model: string | null;
}

export function initialState(ctx: FileContext): QwenState {
  const stem = typeof ctx?.stem === 'string' && ctx.stem.length > 0 ? ctx.stem : 'unknown';
  const parent = ctx?.role === 'agent' ? (ctx.parentSessionFromPath ?? null) : null;
  const agentId = parent !== null ? (ctx.agentId ?? stem.replace(/^agent-/, '')) : null;
  return {
    sessionKey: parent !== null ? `${parent}:agent-${agentId}` : stem,
    parentSessionKey: parent,
    spawnedBy: parent !== null ? (ctx.spawnedByToolUseId ?? null) : null,
    agentId,
    linked: false,
    agentModel: parent !== null ? (ctx.model ?? null) : null,
    lastUuid: null,
    partsSeen: 0,
    lastOffset: -1,
    valuesAtOffset: 0,
    foreignSession: null,
    cwd: null,
    gitBranch: null,
    version: null,
    model: null,
  };
}

/** Repairs a persisted state in place (an older or damaged checkpoint must not crash the parser). */
export function usableState(state: unknown, ctx: FileContext): QwenState {
  const fresh = initialState(ctx);
  if (!isObj(state)) return fresh;
  const s = state as Partial<Record<keyof QwenState, unknown>>;
  s.sessionKey = str(s.sessionKey) ?? fresh.sessionKey;
  s.lastUuid = str(s.lastUuid);
  s.partsSeen = num(s.partsSeen) ?? 0;
  s.lastOffset = num(s.lastOffset) ?? -1;
  s.valuesAtOffset = num(s.valuesAtOffset) ?? 0;
  for (const k of ['foreignSession', 'cwd', 'gitBranch', 'version', 'model'] as const) s[k] = str(s[k]);
  for (const k of ['parentSessionKey', 'spawnedBy', 'agentId', 'agentModel'] as const)
    s[k] = str(s[k]) ?? fresh[k];
  s.linked = s.linked === true;
  return state as unknown as QwenState;
}
