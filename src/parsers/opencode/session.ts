/** The session line: the `session` row's stable columns → SessionInfo. */
import type { FileContext, RecordOutput, SessionInfo } from '../types.js';
import { emptyOutput } from '../types.js';
import { type OpenCodeState, sessionKeyOf } from './state.js';
import { isoFromMs, nonEmpty, type Obj } from './util.js';

export function parseSession(row: Obj, state: OpenCodeState, ctx: FileContext): RecordOutput {
  const id = nonEmpty(row.id);
  if (id === null) {
    const out = emptyOutput('session', sessionKeyOf(state));
    out.warning = 'OpenCode session row without an id';
    return out;
  }
  const out = emptyOutput('session', id);
  if (state.sessionKey !== null && state.sessionKey !== id) {
    // One rendering is one session; a second id would mix two sessions' messages under one key.
    out.sessionKey = state.sessionKey;
    out.warning = `second session row (${id}) in the rendering of session ${state.sessionKey}; ignored`;
    return out;
  }
  state.sessionKey = id;
  const parent = nonEmpty(row.parent_id) ?? state.parentKey;
  state.parentKey = parent;
  const info: SessionInfo = { sessionKey: id, assistant: 'opencode' };
  const cwd = nonEmpty(row.directory) ?? ctx?.projectPath ?? null;
  if (cwd !== null) info.cwd = cwd;
  const title = nonEmpty(row.title);
  if (title !== null) info.title = title;
  const version = nonEmpty(row.version);
  if (version !== null) info.assistantVersion = version;
  const slug = nonEmpty(row.slug);
  if (slug !== null) info.slug = slug;
  if (parent !== null) info.parentSessionKey = parent;
  const started = isoFromMs(row.time_created);
  if (started !== null) info.timestamp = started;
  out.sessions.push(info);
  out.note = 'session row';
  return out;
}
