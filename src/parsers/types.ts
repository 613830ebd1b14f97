/**
 * The contract between the pure parsers and the store.
 *
 * A parser sees one complete JSONL record at a time (already JSON-parsed by the reader/ingest layer) and
 * returns what that record means: zero or more messages, facts about the session it belongs to, token
 * usage, sub-agent links and whether it closes the open assistant group. Parsers never do I/O and never
 * throw on unexpected shapes: a record they do not understand is returned with no messages and is kept
 * locally as a context row (the raw line is always stored by the ingest layer).
 *
 * Parser state is a plain JSON object persisted with the file checkpoint, so parsing can resume in a later
 * process exactly where it stopped.
 */

import type { Assistant, FileContext } from '../sources/index.js';

// Declared by sources/, which derives them from a path; part of the parser contract, so re-exported here.
export type { Assistant, FileContext };

export type MessageType =
  | 'prompt'
  | 'response'
  | 'thinking'
  | 'tool_call'
  | 'tool_result'
  | 'plan'
  | 'summary'
  | 'context'
  | 'error';

export type AuthorRole = 'human' | 'caller' | 'assistant' | 'agent' | 'tool' | 'system';

/**
 * One API response's tokens, split the way every agent's rows are (docs/ARCHITECTURE.md has each agent's
 * mapping): `input` is the prompt WITHOUT the cached part, `cacheRead` the cached prompt tokens read,
 * `cacheCreation` those written to the cache, `output` everything generated (reasoning included).
 */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** The part of `output` that was reasoning, when the agent reports it (never added to `output`). */
  reasoning?: number;
}

export interface ParsedMessage {
  /**
   * Unique record identity across the whole database. Claude: `claude:<uuid>:<blockIndex>`.
   * Codex: `codex:<threadId>:o<ordinal>` or `codex:<threadId>:b<byteOffset>`. A message whose identity is
   * already stored is not stored again (resumed copies, rewrites, replays).
   */
  identity: string;
  /** Wire session id (DESIGN.md §3.1) this message belongs to. */
  sessionKey: string;
  /** Thread inside the session: `main`, `sidechain` (1.0.x inline sidechains) or `agent-<id>`. */
  threadKey: string;
  messageType: MessageType;
  authorRole: AuthorRole;
  /** ISO-8601 timestamp from the record, or null when the record has none (the ingest layer fills it in). */
  emittedAt: string | null;
  content: string | null;
  toolName?: string | null;
  toolUseId?: string | null;
  /** Tool input as JSON text (the parsed object, or `{"input": original}` when it was not an object). */
  toolInput?: string | null;
  /** Tool result text: text blocks joined, images as placeholders, other values JSON-encoded. */
  toolResult?: string | null;
  isError?: boolean;
  model?: string | null;
  stopReason?: string | null;
  /**
   * Assistant group this message belongs to (Claude `message.id`, Codex turn). A message with a group stays
   * unpublishable until the group closes (a message of another group in the same thread, a record that
   * `closesGroups`, or idle time); a message without one is final at once.
   */
  groupKey?: string | null;
  /**
   * Mutable formats only (a Gemini message re-appended under its id, an OpenCode row updated in place): this
   * is a newer version of the message with this identity, and replaces the stored one until it is published.
   * Without it, a message whose identity is already stored is the same message read again.
   */
  upsert?: boolean;
  /**
   * Codex only: a content key used to recognise history replayed at the top of a forked rollout. Set on
   * messages in a section that belongs to another thread (after a mid-file `session_meta`).
   */
  replayOf?: { threadKey: string; contentKey: string } | null;
  /** Codex content key of every message, so a later fork's replay can be matched against it. */
  contentKey?: string | null;
}

/** Token usage of one API response. Keyed so a response written as several records is counted once. */
export interface UsageReport {
  /** Globally unique key of the API response: `claude:<message.id>` or `codex:<thread>:<n>`. */
  responseKey: string;
  sessionKey: string;
  model: string | null;
  tokens: TokenUsage;
  /**
   * How repeated reports of the same response combine: `max` keeps the largest value of each counter
   * (Claude split responses repeat input/cache and grow output); `replace` is never used for sums.
   */
  combine: 'max';
  /** Identity of the message that carries this usage (the first message of the response), if any. */
  anchorIdentity: string | null;
  emittedAt: string | null;
}

/** Facts about a session learned from one record. Absent fields are unknown, never "cleared". */
export interface SessionInfo {
  sessionKey: string;
  assistant: Assistant;
  cwd?: string | null;
  gitBranch?: string | null;
  model?: string | null;
  assistantVersion?: string | null;
  parentSessionKey?: string | null;
  slug?: string | null;
  title?: string | null;
  timestamp?: string | null;
}

/** Links a sub-agent thread to the tool call that spawned it. */
export interface AgentLink {
  parentSessionKey: string;
  agentId: string;
  toolUseId: string;
  /**
   * The sub-agent's own session when it is not `<parentSessionKey>:agent-<agentId>` (Gemini CLI and OpenCode
   * key a sub-agent session by its own id): the link then goes on that session's `main` thread.
   */
  agentSessionKey?: string;
}

export interface RecordOutput {
  /** Short record-kind label, e.g. `user`, `assistant`, `progress/hook_progress`, `event_msg/token_count`. */
  kind: string;
  /** Session the line belongs to, when known. */
  sessionKey: string | null;
  messages: ParsedMessage[];
  sessions: SessionInfo[];
  usage: UsageReport[];
  links: AgentLink[];
  /**
   * True when this record proves every open assistant group of its session complete (DESIGN.md §3.2): a new
   * human prompt (Claude), a non-null token count, `task_complete` or a user message (Codex). Never a tool
   * result: Claude Code writes parallel tool calls of one response around their results.
   */
  closesGroups: boolean;
  /** Why the line produced no message (kept as context), e.g. `metadata`, `replayed history`, `duplicate`. */
  note?: string;
  /** A problem with this record that the user should see (file and line are added by the caller). */
  warning?: string;
}

export interface LineInput {
  /** 1-based line number in the (decompressed) file. */
  lineNo: number;
  /** Byte offset of the start of the line in the (decompressed) file. */
  offset: number;
  /** The parsed JSON value of the line (any JSON value, not necessarily an object). */
  json: unknown;
}

export interface Parser<S> {
  initialState(ctx: FileContext): S;
  /** Parses one record. May mutate `state`; must not throw. */
  parse(line: LineInput, state: S, ctx: FileContext): RecordOutput;
}

export function emptyOutput(kind: string, sessionKey: string | null): RecordOutput {
  return { kind, sessionKey, messages: [], sessions: [], usage: [], links: [], closesGroups: false };
}
