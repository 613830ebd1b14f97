/**
 * One `part` row of an OpenCode message → the messages it means. The message decides who speaks and whether
 * the part may still change (`Speaker`); the part decides the type.
 */
import type { AgentLink, AuthorRole, MessageType, ParsedMessage } from '../types.js';
import { isObj, isoFromMs, nonEmpty, num, type Obj, safeJson, str } from './util.js';

/** What the part's message says about every part in it. */
export interface Speaker {
  sessionKey: string;
  role: 'user' | 'assistant';
  /** The author of text: human or caller (a sub-agent's prompt), assistant or agent. */
  author: AuthorRole;
  model: string | null;
  /** `opencode:<message id>` while the message is still being written, else null (final). */
  groupKey: string | null;
  /** Assistant rows are updated in place while they stream; a user's parts are written whole. */
  upsert: boolean;
  /** An assistant message written by compaction (`summary: true`): its text is a summary of the session. */
  summary: boolean;
  /** Fallback time: the message's own `time.created`. */
  emittedAt: string | null;
}

export interface PartRow {
  id: string;
  data: Obj;
  timeCreated: unknown;
  timeUpdated: unknown;
}

function base(
  sp: Speaker,
  identity: string,
  messageType: MessageType,
  authorRole: AuthorRole,
  emittedAt: string | null,
): ParsedMessage {
  const m: ParsedMessage = {
    identity,
    sessionKey: sp.sessionKey,
    threadKey: 'main',
    messageType,
    authorRole,
    emittedAt: emittedAt ?? sp.emittedAt,
    content: null,
  };
  if (sp.role === 'assistant') {
    m.model = sp.model;
    m.groupKey = sp.groupKey;
  }
  if (sp.upsert) m.upsert = true;
  return m;
}

function startOf(part: PartRow): string | null {
  const time = isObj(part.data.time) ? part.data.time : {};
  return isoFromMs(time.start) ?? isoFromMs(part.timeCreated);
}

/** `text` parts: the prompt (user) or the response (assistant); synthetic text is context, not typed. */
function textPart(part: PartRow, sp: Speaker): ParsedMessage[] {
  const text = str(part.data.text);
  if (text === null || text.trim() === '') return [];
  const id = `opencode:${part.id}`;
  let m: ParsedMessage;
  if (part.data.synthetic === true) m = base(sp, id, 'context', 'system', startOf(part));
  else if (sp.role === 'user') m = base(sp, id, 'prompt', sp.author, startOf(part));
  else if (sp.summary) m = base(sp, id, 'summary', 'system', startOf(part));
  else m = base(sp, id, 'response', sp.author, startOf(part));
  m.content = text;
  return [m];
}

function reasoningPart(part: PartRow, sp: Speaker): ParsedMessage[] {
  const text = str(part.data.text);
  if (text === null || text.trim() === '') return [];
  const m = base(sp, `opencode:${part.id}`, 'thinking', sp.author, startOf(part));
  m.content = text;
  return [m];
}

/** A file attached to a prompt: kept as context, named (its bytes are OpenCode's business). */
function filePart(part: PartRow, sp: Speaker): ParsedMessage[] {
  const name = nonEmpty(part.data.filename) ?? nonEmpty(part.data.url);
  if (name === null) return [];
  const mime = nonEmpty(part.data.mime);
  const m = base(sp, `opencode:${part.id}`, 'context', 'system', startOf(part));
  m.content = `attached file: ${name}${mime ? ` (${mime})` : ''}`;
  return [m];
}

/**
 * `tool` parts: the call, and once the state is `completed` or `error` its result. A bash command that ran but
 * exited non-zero is reported `completed` with `metadata.exit`; it is marked as an error like Claude Code's.
 */
function toolPart(part: PartRow, sp: Speaker): ParsedMessage[] {
  const st = isObj(part.data.state) ? part.data.state : {};
  const time = isObj(st.time) ? st.time : {};
  const name = nonEmpty(part.data.tool);
  const callId = nonEmpty(part.data.callID) ?? part.id;
  const call = base(
    sp,
    `opencode:${part.id}`,
    'tool_call',
    sp.author,
    isoFromMs(time.start) ?? startOf(part),
  );
  call.toolName = name;
  call.toolUseId = callId;
  call.toolInput = st.input === undefined ? null : safeJson(isObj(st.input) ? st.input : { input: st.input });
  const out = [call];
  const status = str(st.status);
  if (status !== 'completed' && status !== 'error') return out;
  const result = base(
    sp,
    `opencode:${part.id}:result`,
    'tool_result',
    'tool',
    isoFromMs(time.end) ?? isoFromMs(part.timeUpdated),
  );
  result.toolName = name;
  result.toolUseId = callId;
  const value = status === 'error' ? st.error : st.output;
  result.toolResult = value === undefined || value === null ? null : (str(value) ?? safeJson(value));
  const meta = isObj(st.metadata) ? st.metadata : {};
  const exit = num(meta.exit);
  result.isError = status === 'error' || (exit !== null && exit !== 0);
  out.push(result);
  return out;
}

/**
 * A `task` tool part names the child session it ran (`state.metadata.sessionId`, OpenCode 1.18): the link from
 * that session to the call that spawned it.
 */
export function partLink(part: PartRow, sessionKey: string): AgentLink | null {
  if (part.data.type !== 'tool') return null;
  const st = isObj(part.data.state) ? part.data.state : {};
  const meta = isObj(st.metadata) ? st.metadata : {};
  const child = nonEmpty(meta.sessionId);
  const callId = nonEmpty(part.data.callID);
  if (child === null || callId === null || child === sessionKey) return null;
  return { parentSessionKey: sessionKey, agentId: child, toolUseId: callId, agentSessionKey: child };
}

/** The messages of one part, or null for a part type that is bookkeeping (steps, snapshots, patches…). */
export function partMessages(part: PartRow, sp: Speaker): ParsedMessage[] | null {
  switch (part.data.type) {
    case 'text':
      return textPart(part, sp);
    case 'reasoning':
      return reasoningPart(part, sp);
    case 'tool':
      return toolPart(part, sp);
    case 'file':
      return filePart(part, sp);
    default:
      return null;
  }
}
