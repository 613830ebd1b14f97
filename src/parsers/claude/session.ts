/**
 * Session key and thread resolution (DESIGN.md §3.1).
 *
 * Main files: the record's `sessionId`. It is not the file stem on purpose: continuation files can carry
 * another session's id, and that id is what the rest of the session uses.
 * Agent files: `<parentSessionId>:agent-<agentId>`, because sub-agent files carry the parent's id and one
 * parent may spawn many agents, each of which becomes its own wire session.
 */
import type { FileContext } from '../types.js';
import { isObj, type Obj, str } from './util.js';

export interface ClaudeState {
  /** Session key of the last record that named its session; used for metadata lines that do not. */
  lastSessionKey: string | null;
  /** A user-set title was seen, so later AI-generated titles must not override it. */
  customTitle: boolean;
}

export interface SessionRef {
  sessionKey: string;
  threadKey: string;
  /** Parent wire session of an agent session (null for main sessions or when unknown). */
  parentSessionKey: string | null;
  /** Sub-agent traffic: prompts come from the calling agent, replies are by the agent. */
  agentThread: boolean;
}

/** `agent-3be551df` → `3be551df`; the file name is the last resort for the agent id. */
function agentIdFromStem(stem: string): string | null {
  return stem.startsWith('agent-') ? str(stem.slice('agent-'.length)) : null;
}

/**
 * The parent id written in an agent record. A workflow fixture writes `<parent>#agent-<id>`, and a curated
 * fixture writes the agent's own `agent-<id>` there, which is no parent at all: fall back to the path then.
 */
function parentFromRecord(sessionId: string | null, agentId: string | null): string | null {
  if (sessionId === null) return null;
  const parent = str(sessionId.split('#')[0]);
  if (parent === null) return null;
  if (agentId !== null && (parent === agentId || parent === `agent-${agentId}`)) return null;
  return parent;
}

function resolveAgent(rec: Obj, state: ClaudeState, ctx: FileContext): SessionRef {
  const agentId = str(rec.agentId) ?? str(ctx.agentId) ?? agentIdFromStem(ctx.stem);
  const threadKey = agentId !== null ? `agent-${agentId}` : ctx.stem;
  const sessionId = str(rec.sessionId);
  const parent = parentFromRecord(sessionId, agentId) ?? str(ctx.parentSessionFromPath);
  if (sessionId === null && state.lastSessionKey !== null) {
    // A metadata line inside an agent file: it belongs to whatever session the file has been writing.
    return { sessionKey: state.lastSessionKey, threadKey, parentSessionKey: parent, agentThread: true };
  }
  const sessionKey = parent !== null ? `${parent}:${threadKey}` : threadKey;
  if (sessionId !== null) state.lastSessionKey = sessionKey;
  return { sessionKey, threadKey, parentSessionKey: parent, agentThread: true };
}

function resolveMain(rec: Obj, state: ClaudeState, ctx: FileContext): SessionRef {
  const sessionId = str(rec.sessionId);
  if (sessionId !== null) state.lastSessionKey = sessionId;
  const sessionKey = sessionId ?? state.lastSessionKey ?? ctx.stem;
  const agentId = str(rec.agentId);
  let threadKey = 'main';
  // 1.0.x wrote sub-agent traffic inline in the main file; an agent id there names its own thread.
  if (rec.isSidechain === true) threadKey = agentId !== null ? `agent-${agentId}` : 'sidechain';
  return { sessionKey, threadKey, parentSessionKey: null, agentThread: threadKey !== 'main' };
}

export function resolveSession(rec: Obj, state: ClaudeState, ctx: FileContext): SessionRef {
  return ctx.role === 'agent' ? resolveAgent(rec, state, ctx) : resolveMain(rec, state, ctx);
}

/**
 * Repairs a persisted state in place (an older or damaged checkpoint must not crash the parser); the caller's
 * object is kept because `parse` is specified to update the state it was given.
 */
export function usableState(state: unknown): ClaudeState {
  if (!isObj(state)) return { lastSessionKey: null, customTitle: false };
  if (str(state.lastSessionKey) === null) state.lastSessionKey = null;
  if (state.customTitle !== true) state.customTitle = false;
  return state as unknown as ClaudeState;
}
