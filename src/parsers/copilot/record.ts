/** One Copilot CLI event → what it means: envelope, session routing, identity, then the kind's handler. */
import { emptyOutput, type LineInput, type RecordOutput } from '../types.js';
import * as ev from './events.js';
import type { Line } from './line.js';
import type { CopilotState } from './state.js';
import { isObj, nonEmpty, str } from './util.js';

/** Real event ids are UUID v4; anything else (redacted or hand-written fixtures) is not trusted as unique. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Persisted kinds that carry nothing to show: their raw line is kept with this note. */
const METADATA = new Set([
  'assistant.turn_start',
  'assistant.turn_end',
  'session.usage_checkpoint',
  'session.auto_mode_resolved',
  'session.context_changed',
  'session.title_changed',
  'session.mode_changed',
  'session.compaction_start',
  'hook.start',
  'hook.end',
  'tool.user_requested',
]);

function validTimestamp(v: unknown): string | null {
  const s = str(v);
  return s !== null && !Number.isNaN(Date.parse(s)) ? s : null;
}

/**
 * The file's session is fixed by its first record: `session.start` names it (`data.sessionId`), otherwise
 * the path does (the `<uuid>` directory of `events.jsonl`, or the stem of a flat `<id>.jsonl`). Both layouts
 * of one session therefore get the same key from the same first line, and a later `session.start` can never
 * split a file into two sessions.
 */
function fixSession(state: CopilotState, type: string, data: Record<string, unknown>): string | null {
  const named = type === 'session.start' ? nonEmpty(data.sessionId) : null;
  if (!state.fixed) {
    state.fixed = true;
    if (named !== null) state.sessionKey = named;
    return null;
  }
  return named !== null && named !== state.sessionKey
    ? `session.start names session ${named} inside session ${state.sessionKey}; kept there`
    : null;
}

/** The handler of each mapped event kind (index.ts has the table). */
const HANDLERS: Record<string, (line: Line) => void> = {
  'session.start': (l) => ev.sessionStart(l, false),
  'session.resume': (l) => ev.sessionStart(l, true),
  'session.model_change': ev.modelChange,
  'user.message': ev.userMessage,
  'assistant.message': ev.assistantMessage,
  'assistant.reasoning': ev.assistantReasoning,
  'tool.execution_start': ev.toolStart,
  'tool.execution_complete': ev.toolComplete,
  'subagent.started': (l) => ev.subagent(l, 'started'),
  'subagent.completed': (l) => ev.subagent(l, 'completed'),
  'subagent.failed': (l) => ev.subagent(l, 'failed'),
  'session.shutdown': ev.shutdown,
  'session.usage_record': ev.usageRecord,
  'session.error': (l) => ev.systemText(l, 'error', ev.text(l.data, 'message', 'errorType')),
  'session.info': (l) => ev.systemText(l, 'context', ev.text(l.data, 'content', 'message')),
  'session.warning': (l) => ev.systemText(l, 'context', ev.text(l.data, 'content', 'message')),
  // The system prompt Copilot sent: not conversation, and never published; the raw line stays local.
  'system.message': (l) => {
    l.out.note = 'system prompt (kept local)';
  },
  'system.notification': (l) => ev.systemText(l, 'context', ev.text(l.data, 'content', 'message')),
  'session.compaction_complete': (l) => {
    const summary = ev.text(l.data, 'summaryContent', 'summary');
    ev.systemText(l, summary !== null ? 'summary' : 'context', summary);
  },
  'session.truncation': (l) => ev.systemText(l, 'context', 'context truncated'),
  abort: (l) => {
    const reason = ev.text(l.data, 'reason');
    ev.systemText(l, 'context', reason !== null ? `aborted: ${reason}` : 'aborted');
  },
};

function dispatch(line: Line): void {
  const handler = Object.hasOwn(HANDLERS, line.type) ? HANDLERS[line.type] : undefined;
  if (handler) {
    handler(line);
    return;
  }
  if (line.type === 'assistant.turn_start' && nonEmpty(line.data.model) !== null)
    line.state.model = str(line.data.model);
  line.out.note = METADATA.has(line.type) ? 'metadata' : 'event kind not mapped';
}

export function parseRecord(input: LineInput, state: CopilotState): RecordOutput {
  const rec = input.json;
  if (!isObj(rec)) {
    const out = emptyOutput('invalid', state.sessionKey);
    out.warning = 'copilot event is not a JSON object';
    return out;
  }
  const type = str(rec.type) ?? '?';
  const data = isObj(rec.data) ? rec.data : {};
  const warning = fixSession(state, type, data);
  const root = state.sessionKey;
  const out = emptyOutput(type, root);
  if (warning !== null) out.warning = warning;

  if (input.offset === state.lastOffset) state.valuesAtOffset++;
  else {
    state.lastOffset = input.offset;
    state.valuesAtOffset = 0;
  }
  const id = str(rec.id);
  const at = state.valuesAtOffset > 0 ? `.${state.valuesAtOffset}` : '';
  const ref = id !== null && UUID.test(id) ? id : `b${input.offset}${at}`;
  // Sub-agent traffic: the envelope's `agentId`, or (older builds) the deprecated `data.parentToolCallId`.
  const agentId = nonEmpty(rec.agentId) ?? nonEmpty(data.parentToolCallId);
  const sessionKey = agentId !== null ? `${root}:agent-${agentId}` : root;
  out.sessionKey = sessionKey;
  const line: Line = {
    input,
    state,
    rec,
    data,
    type,
    out,
    root,
    sessionKey,
    threadKey: agentId !== null ? `agent-${agentId}` : 'main',
    agentId,
    idBase: `copilot:${root}:${ref}`,
    timestamp: validTimestamp(rec.timestamp),
  };
  if (rec.ephemeral === true) {
    out.note = 'ephemeral';
    return out;
  }
  if (agentId !== null) {
    // The spawning call is certain only when the event says it: the deprecated field is that call's id.
    const spawnedBy = nonEmpty(rec.agentId) === null ? agentId : null;
    ev.noteAgent(line, spawnedBy);
    if (type === 'subagent.started' && nonEmpty(data.toolCallId) !== null && spawnedBy === null)
      out.links.push({ parentSessionKey: root, agentId, toolUseId: str(data.toolCallId)! });
  }
  dispatch(line);
  if (out.messages.length === 0 && out.note === undefined && out.usage.length === 0) out.note = 'no content';
  return out;
}
