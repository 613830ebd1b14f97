/**
 * A message line: one `message` row with all of its `part` rows → prompts, responses, thinking, tool calls and
 * results, an error, and the message's token usage.
 */
import type { ParsedMessage, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { type PartRow, partLink, partMessages, type Speaker } from './parts.js';
import { type OpenCodeState, sessionKeyOf } from './state.js';
import { tokenUsage } from './tokens.js';
import { isObj, isoFromMs, nonEmpty, num, type Obj, str } from './util.js';

function partRows(v: unknown): PartRow[] {
  if (!Array.isArray(v)) return [];
  const rows: PartRow[] = [];
  for (const p of v) {
    if (!isObj(p)) continue;
    const id = nonEmpty(p.id);
    if (id === null || !isObj(p.data)) continue;
    rows.push({ id, data: p.data, timeCreated: p.time_created, timeUpdated: p.time_updated });
  }
  return rows;
}

/**
 * An assistant message is complete once OpenCode wrote `time.completed` or a `finish` reason; until then its
 * row and its parts are still being updated in place.
 */
export function isComplete(data: Obj): boolean {
  const time = isObj(data.time) ? data.time : {};
  return num(time.completed) !== null || nonEmpty(data.finish) !== null;
}

/** `data.error` {name, data{message}} as one line of text. */
function errorText(err: unknown): string | null {
  if (!isObj(err)) return typeof err === 'string' && err !== '' ? err : null;
  const name = nonEmpty(err.name);
  const inner = isObj(err.data) ? err.data : {};
  const message = nonEmpty(inner.message) ?? nonEmpty(err.message);
  if (name && message) return `${name}: ${message}`;
  return name ?? message ?? JSON.stringify(err);
}

export function parseMessage(rec: Obj, state: OpenCodeState): RecordOutput {
  const sessionKey = sessionKeyOf(state);
  const row = isObj(rec.message) ? rec.message : {};
  const id = nonEmpty(row.id);
  const data = isObj(row.data) ? row.data : null;
  const role = str(data?.role);
  const out = emptyOutput(`message/${role ?? 'unknown'}`, sessionKey);
  if (id === null || data === null) {
    out.warning = 'OpenCode message row without an id or a JSON data object';
    return out;
  }
  if (role !== 'user' && role !== 'assistant') {
    out.note = `message role ${JSON.stringify(data.role ?? null)} is not read`;
    return out;
  }
  const time = isObj(data.time) ? data.time : {};
  const complete = role === 'user' || isComplete(data);
  const sub = state.parentKey !== null;
  const sp: Speaker = {
    sessionKey,
    role,
    author: role === 'user' ? (sub ? 'caller' : 'human') : sub ? 'agent' : 'assistant',
    model: nonEmpty(data.modelID),
    groupKey: complete ? null : `opencode:${id}`,
    // A user message's parts are written whole when the prompt is sent; only the row is touched later (its
    // `summary` when the turn ends), so re-reading them is the same message again, never a newer version.
    upsert: role === 'assistant',
    summary: data.summary === true,
    emittedAt: isoFromMs(time.created) ?? isoFromMs(row.time_created),
  };
  const skipped = new Set<string>();
  for (const part of partRows(rec.parts)) {
    const msgs = partMessages(part, sp);
    if (msgs === null) skipped.add(String(part.data.type ?? 'untyped'));
    else out.messages.push(...msgs);
    const link = partLink(part, sp.sessionKey);
    if (link !== null) out.links.push(link);
  }
  if (role === 'assistant') assistantExtras(out, data, id, sp, complete);
  // A prompt starts a new turn and a completed response is final: either proves every open group done, and
  // makes the parts stored while this message was still streaming publishable.
  out.closesGroups = complete;
  const notes: string[] = [];
  if (!complete) notes.push('still being written');
  if (skipped.size > 0) notes.push(`no message for parts: ${[...skipped].sort().join(', ')}`);
  if (out.messages.length === 0 && notes.length === 0) notes.push(`${role} message without content`);
  if (notes.length > 0) out.note = notes.join('; ');
  return out;
}

function assistantExtras(out: RecordOutput, data: Obj, id: string, sp: Speaker, complete: boolean): void {
  const time = isObj(data.time) ? data.time : {};
  const at = isoFromMs(time.completed) ?? sp.emittedAt;
  const err = errorText(data.error);
  if (err !== null) {
    const m: ParsedMessage = {
      identity: `opencode:${id}:error`,
      sessionKey: sp.sessionKey,
      threadKey: 'main',
      messageType: 'error',
      authorRole: 'system',
      emittedAt: at,
      content: err,
      model: sp.model,
      groupKey: sp.groupKey,
      upsert: true,
      isError: true,
    };
    out.messages.push(m);
  }
  const finish = nonEmpty(data.finish);
  if (complete && finish !== null)
    for (const m of out.messages) if (m.messageType === 'response') m.stopReason = finish;
  // Tokens are final only once the message is: reported then, once per API response.
  const tokens = complete ? tokenUsage(data.tokens) : null;
  if (tokens === null) return;
  const anchor =
    out.messages.find((m) => m.messageType === 'response') ??
    out.messages.find((m) => m.messageType !== 'error') ??
    null;
  out.usage.push({
    responseKey: `opencode:${id}`,
    sessionKey: sp.sessionKey,
    model: sp.model,
    tokens,
    combine: 'max',
    anchorIdentity: anchor?.identity ?? null,
    emittedAt: at,
  });
}
