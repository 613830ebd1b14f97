/**
 * What every event handler works with: the envelope read once (session routing, identity, timestamp) and
 * the output being built.
 */
import type { AuthorRole, LineInput, MessageType, ParsedMessage, RecordOutput } from '../types.js';
import type { CopilotState } from './state.js';
import type { Obj } from './util.js';

export interface Line {
  input: LineInput;
  state: CopilotState;
  rec: Obj;
  data: Obj;
  type: string;
  out: RecordOutput;
  /** The file's session (sub-agent sessions hang below it). */
  root: string;
  /** The session this event belongs to: the root, or `<root>:agent-<id>` for sub-agent events. */
  sessionKey: string;
  threadKey: string;
  /** Sub-agent id of the event, when it is sub-agent traffic. */
  agentId: string | null;
  /** Identity prefix of the event: `copilot:<root>:<event uuid>` or `copilot:<root>:b<offset>[.<k>]`. */
  idBase: string;
  timestamp: string | null;
}

export interface Draft {
  messageType: MessageType;
  authorRole: AuthorRole;
  content: string | null;
  toolName?: string | null;
  toolUseId?: string | null;
  toolInput?: string | null;
  toolResult?: string | null;
  isError?: boolean;
  model?: string | null;
}

/** Adds a message under `identity` (default: the event's base plus the message's index in the event). */
export function emit(line: Line, d: Draft, identity?: string): ParsedMessage {
  const msg: ParsedMessage = {
    identity: identity ?? `${line.idBase}:${line.out.messages.length}`,
    sessionKey: line.sessionKey,
    threadKey: line.threadKey,
    messageType: d.messageType,
    authorRole: d.authorRole,
    emittedAt: line.timestamp,
    content: d.content,
  };
  for (const k of ['toolName', 'toolUseId', 'toolInput', 'toolResult', 'model'] as const)
    if (d[k] !== undefined) msg[k] = d[k];
  if (d.isError) msg.isError = true;
  line.out.messages.push(msg);
  return msg;
}
