/**
 * One MessageRecord `{id, timestamp, type, content, displayContent?, toolCalls?, thoughts?, tokens?, model?}`
 * → its parts. The same record arrives several times under its id (tokens added, tool calls merged in, a
 * `$set.messages` checkpoint), so parts are named after the id and emitted only when they changed (line.ts).
 */
import {
  emitPart,
  hasPart,
  type Line,
  noteMessage,
  type Part,
  type PartOutcome,
  partIdentity,
  sessionOf,
} from './line.js';
import { contentText, isInjected, isSummary, onlyFunctionResponses, partsOf, resultText } from './parts.js';
import { type GeminiState, partsKey } from './state.js';
import { tokenUsage } from './tokens.js';
import { isObj, isoTime, nonEmpty, type Obj, safeJson, str } from './util.js';

/**
 * `live`: a record appended on its own. `checkpoint`: one entry of a `$set.messages` list, which Gemini CLI
 * writes from its in-memory history: an id first seen there is a turn the CLI made itself (the bootstrap
 * context and its acknowledgement, a compression summary), never a prompt typed at that moment.
 */
export type Mode = 'live' | 'checkpoint';

export interface Applied {
  /** Parts emitted for the first time, emitted again changed, and found unchanged. */
  fresh: number;
  changed: number;
  same: number;
  /** True when the id was not known before this record. */
  firstSight: boolean;
  /** Why nothing was emitted, when that is not just "unchanged". */
  reason: string | null;
}

interface Msg {
  line: Line;
  sid: string;
  id: string;
  rec: Obj;
  emittedAt: string | null;
  /** First seen inside a checkpoint: a turn Gemini CLI wrote itself. */
  synthetic: boolean;
  mode: Mode;
  applied: Applied;
}

function emit(m: Msg, suffix: string, part: Part): PartOutcome {
  const outcome = emitPart(m.line, m.sid, m.id, suffix, part);
  if (outcome === 'new') m.applied.fresh++;
  else if (outcome === 'changed') m.applied.changed++;
  else m.applied.same++;
  return outcome;
}

/** Keeps the live conversation's order for `$rewindTo`; re-appends are nearly always of the last id. */
function track(state: GeminiState, id: string, firstSight: boolean): void {
  const order = state.order;
  if (order[order.length - 1] === id) return;
  if (firstSight || !order.includes(id)) order.push(id);
}

/** Text typed by the person, and the parts Gemini CLI injected into the same turn. */
function splitUserText(rec: Obj): { human: string; injected: string[] } {
  let human = '';
  const injected: string[] = [];
  for (const p of partsOf(rec.content)) {
    const t = str(p.text);
    if (t !== null && p.thought !== true && isInjected(t)) injected.push(t);
    else human += contentText([p]);
  }
  // `displayContent` is what the person typed, before `@file` expansion and similar rewriting.
  const shown = contentText(rec.displayContent);
  if (shown.trim().length > 0 && !isInjected(shown)) human = shown;
  return { human, injected };
}

/** How far back a functionResponse looks for its call: parallel calls sit in the message just before. */
const RECENT = 50;

/** The gemini message (among the latest ones) that made call `callId`, or null. */
function callOwner(state: GeminiState, callId: string): string | null {
  const order = state.order;
  for (let i = order.length - 1; i >= 0 && i >= order.length - RECENT; i--) {
    const id = order[i]!;
    if (hasPart(state, id, `call:${callId}`)) return id;
  }
  return null;
}

/**
 * A user record of `functionResponse` parts repeats the tool output that the gemini record's
 * `toolCalls[].result` holds, which is the copy we store (it names its call's status, and `$set.messages`
 * masking rewrites it). Only when that copy holds no result for the call yet is the output taken from here,
 * under the gemini part's own identity: the gemini copy then replaces it, and it is stored once either way.
 */
function functionResponses(m: Msg): void {
  let filled = 0;
  for (const p of partsOf(m.rec.content)) {
    const fr = isObj(p.functionResponse) ? p.functionResponse : null;
    const callId = fr ? nonEmpty(fr.id) : null;
    const owner = callId === null ? null : callOwner(m.line.state, callId);
    if (fr === null || callId === null || owner === null || hasPart(m.line.state, owner, `result:${callId}`))
      continue;
    const response = fr.response;
    emitPart(m.line, m.sid, owner, `result:${callId}`, {
      messageType: 'tool_result',
      authorRole: 'tool',
      emittedAt: m.emittedAt,
      content: null,
      toolName: nonEmpty(fr.name),
      toolUseId: callId,
      toolResult: resultText([p], callId),
      isError: isObj(response) && response.error !== undefined && response.error !== null,
      groupKey: `gemini:${m.sid}:${owner}`,
    });
    filled++;
  }
  m.applied.fresh += filled;
  m.applied.reason =
    filled === 0
      ? 'duplicate: this functionResponse is stored from toolCalls[].result of the gemini message'
      : `tool output of ${filled} call(s) taken from this functionResponse: the gemini message holds no result yet`;
}

function userMessage(m: Msg): void {
  if (onlyFunctionResponses(m.rec.content)) {
    functionResponses(m);
    return;
  }
  const { human, injected } = splitUserText(m.rec);
  injected.forEach((text, i) => {
    emit(m, `context:${i}`, {
      messageType: isSummary(text) ? 'summary' : 'context',
      authorRole: 'system',
      emittedAt: m.emittedAt,
      content: text,
    });
  });
  if (human.trim().length === 0) {
    if (injected.length === 0) m.applied.reason = 'empty user message';
    return;
  }
  if (m.synthetic) {
    // Its own suffix: were the same id ever appended live as a prompt, that prompt is still stored as one
    // (an upsert cannot change a stored message's type).
    emit(m, 'synthetic', {
      messageType: 'context',
      authorRole: 'system',
      emittedAt: m.emittedAt,
      content: human,
    });
    return;
  }
  const outcome = emit(m, 'text', {
    messageType: 'prompt',
    authorRole: 'human',
    emittedAt: m.emittedAt,
    content: human,
  });
  // A new prompt proves the previous response complete; a copy of an old one proves nothing.
  if (m.mode === 'live' && outcome === 'new') m.line.out.closesGroups = true;
}

function thoughtText(t: Obj): string {
  const subject = str(t.subject)?.trim() ?? '';
  const description = str(t.description)?.trim() ?? '';
  return subject && description ? `${subject}\n\n${description}` : subject || description;
}

/** Tool input as JSON text: the args object, or `{"input": original}` when it is not one. */
function toolInput(args: unknown): string | null {
  if (args === undefined || args === null) return null;
  return safeJson(isObj(args) ? args : { input: args });
}

const FINISHED = new Set(['success', 'error', 'cancelled']);

function toolCalls(m: Msg, group: string, model: string | null): void {
  const calls = Array.isArray(m.rec.toolCalls) ? m.rec.toolCalls : [];
  calls.forEach((tc, i) => {
    if (!isObj(tc)) return;
    const callId = nonEmpty(tc.id);
    const key = callId ?? `#${i}`;
    const toolName = nonEmpty(tc.name) ?? 'unknown';
    // `invoke_agent` (0.61): `agentId` is the sub-agent's session id, whose file is `chats/<this session>/`.
    const agent = nonEmpty(tc.agentId);
    if (agent !== null && callId !== null && !m.line.out.links.some((l) => l.toolUseId === callId))
      m.line.out.links.push({
        parentSessionKey: m.sid,
        agentId: agent,
        toolUseId: callId,
        agentSessionKey: agent,
      });
    emit(m, `call:${key}`, {
      messageType: 'tool_call',
      authorRole: 'assistant',
      emittedAt: m.emittedAt,
      content: null,
      toolName,
      toolUseId: callId,
      toolInput: toolInput(tc.args),
      model,
      groupKey: group,
    });
    const status = str(tc.status);
    let text: string | null = null;
    if (tc.result !== undefined && tc.result !== null) text = resultText(tc.result, callId);
    else if (status !== null && FINISHED.has(status)) text = str(tc.resultDisplay);
    if (text === null) return; // still running: a later re-append brings the result
    emit(m, `result:${key}`, {
      messageType: 'tool_result',
      authorRole: 'tool',
      emittedAt: isoTime(tc.timestamp) ?? m.emittedAt,
      content: null,
      toolName,
      toolUseId: callId,
      toolResult: text,
      // A cancelled call did not do its work either; Claude Code marks its interrupted calls the same way.
      isError: status === 'error' || status === 'cancelled',
      groupKey: group,
    });
  });
}

/** The part that carries the response's usage: its text once there is one, else its first part. */
function anchorOf(state: GeminiState, sid: string, id: string): string | null {
  if (hasPart(state, id, 'text')) return partIdentity(sid, id, 'text');
  const first = Object.keys(state.parts[partsKey(id)] ?? {})[0];
  return first === undefined ? null : partIdentity(sid, id, first);
}

function geminiMessage(m: Msg): void {
  const { line, sid, id, rec } = m;
  const { state, out } = line;
  const group = `gemini:${sid}:${id}`;
  const model = nonEmpty(rec.model);
  if (model !== null && model !== state.model) {
    state.model = model;
    out.sessions.push({ sessionKey: sid, assistant: 'gemini', model });
  }
  const tokens = tokenUsage(rec.tokens);
  const thoughts = Array.isArray(rec.thoughts) ? rec.thoughts : [];
  thoughts.forEach((t, i) => {
    if (!isObj(t)) return;
    const text = thoughtText(t);
    if (text.length === 0) return;
    emit(m, `thought:${i}`, {
      messageType: 'thinking',
      authorRole: 'assistant',
      emittedAt: isoTime(t.timestamp) ?? m.emittedAt,
      content: text,
      model,
      groupKey: group,
    });
  });
  const text = contentText(rec.content);
  if (text.trim().length > 0) {
    // A turn the CLI wrote itself (the "Got it. Thanks for the context!" after the bootstrap) has no tokens.
    if (m.synthetic && tokens === null) {
      emit(m, 'synthetic', {
        messageType: 'context',
        authorRole: 'system',
        emittedAt: m.emittedAt,
        content: text,
      });
    } else {
      emit(m, 'text', {
        messageType: 'response',
        authorRole: 'assistant',
        emittedAt: m.emittedAt,
        content: text,
        model,
        groupKey: group,
      });
    }
  }
  toolCalls(m, group, model);
  const counted = tokens !== null && tokens.input + tokens.cacheRead + tokens.output > 0;
  if (counted) {
    out.usage.push({
      responseKey: group,
      sessionKey: sid,
      model: model ?? state.model,
      tokens,
      combine: 'max',
      anchorIdentity: anchorOf(state, sid, id),
      emittedAt: m.emittedAt,
    });
  }
  if (m.applied.fresh + m.applied.changed + m.applied.same === 0 && !counted)
    m.applied.reason = 'gemini message with no content yet (a re-append brings it)';
}

/** `info` and `warning` are the CLI's notices (context); `error` is an error shown to the person. */
function notice(m: Msg, type: string): void {
  const text = contentText(m.rec.content);
  if (text.trim().length === 0) {
    m.applied.reason = `empty ${type} message`;
    return;
  }
  emit(m, 'text', {
    messageType: type === 'error' ? 'error' : 'context',
    authorRole: 'system',
    emittedAt: m.emittedAt,
    content: text,
  });
}

/** Applies one message record; `out.closesGroups`, sessions and usage are set on the line's output. */
export function applyMessage(line: Line, rec: Obj, mode: Mode): Applied {
  const id = str(rec.id) ?? '';
  const sid = sessionOf(line);
  const firstSight = noteMessage(line.state, id);
  if (mode === 'live') track(line.state, id, firstSight);
  const applied: Applied = { fresh: 0, changed: 0, same: 0, firstSight, reason: null };
  const m: Msg = {
    line,
    sid,
    id,
    rec,
    emittedAt: isoTime(rec.timestamp),
    synthetic: mode === 'checkpoint' && firstSight,
    mode,
    applied,
  };
  const type = str(rec.type);
  if (type === 'user') userMessage(m);
  else if (type === 'gemini') geminiMessage(m);
  else if (type === 'info' || type === 'warning' || type === 'error') notice(m, type);
  else applied.reason = `unknown message type ${type === null ? '(none)' : JSON.stringify(type)}`;
  return applied;
}
