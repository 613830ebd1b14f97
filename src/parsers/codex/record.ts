/**
 * One record → one `RecordOutput`: era detection per line (envelope `{timestamp, [ordinal], type, payload}` or
 * bare legacy), the line's identity tag, and dispatch to the handlers.
 */
import { emptyOutput, type LineInput, type RecordOutput } from '../types.js';
import { eventMsg } from './events.js';
import { responseItem } from './items.js';
import { finalize, type Line } from './line.js';
import { isLegacyHeader, sessionMeta, turnContext } from './meta.js';
import type { CodexState } from './state.js';
import { isObj, num, type Obj, str } from './util.js';

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Only real ISO timestamps count; redacted fixtures put placeholder text in the field. */
function timestampOf(rec: Obj): string | null {
  const ts = str(rec.timestamp);
  return ts !== null && ISO_PREFIX.test(ts) ? ts : null;
}

/**
 * `o<ordinal>` while ordinals grow, else `b<byte offset>`: an ordinal that does not exceed the last one used
 * (curated files repeat 0, replays restart) would collide with an earlier identity.
 */
function lineTag(state: CodexState, rec: Obj, offset: unknown): string {
  const ordinal = num(rec.ordinal);
  if (ordinal !== null && Number.isInteger(ordinal) && ordinal > state.lastOrdinal) {
    state.lastOrdinal = ordinal;
    return `o${ordinal}`;
  }
  return `b${num(offset) ?? 0}`;
}

/** `compacted`: the summary text that replaces earlier history; an empty message is only a marker. */
function compacted(line: Line, p: Obj): void {
  line.state.pendingPrompt = null;
  const message = str(p.message);
  if (message !== null && message.trim().length > 0) {
    line.drafts.push({ messageType: 'summary', authorRole: 'system', content: message });
  } else line.out.note = 'compaction marker';
}

function envelope(line: Line, type: string, payload: unknown): void {
  if (!isObj(payload)) {
    line.out.note = 'unrecognised payload';
    return;
  }
  if (type === 'session_meta') sessionMeta(line, payload);
  else if (type === 'turn_context') turnContext(line, payload);
  else if (type === 'response_item') responseItem(line, payload);
  else if (type === 'event_msg') eventMsg(line, payload);
  else if (type === 'compacted') compacted(line, payload);
  // world_state, inter_agent_*, token_usage_record, …: model-visible state or bookkeeping.
  else line.out.note = 'metadata';
}

function newLine(
  state: CodexState,
  kind: string,
  recordType: string,
  payload: unknown,
  rec: Obj,
  tag: string,
): Line {
  return {
    state,
    out: emptyOutput(kind, state.ownThread),
    recordType,
    payload,
    emittedAt: timestampOf(rec),
    tag,
    drafts: [],
  };
}

function legacy(state: CodexState, rec: Obj, offset: unknown): Line {
  const tag = lineTag(state, rec, offset);
  if (rec.record_type !== undefined) {
    const line = newLine(state, 'legacy/state', 'state', rec, rec, tag);
    line.out.note = 'metadata';
    return line;
  }
  if (isLegacyHeader(rec)) {
    const line = newLine(state, 'legacy/session_meta', 'session_meta', rec, rec, tag);
    sessionMeta(line, rec);
    return line;
  }
  const type = str(rec.type);
  if (type === null) {
    const line = newLine(state, 'unknown', 'unknown', rec, rec, tag);
    line.out.note = 'unrecognised record';
    return line;
  }
  // Bare items are response items without an envelope: hash them as such so eras compare equal.
  const line = newLine(state, `legacy/${type}`, 'response_item', rec, rec, tag);
  responseItem(line, rec);
  return line;
}

export function parseRecord(input: LineInput, state: CodexState): RecordOutput {
  const rec = input?.json;
  if (!isObj(rec)) {
    const out = emptyOutput('invalid', state.ownThread);
    out.warning = 'record is not a JSON object';
    return out;
  }
  let line: Line;
  const type = str(rec.type);
  if (type !== null && 'payload' in rec) {
    const payloadType = str(isObj(rec.payload) ? rec.payload.type : undefined);
    const kind = payloadType === null ? type : `${type}/${payloadType}`;
    line = newLine(state, kind, type, rec.payload, rec, lineTag(state, rec, input.offset));
    envelope(line, type, rec.payload);
  } else line = legacy(state, rec, input.offset);
  finalize(line);
  line.out.sessionKey = state.ownThread;
  // `note` explains an empty result only.
  if (line.out.messages.length > 0) delete line.out.note;
  return line.out;
}
