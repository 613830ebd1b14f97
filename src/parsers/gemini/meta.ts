/**
 * The records that are not messages: the header line, `{"$set": {...}}` patches (including the
 * `$set.messages` checkpoint) and `{"$rewindTo": id}`.
 */
import type { SessionInfo } from '../types.js';
import { type Line, sessionOf } from './line.js';
import { applyMessage } from './message.js';
import { isObj, isoTime, nonEmpty, type Obj, str } from './util.js';

/** Line 1: `{sessionId, projectHash, startTime, lastUpdated, kind, directories?, summary?}`. */
export function isHeader(rec: Obj): boolean {
  return nonEmpty(rec.sessionId) !== null && typeof rec.projectHash === 'string';
}

function firstDirectory(v: unknown): string | null {
  return Array.isArray(v) ? nonEmpty(v.find((d) => typeof d === 'string' && d.length > 0)) : null;
}

/**
 * The project directory: `.project_root` of the project folder (given by discovery) or the first workspace
 * directory of the record (sub-agent headers and `/dir add` list them). Records hold no cwd of their own.
 */
function cwdOf(line: Line, directories: unknown): string | null {
  return nonEmpty(line.ctx.projectPath) ?? firstDirectory(directories);
}

export function header(line: Line, rec: Obj): void {
  const { state, out } = line;
  const sid = nonEmpty(rec.sessionId)!;
  out.note = 'session header';
  if (state.sessionKey !== null && state.sessionKey !== sid) {
    out.warning = `a second session header names session ${sid}; this file stays session ${state.sessionKey}`;
    return;
  }
  state.sessionKey = sid;
  const info: SessionInfo = { sessionKey: sid, assistant: 'gemini' };
  const cwd = cwdOf(line, rec.directories);
  if (cwd !== null) {
    info.cwd = cwd;
    state.cwd = cwd;
  }
  // The directory names the parent; `kind` says the file really is a sub-agent's.
  const parent = nonEmpty(line.ctx.parentSessionFromPath);
  if (rec.kind === 'subagent' && parent !== null) info.parentSessionKey = parent;
  const title = nonEmpty(rec.summary);
  if (title !== null) info.title = title;
  const start = isoTime(rec.startTime);
  if (start !== null) info.timestamp = start;
  out.sessions.push(info);
  const last = isoTime(rec.lastUpdated);
  if (last !== null && last !== start)
    out.sessions.push({ sessionKey: sid, assistant: 'gemini', timestamp: last });
}

/**
 * `$set.messages`: Gemini CLI rebuilt its message list (start-up sync of the bootstrap turns, masking of
 * large tool outputs, /compress). Each entry is applied like a re-append: known ids update their parts,
 * new ids are added. Nothing is deleted: messages the list no longer holds stay stored.
 */
function checkpoint(line: Line, messages: unknown[]): string {
  const { state } = line;
  const order: string[] = [];
  const inList = new Set<string>();
  let fresh = 0;
  let changed = 0;
  let same = 0;
  let skipped = 0;
  for (const m of messages) {
    const id = isObj(m) ? str(m.id) : null;
    if (!isObj(m) || id === null) {
      skipped++;
      continue;
    }
    const applied = applyMessage(line, m, 'checkpoint');
    fresh += applied.fresh;
    changed += applied.changed;
    same += applied.same;
    if (!inList.has(id)) order.push(id);
    inList.add(id);
  }
  const dropped = state.order.filter((id) => !inList.has(id)).length;
  state.order = order;
  const parts = [`${fresh} new, ${changed} updated, ${same} unchanged parts`];
  if (dropped > 0) parts.push(`${dropped} earlier messages left the list and stay stored`);
  if (skipped > 0) parts.push(`${skipped} entries without an id ignored`);
  return `message list checkpoint of ${order.length} messages: ${parts.join('; ')}`;
}

export function setRecord(line: Line, set: Obj): void {
  const { out } = line;
  const sid = sessionOf(line);
  const info: SessionInfo = { sessionKey: sid, assistant: 'gemini' };
  const title = nonEmpty(set.summary);
  if (title !== null) info.title = title;
  const updated = isoTime(set.lastUpdated);
  if (updated !== null) info.timestamp = updated;
  const cwd = set.directories !== undefined ? cwdOf(line, set.directories) : null;
  if (cwd !== null && line.state.cwd === null) {
    info.cwd = cwd;
    line.state.cwd = cwd;
  }
  if (Object.keys(info).length > 2) out.sessions.push(info);
  const notes = ['metadata'];
  if (Array.isArray(set.messages)) {
    out.kind = '$set/messages';
    notes.push(checkpoint(line, set.messages));
  }
  out.note = notes.join('; ');
}

/**
 * `$rewindTo`: Gemini CLI drops that message and every later one (all of them when the id is unknown). Here
 * they stay: they happened, they may be published already, and the server cannot delete. Later records are
 * new messages under new ids. The rewound messages can no longer change, so their groups close.
 */
export function rewind(line: Line, target: string): void {
  const { state, out } = line;
  sessionOf(line);
  const at = state.order.indexOf(target);
  const rewound = at >= 0 ? state.order.length - at : state.order.length;
  state.order = at >= 0 ? state.order.slice(0, at) : [];
  out.closesGroups = true;
  const what =
    at >= 0
      ? `rewind to message ${target}: ${rewound} messages rewound`
      : `rewind to unknown message ${target}: all ${rewound} messages rewound`;
  out.note = `${what}; they stay stored (already ingested, possibly published)`;
}
