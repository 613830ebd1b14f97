/**
 * What the scripted model API serves, independent of the dialect it is spoken in. A conversation is found
 * by a marker in the user's text (`[[agx:<name>]]`), and its step by how many model turns the request's
 * history already holds, so the answer depends only on the request: retries, resumes and side requests of
 * an agent get the same answer as a real model's conversation would.
 */

/** Token usage in our buckets: `input` excludes the cached part, `cacheRead` is that part. */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** A freeform tool's raw input (Responses `custom_tool_call`, e.g. Codex's code-mode `exec`). */
  input?: string;
  /** The tool namespace the agent declared it in (Responses namespaces). */
  namespace?: string;
}

export type Reply =
  | { kind: 'text'; text: string }
  | { kind: 'tools'; text?: string; calls: ToolCall[] }
  | { kind: 'error'; status: number; errorType: string; message: string };

/** What a request says, read the same way for every dialect. */
export interface RequestView {
  model: string | null;
  stream: boolean;
  /** Every text the user role sent (prompts and injected context), oldest first; tool results excluded. */
  userTexts: string[];
  /** Runs of model output already in the history (one per earlier response). */
  modelTurns: number;
  /** Names of the tools the agent offered. */
  tools: string[];
  /** The system prompt / instructions, when the dialect has a field for it. */
  system: string | null;
  /** Tool results the history carries, by call id where the dialect has ids. */
  toolResults: { id: string | null; text: string }[];
}

/** One step of a conversation: decided from the request (e.g. a tool name the agent offers). */
export type Step = (req: RequestView) => Reply;

export interface Script {
  conversations: Record<string, Step[]>;
}

/** The record of one answered request: what was served and the usage reported with it. */
export interface Served {
  n: number;
  at: string;
  dialect: string;
  path: string;
  /** `script`: a scripted step; `aux`: a request with no marker (an agent's side request); `extra`: past the script. */
  role: 'script' | 'aux' | 'extra';
  conversation: string | null;
  step: number;
  model: string | null;
  reply: Reply;
  /** Null for an error: nothing was generated. */
  usage: Usage | null;
  /** The usage fields exactly as written on the wire. */
  wireUsage: Record<string, unknown> | null;
  status: number;
}

export interface DialectResponse {
  status: number;
  headers: Record<string, string>;
  /** SSE frames or one JSON body. */
  chunks: string[];
}

export interface Dialect {
  name: string;
  /** Does this dialect answer `method path`? */
  handles(method: string, pathname: string): boolean;
  /** Whether this dialect reports cache writes (only Anthropic does). */
  cacheWrites: boolean;
  view(body: unknown, pathname: string): RequestView;
  render(
    reply: Reply,
    usage: Usage | null,
    ctx: RenderContext,
  ): { response: DialectResponse; wire: Record<string, unknown> | null };
}

export interface RenderContext {
  n: number;
  model: string;
  stream: boolean;
}
