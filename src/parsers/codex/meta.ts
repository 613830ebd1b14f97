/**
 * Session facts: `session_meta` (and the bare legacy header), `turn_context`, and the cwd recovered from an
 * `<environment_context>` block. Also where replayed sections start and end (forked / sub-agent files copy
 * their parent's history, `session_meta` included, to the top of the new rollout).
 */
import type { SessionInfo } from '../types.js';
import type { Line } from './line.js';
import { field, nonEmpty, type Obj } from './util.js';

function baseInfo(line: Line): SessionInfo {
  return { sessionKey: line.state.ownThread, assistant: 'codex' };
}

/** Records the session cwd the first time one is known, in the own section only. */
export function learnCwd(line: Line, cwd: string | null): void {
  const { state } = line;
  if (cwd === null || state.cwd !== null || state.section !== null) return;
  state.cwd = cwd;
  line.out.sessions.push({ ...baseInfo(line), cwd });
}

/** Only sub-agent threads have a parent; `forked_from_id` names the history source, not a parent. */
function parentOf(p: Obj): string | null {
  const spawn = field(field(field(p, 'source'), 'subagent'), 'thread_spawn');
  return nonEmpty(p.parent_thread_id) ?? nonEmpty(field(spawn, 'parent_thread_id'));
}

function ownMetaInfo(line: Line, p: Obj): void {
  const { state } = line;
  const info = baseInfo(line);
  const cwd = nonEmpty(p.cwd);
  if (cwd !== null) {
    info.cwd = cwd;
    state.cwd = cwd;
  }
  const branch = nonEmpty(field(p.git, 'branch'));
  if (branch !== null) info.gitBranch = branch;
  const version = nonEmpty(p.cli_version);
  if (version !== null) info.assistantVersion = version;
  const parent = parentOf(p);
  if (parent !== null) info.parentSessionKey = parent;
  const ts = nonEmpty(p.timestamp) ?? line.emittedAt;
  if (ts !== null) info.timestamp = ts;
  if (state.model !== null) info.model = state.model;
  line.out.sessions.push(info);
}

/**
 * The first meta names the file's own thread. A later meta with another id starts a replayed section of that
 * thread; one with the own id ends it.
 */
export function sessionMeta(line: Line, p: Obj): void {
  const { state } = line;
  const id = nonEmpty(p.id) ?? nonEmpty(p.session_id);
  // A prompt's twin is written next to it, never across a thread boundary.
  state.pendingPrompt = null;
  if (!state.ownFixed) {
    if (id !== null) state.ownThread = id;
    state.ownFixed = true;
  } else if (id !== null && id !== state.ownThread) {
    if (state.section !== id) {
      state.section = id;
      state.replayTotal = null;
      state.replayTokensOwn = false;
    }
    line.out.note = 'replayed history';
    return;
  } else {
    state.section = null;
  }
  line.out.sessionKey = state.ownThread;
  line.out.note = 'metadata';
  ownMetaInfo(line, p);
}

/** `turn_context` carries the model (session_meta never does) and the turn's cwd. */
export function turnContext(line: Line, p: Obj): void {
  const { state } = line;
  line.out.note = 'metadata';
  const model = nonEmpty(p.model) ?? nonEmpty(field(field(p.collaboration_mode, 'settings'), 'model'));
  if (model !== null && model !== state.model) {
    state.model = model;
    if (state.section === null) line.out.sessions.push({ ...baseInfo(line), model });
  }
  learnCwd(line, nonEmpty(p.cwd));
}

/** The bare legacy header `{id, timestamp, instructions, git}` (no envelope, no per-line timestamps). */
export function isLegacyHeader(rec: Obj): boolean {
  return (
    typeof rec.id === 'string' &&
    rec.type === undefined &&
    rec.payload === undefined &&
    ('timestamp' in rec || 'git' in rec || 'instructions' in rec)
  );
}
