/**
 * Response classification: the ONLY module that reads status codes and headers (STYLE rule 8). It turns one
 * HTTP answer into an outcome value (DESIGN §3.5), using what the real server sends (catsyphon-contract.md
 * §4–§10) and the legacy 409 (§12). Pure: the clock is an argument (for Retry-After dates).
 *
 * Rule for anything the table does not name: `protocol` (back off, never advance, never reject). An answer we
 * do not understand must not cost events, and backing off is always safe because resends are idempotent.
 */
import type {
  CommonOutcome,
  CompleteOutcome,
  EventsOutcome,
  SessionOutcome,
  SessionStatus,
  StatusOutcome,
} from './outcome.js';
import {
  clip,
  describeItem,
  describeResponse,
  isCount,
  isJsonContentType,
  isRecord,
  parseJsonBody,
  type ResponseView,
  serverDetail,
  stringDetail,
  validationItems,
} from './response-body.js';
import { DEFAULT_THROTTLE_MS, parseRetryAfter } from './retry.js';

export type { ResponseView } from './response-body.js';

const CHECK_SERVER_URL =
  'check server_url: it must be the CatSyphon backend root (e.g. http://host:8000) or the web UI base + /api';

/** `POST /collectors/events`. `batchLength` bounds `accepted` and 422 indices. */
export function classifyEventsResponse(r: ResponseView, batchLength: number, now: Date): EventsOutcome {
  if (r.status >= 200 && r.status < 300) return accepted(r, batchLength);
  switch (r.status) {
    case 404:
    case 405:
      // The handler itself never answers 404/405 (contract §5): the route is not there, so nothing will work.
      return { kind: 'paused', reason: 'endpoint-missing', status: r.status, detail: serverDetail(r) };
    case 409:
      return sequenceGap(r);
    case 413:
      return { kind: 'tooLarge', detail: serverDetail(r) };
    case 422:
      return headerPause(r) ?? eventsValidation(r, batchLength);
    case 500: {
      const value = valueError(r);
      if (value) return value;
      break;
    }
  }
  return common(r, now) ?? unlisted(r);
}

/** `GET /collectors/sessions/{id}`. */
export function classifyStatusResponse(r: ResponseView, now: Date): StatusOutcome {
  if (r.status === 200) {
    const session = sessionStatus(parseJsonBody(r));
    if (session) return { kind: 'status', session, lastSequence: session.last_sequence };
    return protocolBody(r, 'expected 200 with the session status JSON');
  }
  return sessionCommon(r, now);
}

/** `POST /collectors/sessions/{id}/complete`. */
export function classifyCompleteResponse(r: ResponseView, now: Date): CompleteOutcome {
  if (r.status === 200) {
    const json = parseJsonBody(r);
    if (
      isRecord(json) &&
      typeof json.session_id === 'string' &&
      typeof json.conversation_id === 'string' &&
      typeof json.status === 'string' &&
      isCount(json.total_events)
    ) {
      const { session_id, conversation_id, status, total_events } = json;
      return { kind: 'completed', result: { session_id, conversation_id, status, total_events } };
    }
    return protocolBody(r, 'expected 200 with the completion JSON');
  }
  return sessionCommon(r, now);
}

function accepted(r: ResponseView, batchLength: number): EventsOutcome {
  if (r.status !== 202) return protocolBody(r, 'expected 202');
  const json = parseJsonBody(r);
  if (
    isRecord(json) &&
    isCount(json.accepted) &&
    json.accepted <= batchLength &&
    isCount(json.last_sequence)
  ) {
    return { kind: 'accepted', accepted: json.accepted, lastSequence: json.last_sequence };
  }
  return protocolBody(r, `expected 202 with {"accepted": 0..${batchLength}, "last_sequence": integer}`);
}

/** Shared by status and complete: per-session meanings first, then the common table. */
function sessionCommon(r: ResponseView, now: Date): SessionOutcome {
  const detail = stringDetail(r);
  if (r.status >= 200 && r.status < 300) return protocolBody(r, 'expected 200');
  if (r.status === 404) {
    // A route miss says `Not Found`; a known route with no such session names the session (contract §9).
    // Legacy servers may use {"error": "session_not_found"} (contract §12).
    const json = parseJsonBody(r);
    const legacy = isRecord(json) && json.error === 'session_not_found';
    if ((detail !== null && detail !== 'Not Found') || legacy) {
      return { kind: 'notFound', detail: serverDetail(r) };
    }
    return unlisted(r);
  }
  if (r.status === 403 && detail === 'Session belongs to a different collector') {
    return { kind: 'foreignSession', detail };
  }
  if (r.status === 422) return headerPause(r) ?? { kind: 'clientBug', status: 422, detail: serverDetail(r) };
  return common(r, now) ?? unlisted(r);
}

/** Rows that mean the same on every endpoint: redirects, auth (contract §4), 408, 429, 5xx. */
function common(r: ResponseView, now: Date): CommonOutcome | null {
  const { status } = r;
  if (status >= 300 && status < 400) {
    const location = r.headers.get('location');
    return { kind: 'redirect', status, location: location === null ? null : clip(location) };
  }
  const detail = stringDetail(r);
  if (status === 400 && detail === 'Invalid collector ID format') {
    return { kind: 'paused', reason: 'invalid-collector-id', status, detail };
  }
  if (status === 401) return { kind: 'paused', reason: 'unauthorized', status, detail: serverDetail(r) };
  if (status === 403) {
    const reason = detail === 'Collector is disabled' ? 'collector-disabled' : 'forbidden';
    return { kind: 'paused', reason, status, detail: serverDetail(r) };
  }
  if (status === 408) return { kind: 'transient', reason: 'timeout', status, detail: serverDetail(r) };
  if (status === 429) {
    const delayMs = parseRetryAfter(r.headers.get('retry-after'), now) ?? DEFAULT_THROTTLE_MS;
    return { kind: 'throttled', delayMs, detail: serverDetail(r) };
  }
  if (status >= 500 && status < 600) {
    const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'), now);
    const outcome: CommonOutcome = { kind: 'transient', reason: 'server', status, detail: serverDetail(r) };
    return retryAfterMs === null ? outcome : { ...outcome, retryAfterMs };
  }
  return null;
}

/** 422 on headers (missing Authorization / X-Collector-ID): credentials are not configured → pause. */
function headerPause(r: ResponseView): CommonOutcome | null {
  const items = validationItems(r);
  if (!items?.some((item) => item.loc[0] === 'header')) return null;
  return { kind: 'paused', reason: 'header-invalid', status: r.status, detail: serverDetail(r) };
}

/**
 * 422 on the body: events can be rejected only when EVERY item names one event of this batch. A mixed list,
 * an index out of range or an envelope error (`too_long`, `session_id`) is our bug: halve, never reject.
 */
function eventsValidation(r: ResponseView, batchLength: number): EventsOutcome {
  const items = validationItems(r);
  const byIndex = new Map<number, string[]>();
  for (const item of items ?? []) {
    const [where, field, index, ...rest] = item.loc;
    const named = where === 'body' && field === 'events' && typeof index === 'number';
    if (!named || !Number.isInteger(index) || index < 0 || index >= batchLength) {
      return { kind: 'clientBug', status: 422, detail: serverDetail(r) };
    }
    const reasons = byIndex.get(index) ?? [];
    reasons.push(describeItem({ loc: rest.length > 0 ? rest : ['event'], msg: item.msg }));
    byIndex.set(index, reasons);
  }
  if (byIndex.size === 0) return { kind: 'clientBug', status: 422, detail: serverDetail(r) };
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  const reasons = indices.map((i) => clip((byIndex.get(i) ?? []).join('; ')));
  return { kind: 'rejectEvents', indices, reasons, detail: serverDetail(r) };
}

/** Deterministic ingestion failures (contract §5 "Beyond the schema"): the same batch will fail again. */
const VALUE_ERROR = /is not a valid AuthorRole|value too long|StringDataRightTruncation/;

function valueError(r: ResponseView): EventsOutcome | null {
  if (!isJsonContentType(r.contentType)) return null;
  const detail = stringDetail(r);
  return detail !== null && VALUE_ERROR.test(detail) ? { kind: 'valueError', detail: clip(detail) } : null;
}

/**
 * Legacy 409 (contract §12): `{"detail": {"error": "sequence_gap", …}}`; the old design doc's unwrapped form
 * is accepted too. A 409 without that body is unexplained (the current server never sends 409) → protocol.
 */
function sequenceGap(r: ResponseView): EventsOutcome {
  const json = parseJsonBody(r);
  const body = isRecord(json) && isRecord(json.detail) ? json.detail : json;
  if (
    isRecord(body) &&
    body.error === 'sequence_gap' &&
    isCount(body.last_received_sequence) &&
    isCount(body.expected_sequence)
  ) {
    const detail = clip(typeof body.message === 'string' ? body.message : 'sequence_gap');
    return {
      kind: 'sequenceGap',
      lastReceived: body.last_received_sequence,
      expected: body.expected_sequence,
      detail,
    };
  }
  return protocolBody(r, 'expected a legacy sequence_gap body with 409');
}

function sessionStatus(json: unknown): SessionStatus | null {
  if (!isRecord(json)) return null;
  const { session_id, conversation_id, last_sequence, event_count, first_event_at, last_event_at, status } =
    json;
  const optionalTime = (v: unknown): v is string | null => v === null || typeof v === 'string';
  if (
    typeof session_id !== 'string' ||
    typeof conversation_id !== 'string' ||
    !isCount(last_sequence) ||
    !isCount(event_count) ||
    !optionalTime(first_event_at) ||
    !optionalTime(last_event_at) ||
    typeof status !== 'string'
  ) {
    return null;
  }
  return { session_id, conversation_id, last_sequence, event_count, first_event_at, last_event_at, status };
}

function protocolBody(r: ResponseView, expected: string): CommonOutcome {
  const cut = r.truncated ? ' (body cut off at the size limit)' : '';
  const detail = `${expected}, got ${describeResponse(r)}${cut}: ${serverDetail(r)} — ${CHECK_SERVER_URL}`;
  return { kind: 'protocol', status: r.status, detail };
}

function unlisted(r: ResponseView): CommonOutcome {
  return protocolBody(r, 'unexpected status');
}
