/** One Qwen Code record → what it means (the mapping table is in index.ts). */
import {
  type AuthorRole,
  emptyOutput,
  type LineInput,
  type ParsedMessage,
  type RecordOutput,
  type SessionInfo,
} from '../types.js';
import { type Draft, modelDrafts, partsOf, responseDrafts, userText } from './parts.js';
import type { QwenState } from './state.js';
import { usageOf } from './tokens.js';
import { isObj, nonEmpty, type Obj, str } from './util.js';

/** `user` records the runtime injects (background notifications, cron, goal loops): not a person's prompt. */
const RUNTIME_USER = new Set(['notification', 'cron', 'background_task_completed', 'goal_runtime']);

/** System subtypes kept local with a note: telemetry replays and bookkeeping snapshots, not conversation. */
const QUIET_SYSTEM: Record<string, string> = {
  ui_telemetry: 'telemetry',
  file_history_snapshot: 'metadata',
  attribution_snapshot: 'metadata',
  session_artifact_snapshot: 'metadata',
  session_sources_snapshot: 'metadata',
  managed_session_header_v1: 'metadata',
  managed_session_event_v1: 'metadata',
  managed_session_commit_v1: 'metadata',
};

interface Ctx {
  rec: Obj;
  line: LineInput;
  state: QwenState;
  out: RecordOutput;
  /** Identity prefix: `qwen:<uuid>` or, without a uuid, `qwen:<session>:b<offset>`. */
  idBase: string;
  /** Number of the record's first part (continues after earlier fragments of the same uuid). */
  partBase: number;
  threadKey: string;
  timestamp: string | null;
  model: string | null;
}

function validTimestamp(v: unknown): string | null {
  const s = str(v);
  return s !== null && !Number.isNaN(Date.parse(s)) ? s : null;
}

function emit(c: Ctx, d: Draft, authorRole: AuthorRole): ParsedMessage {
  const msg: ParsedMessage = {
    identity: `${c.idBase}:${c.partBase + d.part}`,
    sessionKey: c.state.sessionKey,
    threadKey: c.threadKey,
    messageType: d.messageType,
    authorRole,
    emittedAt: c.timestamp,
    content: d.content,
  };
  if (d.toolName !== undefined) msg.toolName = d.toolName;
  if (d.toolUseId !== undefined) msg.toolUseId = d.toolUseId;
  if (d.toolInput !== undefined) msg.toolInput = d.toolInput;
  if (d.toolResult !== undefined) msg.toolResult = d.toolResult;
  if (d.isError) msg.isError = true;
  if (authorRole === 'assistant' || authorRole === 'agent') msg.model = c.model;
  c.out.messages.push(msg);
  return msg;
}

/** Session facts when they change: cwd, branch and version are on every record. */
function sessionFacts(c: Ctx): void {
  const { rec, state } = c;
  const info: SessionInfo = { sessionKey: state.sessionKey, assistant: 'qwen' };
  let changed = false;
  const fact = (key: 'cwd' | 'gitBranch' | 'version', value: string | null) => {
    if (value === null || value === state[key]) return;
    state[key] = value;
    if (key === 'version') info.assistantVersion = value;
    else info[key] = value;
    changed = true;
  };
  const first = state.cwd === null && state.version === null;
  fact('cwd', nonEmpty(rec.cwd));
  fact('gitBranch', nonEmpty(rec.gitBranch));
  fact('version', nonEmpty(rec.version));
  if (c.model !== null && c.model !== state.model && str(rec.type) === 'assistant') {
    state.model = c.model;
    info.model = c.model;
    changed = true;
  }
  if (changed && first && c.timestamp !== null) info.timestamp = c.timestamp;
  if (changed) c.out.sessions.push(info);
}

function userRecord(c: Ctx, subtype: string | null): void {
  const parts = partsOf(c.rec.message);
  const payload = isObj(c.rec.systemPayload) ? c.rec.systemPayload : {};
  const text = userText(parts);
  // The display text is what the person typed; the parts may add hook context meant for the model only.
  const content = str(payload.displayText) ?? text?.text ?? null;
  const part = text?.part ?? 0;
  if (content !== null && content.length > 0) {
    if (subtype !== null && RUNTIME_USER.has(subtype)) {
      emit(c, { part, messageType: 'context', content }, 'system');
    } else {
      emit(c, { part, messageType: 'prompt', content }, c.threadKey === 'main' ? 'human' : 'caller');
      c.out.closesGroups = true;
    }
  }
  for (const d of responseDrafts(parts, null)) emit(c, d, 'tool');
}

function assistantRecord(c: Ctx): void {
  const role: AuthorRole = c.threadKey === 'main' ? 'assistant' : 'agent';
  const msgs = modelDrafts(partsOf(c.rec.message)).map((d) =>
    emit(c, d, d.messageType === 'tool_result' ? 'tool' : role),
  );
  const tokens = usageOf(c.rec.usageMetadata);
  if (tokens === null) return;
  const anchor = msgs.find((m) => m.messageType === 'response') ?? msgs[0];
  c.out.usage.push({
    responseKey: c.idBase,
    sessionKey: c.state.sessionKey,
    model: c.model,
    tokens,
    combine: 'max',
    anchorIdentity: anchor?.identity ?? null,
    emittedAt: c.timestamp,
  });
}

/**
 * Qwen's managed background agents (`managed-auto-memory-extractor`, seen in 0.24.4) make API calls of their
 * own and write no transcript: their usage exists only as the `qwen-code.api_response` telemetry event in the
 * session's file. Telemetry of every other call repeats what an assistant record already carries (main and
 * sub-agent transcripts), so it is not counted.
 */
function backgroundCall(c: Ctx, e: Obj): void {
  const agent = nonEmpty(e.subagent_type) ?? nonEmpty(e.subagent_name);
  if (agent === null || !agent.startsWith('managed-')) return;
  const tokens = usageOf({
    promptTokenCount: e.input_token_count,
    candidatesTokenCount: e.output_token_count,
    cachedContentTokenCount: e.cached_content_token_count,
    thoughtsTokenCount: e.thoughts_token_count,
    totalTokenCount: e.total_token_count,
  });
  if (tokens === null) return;
  c.out.note = `telemetry: usage of ${agent}`;
  c.out.usage.push({
    responseKey: `qwen:${c.state.sessionKey}:${nonEmpty(e.response_id) ?? c.idBase}`,
    sessionKey: c.state.sessionKey,
    model: nonEmpty(e.model) ?? c.model,
    tokens,
    combine: 'max',
    anchorIdentity: null,
    emittedAt: c.timestamp,
  });
}

/**
 * The telemetry events that carry what no other record does: a failed API call (`qwen-code.api_error`, the
 * only trace of it in the file) becomes an error message; a background agent's call, its usage.
 */
function telemetry(c: Ctx, payload: Obj): void {
  const e = isObj(payload.uiEvent) ? payload.uiEvent : null;
  if (e === null) return;
  if (e['event.name'] === 'qwen-code.api_response') backgroundCall(c, e);
  else if (e['event.name'] === 'qwen-code.api_error') {
    const text = nonEmpty(e.error_message) ?? nonEmpty(e.error_type) ?? 'API error';
    emit(c, { part: 0, messageType: 'error', content: text }, 'system');
  }
}

function toolResultRecord(c: Ctx): void {
  const result = isObj(c.rec.toolCallResult) ? c.rec.toolCallResult : {};
  const status = str(result.status);
  const drafts = responseDrafts(partsOf(c.rec.message), status);
  if (drafts.length === 0 && nonEmpty(result.callId) !== null) {
    // No Content was kept, only the UI copy of the result: it still answers its call.
    const display = result.resultDisplay;
    drafts.push({
      part: 0,
      messageType: 'tool_result',
      content: null,
      toolUseId: nonEmpty(result.callId),
      toolResult: typeof display === 'string' ? display : null,
      isError: status === 'error' || status === 'cancelled',
    });
  }
  for (const d of drafts) emit(c, d, 'tool');
}

/** A short text for a system record: the payload's own words when it has some. */
function systemText(subtype: string, payload: Obj): string {
  const said =
    str(payload.customTitle) ??
    str(payload.displayText) ??
    str(payload.rawCommand) ??
    str(payload.summary) ??
    str(payload.message) ??
    str(payload.modelId) ??
    str(payload.mode);
  return said !== null ? `${subtype}: ${said}` : subtype;
}

function systemRecord(c: Ctx, subtype: string | null): void {
  const payload = isObj(c.rec.systemPayload) ? c.rec.systemPayload : {};
  const name = subtype ?? 'system';
  const quiet = QUIET_SYSTEM[name];
  if (quiet !== undefined) {
    c.out.note = quiet;
    if (name === 'ui_telemetry') telemetry(c, payload);
    return;
  }
  const info: SessionInfo = { sessionKey: c.state.sessionKey, assistant: 'qwen' };
  if (name === 'custom_title' && nonEmpty(payload.customTitle) !== null)
    info.title = str(payload.customTitle);
  if (name === 'parent_session' && nonEmpty(payload.parentSessionId) !== null)
    info.parentSessionKey = str(payload.parentSessionId);
  if (name === 'session_model' && nonEmpty(payload.modelId) !== null) info.model = str(payload.modelId);
  if (Object.keys(info).length > 2) c.out.sessions.push(info);
  emit(c, { part: 0, messageType: 'context', content: systemText(name, payload) }, 'system');
}

export function parseRecord(line: LineInput, state: QwenState): RecordOutput {
  const rec = line.json;
  if (!isObj(rec)) {
    const out = emptyOutput('invalid', state.sessionKey);
    out.warning = 'qwen record is not a JSON object';
    return out;
  }
  const type = str(rec.type) ?? '?';
  const subtype = nonEmpty(rec.subtype);
  const out = emptyOutput(subtype !== null ? `${type}/${subtype}` : type, state.sessionKey);

  const named = nonEmpty(rec.sessionId);
  // A sub-agent file's records name their parent session: that is where they belong, not a foreign one.
  const foreign = named !== null && named !== state.sessionKey && named !== state.parentSessionKey;
  // Told once per run of records naming the same other session, not on every line of such a file.
  if (foreign && named !== state.foreignSession)
    out.warning = `record names session ${named}, but the file is session ${state.sessionKey}; kept there`;
  state.foreignSession = foreign ? named : null;
  if (state.parentSessionKey !== null && !state.linked) {
    state.linked = true;
    out.sessions.push({
      sessionKey: state.sessionKey,
      assistant: 'qwen',
      parentSessionKey: state.parentSessionKey,
    });
    if (state.spawnedBy !== null && state.agentId !== null)
      out.links.push({
        parentSessionKey: state.parentSessionKey,
        agentId: state.agentId,
        toolUseId: state.spawnedBy,
      });
  }
  // Several records on one line (a glued `}{` line recovered by the reader) share its offset.
  if (line.offset === state.lastOffset) state.valuesAtOffset++;
  else {
    state.lastOffset = line.offset;
    state.valuesAtOffset = 0;
  }
  const uuid = nonEmpty(rec.uuid);
  const at = state.valuesAtOffset > 0 ? `.${state.valuesAtOffset}` : '';
  const idBase = uuid !== null ? `qwen:${uuid}` : `qwen:${state.sessionKey}:b${line.offset}${at}`;
  const partBase = uuid !== null && uuid === state.lastUuid ? state.partsSeen : 0;
  const agentId = nonEmpty(rec.agentId);
  const threadKey = agentId !== null ? `agent-${agentId}` : rec.isSidechain === true ? 'sidechain' : 'main';
  const c: Ctx = {
    rec,
    line,
    state,
    out,
    idBase,
    partBase,
    threadKey,
    timestamp: validTimestamp(rec.timestamp),
    model: nonEmpty(rec.model) ?? state.agentModel,
  };
  sessionFacts(c);

  switch (type) {
    case 'user':
      userRecord(c, subtype);
      break;
    case 'assistant':
      assistantRecord(c);
      break;
    case 'tool_result':
      toolResultRecord(c);
      break;
    case 'system':
      systemRecord(c, subtype);
      break;
    default:
      out.note = 'unknown record type';
  }
  if (out.messages.length === 0 && out.note === undefined)
    out.note = out.usage.length > 0 ? 'usage only' : 'no content';

  const used = out.messages.reduce(
    (m, msg) => Math.max(m, Number(msg.identity.slice(idBase.length + 1)) + 1),
    0,
  );
  state.lastUuid = uuid;
  state.partsSeen = Math.max(partBase + partsOf(rec.message).length, used, partBase + 1);
  return out;
}
