/**
 * Entries other than `message`: the session header, settings changes, summaries and extension entries.
 */
import type { SessionInfo } from '../types.js';
import { contentText } from './content.js';
import { addMessage, type Line } from './line.js';
import { nonEmpty, type Obj } from './util.js';

function info(line: Line): SessionInfo {
  return { sessionKey: line.state.sessionKey, assistant: 'pi' };
}

/** The stem of a session file path named by `parentSession` (v2+) or `branchedFrom` (v1). */
function forkOrigin(h: Obj): string | null {
  const from = nonEmpty(h.parentSession) ?? nonEmpty(h.branchedFrom);
  if (from === null) return null;
  const base = from.split(/[/\\]/).pop() ?? from;
  return base.replace(/\.jsonl$/, '');
}

/**
 * `{type:"session", version?, id, timestamp, cwd, parentSession?}`; v1 also `provider, modelId,
 * thinkingLevel, branchedFrom`. A fork is not a sub-agent: its `parentSession` names the file whose history
 * it copied, so it is noted on the record, never reported as `parentSessionKey` (which means "spawned by",
 * and would count the fork's tokens under its origin, as codex's `forked_from_id` is not either).
 */
export function header(line: Line, h: Obj): void {
  const { state, out } = line;
  const id = nonEmpty(h.id);
  if (state.headerSeen) {
    if (id !== null && id !== state.sessionKey)
      out.warning = `second session header with another id (${id}); its entries stay in ${state.sessionKey}`;
    out.note = 'session header';
    return;
  }
  state.headerSeen = true;
  if (id !== null) state.sessionKey = id;
  out.sessionKey = state.sessionKey;
  const s = info(line);
  const cwd = nonEmpty(h.cwd);
  if (cwd !== null) s.cwd = cwd;
  const ts = nonEmpty(h.timestamp);
  if (ts !== null) s.timestamp = ts;
  const model = nonEmpty(h.modelId);
  if (model !== null) {
    state.model = model;
    s.model = model;
  }
  out.sessions.push(s);
  const origin = forkOrigin(h);
  out.note = origin === null ? 'session header' : `session header (fork of ${origin})`;
}

function modelChange(line: Line, e: Obj): void {
  const model = nonEmpty(e.modelId);
  if (model !== null) {
    line.state.model = model;
    line.out.sessions.push({ ...info(line), model });
  }
  line.out.note = 'metadata';
}

function sessionInfo(line: Line, e: Obj): void {
  const name = nonEmpty(e.name)?.trim();
  if (name) line.out.sessions.push({ ...info(line), title: name });
  line.out.note = 'metadata';
}

/** `compaction` and `branch_summary`: the summary pi gives the model in place of older or abandoned turns. */
function summary(line: Line, e: Obj): void {
  const text = nonEmpty(e.summary);
  if (text === null) {
    line.out.note = 'empty summary';
    return;
  }
  addMessage(line, { messageType: 'summary', authorRole: 'system', content: text });
}

/** `custom_message`: an extension's message that joins the model's context. */
function customMessage(line: Line, e: Obj): void {
  const text = contentText(e.content);
  if (text === null || text.length === 0) {
    line.out.note = 'empty message';
    return;
  }
  addMessage(line, { messageType: 'context', authorRole: 'system', content: text });
}

/** Entry kinds kept as context rows only, with why. */
const QUIET: Record<string, string> = {
  thinking_level_change: 'metadata',
  label: 'metadata',
  custom: 'extension data',
};

/** Handles a non-message entry; false when the kind is not known. */
export function otherEntry(line: Line, type: string, e: Obj): boolean {
  if (type === 'session') header(line, e);
  else if (type === 'model_change') modelChange(line, e);
  else if (type === 'session_info') sessionInfo(line, e);
  else if (type === 'compaction' || type === 'branch_summary') summary(line, e);
  else if (type === 'custom_message') customMessage(line, e);
  else if (type in QUIET) line.out.note = QUIET[type];
  else return false;
  return true;
}
