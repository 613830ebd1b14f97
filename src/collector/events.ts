/**
 * The normative mapping of DESIGN.md §3.2: local rows → CatSyphon collector events. Pure: no I/O and no
 * clock; every time comes from the row or an argument. Every event leaves through {@link finish}
 * (sanitize, then shrink to `max_event_bytes`), so callers never see an unsendable string or size.
 *
 * Decisions the design leaves open, fixed here:
 * - Usage carrier: each API response's usage rides on exactly one `message` event. Usage anchored on a
 *   `message` row (prompt/response/plan/summary/context) goes on that event. Usage anchored on a thinking,
 *   tool_call, tool_result or error row gets an extra `message` right after it: author_role `assistant`
 *   (`agent` in a sub-agent thread), message_type `response`, content `""`, model, stop_reason, token_usage,
 *   `usage_carrier: true`, hashed as part 1 of the same record (hash.ts).
 * - author_role: a `message` event takes the row's role, except `tool`, which belongs to tool
 *   results: a tool-authored text row is harness output, so it goes out as `system`. Non-message events carry
 *   the row's role too (the server would otherwise store `assistant` for a tool result or a sub-agent's call).
 *   A role outside the six the server accepts (a damaged row) becomes `system` instead of failing the batch.
 * - Missing required fields: a tool_call/tool_result without tool_use_id gets `derivedToolUseId(identity)` and
 *   `tool_use_id_derived: true`; a tool_call without tool_name gets `unknown`. `parameters` is always an
 *   object (`{}` when the row has no input).
 * - error_type is not stored locally; it is read from the raw line (record-fields.ts `errorType`), else
 *   `error`. The raw line is parsed for that even when `raw_data` is not sent.
 * - `raw_data` (with send_raw_data) is the record's whole line, repeated on each event of a multi-block
 *   record, minus opaque model state (thinking `signature`, `redacted_thinking` data, `encrypted_content`):
 *   the design's "never signature or encrypted_content" covers what we send, not just `content`. The usage
 *   carrier is synthetic and has no raw_data.
 * - Timestamps are sent as stored when already ISO UTC (`Z`); anything else is normalized through Date.
 * - Privacy (docs/CONFIG.md): withheld content (send_thinking / send_tool_results = false) is replaced by a
 *   marker first, then every content string (message text, tool parameters, results, error text, raw_data,
 *   session metadata) goes through the redactor, and only then through sanitize/shrink, so byte limits are
 *   enforced on what is really sent. Hashes are identity-based: neither step changes them.
 */
import { agentSpec } from '../config/index.js';
import { derivedToolUseId, eventHash, HASH_PART, SESSION_IDENTITY } from './hash.js';
import { errorType, rawLine, toolParameters } from './record-fields.js';
import { redactDeep } from './redact/index.js';
import { isPlainObject, sanitizeEvent, shrinkEvent } from './sanitize.js';
import type { CollectorEvent, LocalMessage, LocalSession, MappingOptions } from './types.js';
import { AUTHOR_ROLES } from './validate.js';
import { wireSessionId } from './wire.js';
import { THINKING_WITHHELD, TOOL_RESULT_WITHHELD, withheldRaw } from './withhold.js';

export const DEFAULT_MAX_EVENT_BYTES = 512 * 1024;
const MAX_AGENT_VERSION_CHARS = 50;
const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
const EPOCH = '1970-01-01T00:00:00.000Z';

type Data = Record<string, unknown>;

function finish(event: CollectorEvent, maxEventBytes: number): CollectorEvent {
  return shrinkEvent(sanitizeEvent(event), maxEventBytes);
}

/** `value` as an ISO-8601 UTC string, or null when it is not a date at all. */
export function isoUtc(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (UTC_ISO.test(value)) return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  return UTC_ISO.test(iso) ? iso : null; // years beyond 9999 print as +0YYYYY
}

/** Keys whose value is null or undefined are left out: the server treats them as absent anyway. */
function compact(data: Data): Data {
  const out: Data = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

function truncateChars(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, max).join('');
}

/** Fields of `data` that carry content (as opposed to ids, enums, models and numbers): what is redacted. */
const CONTENT_FIELDS = [
  'content',
  'parameters',
  'result',
  'error_message',
  'message',
  'raw_data',
  'working_directory',
  'git_branch',
  'summaries',
  'compaction_events',
] as const;

function redactContent(data: Data, redact: MappingOptions['redact']): Data {
  if (!redact) return data;
  for (const k of CONTENT_FIELDS) if (data[k] !== undefined) data[k] = redactDeep(data[k], redact);
  return data;
}

export function sessionStartEvent(
  session: LocalSession,
  observedAt: string,
  maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
  redact: MappingOptions['redact'] = null,
): CollectorEvent {
  const observed = isoUtc(observedAt) ?? isoUtc(session.startedAt) ?? EPOCH;
  const wire = wireSessionId(session.id);
  const version = session.assistantVersion
    ? truncateChars(session.assistantVersion, MAX_AGENT_VERSION_CHARS)
    : null;
  const summaries = session.summaries?.filter(isPlainObject);
  const compactions = session.compactionEvents?.filter(isPlainObject);
  const data = compact({
    agent_type: agentSpec(session.assistant).agentType,
    agent_version: version || null,
    working_directory: session.cwd || null,
    git_branch: session.gitBranch || null,
    parent_session_id: session.parentSessionId ? wireSessionId(session.parentSessionId) : null,
    slug: session.slug || null,
    summaries: summaries && summaries.length > 0 ? summaries : null,
    compaction_events: compactions && compactions.length > 0 ? compactions : null,
  });
  return finish(
    {
      type: 'session_start',
      emitted_at: isoUtc(session.startedAt) ?? observed,
      observed_at: observed,
      event_hash: eventHash(wire, SESSION_IDENTITY, HASH_PART.sessionStart),
      data: redactContent(data, redact),
    },
    maxEventBytes,
  );
}

/** Sent only when completion is enabled (DESIGN.md §3.6); emittedAt = the last published message's time. */
export function sessionEndEvent(
  emittedAt: string,
  observedAt: string,
  wireSessionId: string,
): CollectorEvent {
  const observed = isoUtc(observedAt) ?? isoUtc(emittedAt) ?? EPOCH;
  return {
    type: 'session_end',
    emitted_at: isoUtc(emittedAt) ?? observed,
    observed_at: observed,
    event_hash: eventHash(wireSessionId, SESSION_IDENTITY, HASH_PART.sessionEnd),
    data: { outcome: 'partial' },
  };
}

// ---------------------------------------------------------------------------------------------------------

type Role = LocalMessage['authorRole'];

function messageRole(role: Role): Role {
  return role !== 'tool' && AUTHOR_ROLES.has(role) ? role : 'system';
}

function eventRole(role: Role): Role {
  return AUTHOR_ROLES.has(role) ? role : 'system';
}

/** Who answered in this row's thread: the main thread's assistant or a sub-agent. */
function responderRole(msg: LocalMessage): Role {
  if (msg.authorRole === 'assistant' || msg.authorRole === 'agent') return msg.authorRole;
  return msg.threadKey === 'main' ? 'assistant' : 'agent';
}

function int(n: number): number {
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

export function tokenUsage(t: NonNullable<LocalMessage['tokens']>): Record<string, number> {
  return {
    input_tokens: int(t.input),
    output_tokens: int(t.output),
    cache_read_input_tokens: int(t.cacheRead),
    cache_creation_input_tokens: int(t.cacheCreation),
  };
}

function dataFor(msg: LocalMessage, raw: Data | null): { type: CollectorEvent['type']; data: Data } {
  const type = msg.messageType;
  switch (type) {
    case 'prompt':
    case 'response':
    case 'plan':
    case 'summary':
    case 'context':
      return {
        type: 'message',
        data: {
          author_role: messageRole(msg.authorRole),
          message_type: type,
          content: msg.content ?? '',
          model: msg.model,
          stop_reason: msg.stopReason,
          token_usage: msg.tokens ? tokenUsage(msg.tokens) : null,
        },
      };
    case 'thinking':
      // Only the text: `signature` / `encrypted_content` never leave the machine as content.
      return {
        type: 'thinking',
        data: { author_role: eventRole(msg.authorRole), content: msg.content ?? '', model: msg.model },
      };
    case 'tool_call':
      return {
        type: 'tool_call',
        data: {
          author_role: eventRole(msg.authorRole),
          tool_name: msg.toolName || 'unknown',
          ...toolUseId(msg),
          parameters: toolParameters(msg.toolInput),
        },
      };
    case 'tool_result': {
      const result = msg.toolResult ?? msg.content ?? '';
      return {
        type: 'tool_result',
        data: {
          author_role: eventRole(msg.authorRole),
          tool_name: msg.toolName,
          ...toolUseId(msg),
          result,
          success: !msg.isError,
          error_message: msg.isError && result !== '' ? result : null,
        },
      };
    }
    case 'error':
      return {
        type: 'error',
        data: {
          author_role: eventRole(msg.authorRole),
          error_type: errorType(raw),
          message: msg.content ?? '',
        },
      };
    default:
      return type satisfies never;
  }
}

function toolUseId(msg: LocalMessage): Data {
  if (msg.toolUseId) return { tool_use_id: msg.toolUseId };
  return { tool_use_id: derivedToolUseId(msg.identity), tool_use_id_derived: true };
}

/**
 * The events for one stored message, in send order: its own event, then (for usage anchored on a
 * non-message row) the usage carrier. Both share the row's timestamps.
 */
export function messageEvents(
  msg: LocalMessage,
  wireSessionId: string,
  opts: MappingOptions,
): CollectorEvent[] {
  const observed = isoUtc(msg.observedAt) ?? isoUtc(msg.emittedAt) ?? EPOCH;
  const emitted = isoUtc(msg.emittedAt) ?? observed;
  const needRaw = opts.sendRawData || msg.messageType === 'error';
  const raw = needRaw ? rawLine(msg) : null;
  const { type, data } = dataFor(msg, raw?.value ?? null);
  const withheld = { thinking: opts.sendThinking === false, toolResults: opts.sendToolResults === false };
  if (type === 'thinking' && withheld.thinking) {
    data.content = THINKING_WITHHELD;
    data.withheld = true;
  }
  if (type === 'tool_result' && withheld.toolResults) {
    data.result = TOOL_RESULT_WITHHELD;
    if (data.error_message !== null) data.error_message = TOOL_RESULT_WITHHELD;
    data.withheld = true;
  }
  if (opts.sendRawData && raw) {
    data.raw_data = withheldRaw(raw.value, withheld);
    if (raw.lossy) data.raw_data_lossy = true;
  }
  redactContent(data, opts.redact);
  const envelope = { emitted_at: emitted, observed_at: observed };
  const events = [
    finish(
      {
        type,
        ...envelope,
        event_hash: eventHash(wireSessionId, msg.identity, HASH_PART.event),
        data: compact(data),
      },
      opts.maxEventBytes,
    ),
  ];
  if (msg.tokens && type !== 'message') {
    const carrier = compact({
      author_role: responderRole(msg),
      message_type: 'response',
      content: '',
      model: msg.model,
      stop_reason: msg.stopReason,
      token_usage: tokenUsage(msg.tokens),
      usage_carrier: true,
    });
    events.push(
      finish(
        {
          type: 'message',
          ...envelope,
          event_hash: eventHash(wireSessionId, msg.identity, HASH_PART.usage),
          data: carrier,
        },
        opts.maxEventBytes,
      ),
    );
  }
  return events;
}
