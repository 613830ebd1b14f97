/**
 * What one HTTP attempt meant, as values (STYLE rules 7–8). `classify.ts` produces them from a response,
 * `client.ts` from a network failure; everything above switches on `kind` with `satisfies never` and never
 * looks at a status code. Every `detail` is scrubbed of the API key and bounded in length, so it can be
 * stored, logged and shown as is.
 */

/** Why there was no usable HTTP answer (or the 408/5xx that stands for one). */
export type TransientReason =
  | 'timeout' // no complete answer within timeout_secs (headers or body), or a 408
  | 'reset' // the connection was closed or reset mid-request
  | 'refused' // nothing listens on the port
  | 'dns' // the host name did not resolve (could be a typo in server_url: the detail says so)
  | 'unreachable' // no route to the host or network
  | 'tls' // TLS handshake failure other than a refused certificate (that one pauses: 'tls-certificate')
  | 'network' // any other transport error
  | 'server'; // the server answered 5xx (not a value error)

/** Why publishing as a whole is paused (DESIGN §3.5 row 4): each needs a config change or `collector resume`. */
export type PauseReason =
  | 'invalid-collector-id' // 400 `Invalid collector ID format`
  | 'unauthorized' // any 401: unknown collector, wrong key, bad header format
  | 'collector-disabled' // 403 `Collector is disabled`
  | 'forbidden' // another 403 on an endpoint where no per-session meaning exists
  | 'endpoint-missing' // 404/405 on /collectors/events: server_url points somewhere else
  | 'header-invalid' // 422 whose locations are headers (credentials missing or malformed)
  | 'tls-certificate'; // the server certificate failed verification (untrusted CA, expired, wrong host)

/** Outcomes every endpoint can produce. */
export type CommonOutcome =
  /** Any unexpected answer: an unlisted status, or a body that is not the documented JSON. Back off. */
  | { kind: 'protocol'; status: number; detail: string }
  /** A 3xx; never followed, so credentials and transcripts cannot go elsewhere. Pause; show `location`. */
  | { kind: 'redirect'; status: number; location: string | null }
  | { kind: 'paused'; reason: PauseReason; status: number; detail: string }
  /** `status` is null for transport failures. `retryAfterMs` when a 5xx carried a usable Retry-After. */
  | {
      kind: 'transient';
      reason: TransientReason;
      status: number | null;
      detail: string;
      retryAfterMs?: number;
    }
  /** 429: wait `delayMs` (Retry-After, capped; else a default); not a failed attempt. */
  | { kind: 'throttled'; delayMs: number; detail: string }
  /** The caller's signal aborted the attempt (shutdown): not a failure of the server or the batch. */
  | { kind: 'cancelled'; detail: string };

/** `POST /collectors/events`. */
export type EventsOutcome =
  | CommonOutcome
  /** 202 with `accepted` (0 ≤ n ≤ batch length; the rest were duplicates) and the server's `last_sequence`. */
  | { kind: 'accepted'; accepted: number; lastSequence: number }
  /**
   * 422 naming only `["body","events",i,…]`: reject exactly these events (ascending, distinct, < batch
   * length), resend the rest at once. `reasons[j]` is the server's message for `indices[j]`.
   */
  | { kind: 'rejectEvents'; indices: number[]; reasons: string[]; detail: string }
  /** Another 422 (or an unusable 422 body): our bug. Log once, halve; never reject events on this basis. */
  | { kind: 'clientBug'; status: number; detail: string }
  /** 500 JSON with a value error (`is not a valid AuthorRole`, `value too long`): bisect to the culprit. */
  | { kind: 'valueError'; detail: string }
  /** 413: halve; a single already-shrunk event still refused is rejected. */
  | { kind: 'tooLarge'; detail: string }
  /** Legacy 409 `sequence_gap` (contract §12): GET status, resend from the server's last sequence + 1. */
  | { kind: 'sequenceGap'; lastReceived: number; expected: number; detail: string };

/** The 200 body of `GET /collectors/sessions/{id}` (contract §9). */
export interface SessionStatus {
  session_id: string;
  conversation_id: string;
  last_sequence: number;
  event_count: number;
  first_event_at: string | null;
  /** Server receive time of the last batch that added something, not an event time. */
  last_event_at: string | null;
  status: string;
}

/** The 200 body of `POST /collectors/sessions/{id}/complete` (contract §10). */
export interface CompleteResult {
  session_id: string;
  conversation_id: string;
  status: string;
  total_events: number;
}

/** Body of `POST /collectors/sessions/{id}/complete`. */
export interface CompleteBody {
  outcome: string;
  event_count?: number;
  summary?: string;
}

/** Outcomes shared by the two per-session endpoints. */
export type SessionOutcome =
  | CommonOutcome
  /** 404 `No events received for session <id>`: the server has nothing for it. */
  | { kind: 'notFound'; detail: string }
  /** 403 `Session belongs to a different collector`: skip status/complete for this session, keep posting. */
  | { kind: 'foreignSession'; detail: string }
  /** 422 not about headers, or (status 0: not sent) a session id that cannot be a path segment: our bug. */
  | { kind: 'clientBug'; status: number; detail: string };

/** `lastSequence` repeats `session.last_sequence`: it is what legacy 409 recovery resends after. */
export type StatusOutcome = SessionOutcome | { kind: 'status'; session: SessionStatus; lastSequence: number };
export type CompleteOutcome = SessionOutcome | { kind: 'completed'; result: CompleteResult };

/** The events outcome is the one the publisher lives on; `Outcome` is its short name. */
export type Outcome = EventsOutcome;
