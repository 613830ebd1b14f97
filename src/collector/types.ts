/**
 * Shapes shared inside `collector/`: the wire event of the CatSyphon Collector Events API, the local rows the
 * publisher maps into events, and the outcome of one HTTP attempt.
 */
import type { Assistant } from '../config/index.js';

import type { AuthorRole, MessageType } from '../parsers/index.js';

export type EventType =
  | 'session_start'
  | 'session_end'
  | 'message'
  | 'tool_call'
  | 'tool_result'
  | 'thinking'
  | 'error'
  | 'metadata';

/** One event as sent in `POST /collectors/events` (catsyphon-contract.md §5). */
export interface CollectorEvent {
  type: EventType;
  emitted_at: string;
  observed_at: string;
  /** 32 lowercase hex chars, identity-based (DESIGN.md §3.3). */
  event_hash: string;
  /** Per-wire-session ordinal over events actually sent; `session_start` takes 1 (DESIGN.md §3.3). */
  sequence?: number;
  data: Record<string, unknown>;
}

export interface EventBatch {
  session_id: string;
  events: CollectorEvent[];
}

/** A stored message as the publisher reads it from SQLite (one row of `messages` joined with its record). */
export interface LocalMessage {
  id: number;
  sessionId: string;
  seq: number;
  identity: string;
  threadKey: string;
  emittedAt: string;
  observedAt: string;
  messageType: MessageType;
  authorRole: AuthorRole;
  content: string | null;
  toolName: string | null;
  toolUseId: string | null;
  /** JSON text of the tool input object. */
  toolInput: string | null;
  toolResult: string | null;
  isError: boolean;
  model: string | null;
  stopReason: string | null;
  /** Usage of the API response this message anchors (set on one message per response), else null. */
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number } | null;
  /** The raw JSONL line the message came from (lossless bytes), for `raw_data`. */
  raw: Buffer | null;
  rawIsUtf8: boolean;
}

/** What `session_start` is built from: the local session row (DESIGN.md §3.2). */
export interface LocalSession {
  id: string;
  assistant: Assistant;
  cwd: string | null;
  gitBranch: string | null;
  assistantVersion: string | null;
  parentSessionId: string | null;
  slug: string | null;
  startedAt: string | null;
  /** Summaries and compaction events known locally, when any. */
  summaries?: Record<string, unknown>[];
  compactionEvents?: Record<string, unknown>[];
}

/** Options that change what mapping produces (config: max_event_bytes, what is sent). */
export interface MappingOptions {
  maxEventBytes: number;
  sendRawData: boolean;
  /** false: thinking events keep their place with the content withheld (withhold.ts). Default true. */
  sendThinking?: boolean;
  /** false: tool_result events keep their place with the output withheld (withhold.ts). Default true. */
  sendToolResults?: boolean;
  /** Applied to every content string that leaves (redact/); null or absent sends text as stored. */
  redact?: ((s: string) => string) | null;
}
