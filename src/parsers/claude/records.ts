/**
 * Dispatch by record kind. Conversation kinds (`user`, `assistant`, `system`) may produce messages; every
 * other kind is metadata kept locally as a context row, with a note saying why it produced nothing.
 */
import type { AgentLink, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseAssistant } from './assistant.js';
import { sessionFacts } from './facts.js';
import type { Scope } from './scope.js';
import type { ClaudeState } from './session.js';
import { parseSystem } from './system.js';
import { parseUser } from './user.js';
import { isObj, type Obj, str } from './util.js';

/** `type` plus the most specific sub-kind present: `system/turn_duration`, `progress/hook_progress`, … */
export function kindLabel(rec: Obj): string {
  const type = str(rec.type) ?? '(untyped)';
  const sub =
    str(rec.subtype) ??
    (isObj(rec.data) ? str(rec.data.type) : null) ??
    (isObj(rec.attachment) ? str(rec.attachment.type) : null);
  return sub !== null ? `${type}/${sub}` : type;
}

/** Record kinds known to carry no conversation content (log-formats.md §2.3). */
/**
 * 2.1.3xx records of the API request itself (agents-formats.md §16): `api-request-blob` holds the whole system
 * prompt, `api-request` and `api-request-shape` the request and its shape. Kept local, never published.
 */
const REQUEST_KINDS = new Set(['api-request', 'api-request-blob', 'api-request-shape']);

const METADATA_KINDS = new Set([
  'cost-state',
  'tools-used',
  'summary',
  'file-history-snapshot',
  'queue-operation',
  'permission-mode',
  'mode',
  'last-prompt',
  'custom-title',
  'ai-title',
  'agent-name',
  'pr-link',
  'frame-link',
  'worktree-state',
  'relocated',
  'bridge-session',
  'atis-latch',
]);

function userRecord(scope: Scope, out: RecordOutput): void {
  const r = parseUser(scope);
  out.messages = r.messages;
  out.links = r.links;
  // Only a new human prompt proves the response before it complete. A tool result does not: with parallel
  // tool calls Claude Code writes `tool_use A`, `tool_result A`, `tool_use B` under one message.id, and only
  // the last piece carries the final output tokens.
  out.closesGroups = r.messages.some((m) => m.messageType === 'prompt' && m.authorRole === 'human');
  if (r.note !== undefined) out.note = r.note;
  out.sessions = sessionFacts(scope, {});
}

function assistantRecord(scope: Scope, out: RecordOutput): void {
  const r = parseAssistant(scope);
  out.messages = r.messages;
  out.usage = r.usage;
  if (r.messages.length === 0) out.note = 'no message content';
  out.sessions = sessionFacts(scope, { model: r.model });
}

function systemRecord(scope: Scope, out: RecordOutput): void {
  const r = parseSystem(scope);
  out.messages = r.messages;
  if (r.note !== undefined) out.note = r.note;
  out.sessions = sessionFacts(scope, {});
}

/** In 2.1.3x the parent's mirrored `agent_progress` lines are the only agent ↔ Task link. */
function progressLinks(scope: Scope): AgentLink[] {
  const data = scope.rec.data;
  if (!isObj(data) || data.type !== 'agent_progress') return [];
  const agentId = str(data.agentId);
  const toolUseId = str(scope.rec.parentToolUseID);
  if (agentId === null || toolUseId === null) return [];
  return [{ parentSessionKey: scope.ref.sessionKey, agentId, toolUseId }];
}

/** A user-chosen title wins over an AI-generated one, whichever comes later in the file. */
function titleOf(rec: Obj, state: ClaudeState): string | null {
  if (rec.type === 'custom-title') {
    const title = str(rec.customTitle);
    if (title !== null) state.customTitle = true;
    return title;
  }
  if (rec.type === 'ai-title' && !state.customTitle) return str(rec.aiTitle);
  return null;
}

function metadataRecord(scope: Scope, state: ClaudeState, out: RecordOutput): void {
  const type = str(scope.rec.type);
  if (type === 'progress') {
    out.links = progressLinks(scope);
    out.note = 'progress';
  } else if (type === 'attachment') {
    out.note = 'attachment';
  } else if (type !== null && REQUEST_KINDS.has(type)) {
    out.note = 'API request (kept local)';
  } else if (type !== null && METADATA_KINDS.has(type)) {
    out.note = 'metadata';
  } else {
    out.note = 'unknown record kind';
  }
  out.sessions = sessionFacts(scope, { title: titleOf(scope.rec, state) });
}

export function parseRecord(scope: Scope, state: ClaudeState): RecordOutput {
  const out = emptyOutput(kindLabel(scope.rec), scope.ref.sessionKey);
  switch (scope.rec.type) {
    case 'user':
      userRecord(scope, out);
      break;
    case 'assistant':
      assistantRecord(scope, out);
      break;
    case 'system':
      systemRecord(scope, out);
      break;
    default:
      metadataRecord(scope, state, out);
  }
  return out;
}
