/**
 * How the harness drives one agent: what to install, how to point it at the scripted API, how to run a
 * turn and resume, which tools to call in its own names, and where it writes its session files.
 */
import type { RequestView, ToolCall } from './api/types.js';

export type AgentName = 'claude' | 'codex' | 'gemini' | 'opencode' | 'pi' | 'qwen' | 'copilot';

/** The temp world one scenario runs in. */
export interface RunContext {
  /** The agent's own HOME (config, sessions). */
  home: string;
  /** The working directory the agent is started in (a temp workspace with a file to read). */
  workspace: string;
  /** Base URL of the scripted API, e.g. http://127.0.0.1:PORT. */
  apiUrl: string;
  /** Where the installed package lives (npm prefix). */
  installDir: string;
  /** A Node binary new enough for the agent (the running one unless the agent needs a newer major). */
  node: string;
}

export interface Turn {
  prompt: string;
  /** Continue the previous turn's session with the agent's resume flag. */
  resume: boolean;
}

export interface Command {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** A tool call in the agent's names; null when the agent offers no such tool in this request. */
export type ToolPick = (req: RequestView) => Omit<ToolCall, 'id'> | null;

export interface AgentTools {
  /** Prefix of scripted call ids, in the style of the dialect (`toolu_`, `call_`). */
  idPrefix: string;
  shell(command: string): ToolPick;
  readFile(path: string): ToolPick;
  /** Start a sub-agent with this prompt; absent when the agent has none. */
  subagent?: SubagentPlan;
}

/** A sub-agent call and, where the agent needs one, the call that collects its answer (Codex wait_agent). */
export interface SubagentPlan {
  spawn(prompt: string): ToolPick;
  collect?: ToolPick;
  /** The call a sub-agent must end with, carrying its answer (Gemini's complete_task). */
  finish?(answer: string): ToolPick;
}

export interface Ingest {
  /** The aiobscura global flag naming the agent's log root, e.g. `--claude-dir`. */
  flag: string;
  /** The value for that flag, under the agent's home. */
  dir(home: string): string;
  /** The assistant name aiobscura stores for this agent. */
  assistant: string;
}

export interface AgentSpec {
  name: AgentName;
  title: string;
  /** The npm package whose `latest` dist-tag is the agent's version. */
  versionPackage: string;
  /** What to `npm install` for a version (a platform package where the wrapper's install needs Node ≥ 22). */
  packages(version: string): string[];
  /** Major Node version the program needs, when more than the harness's own. */
  nodeMajor?: number;
  dialect: string;
  ingest: Ingest;
  /** Roots under HOME holding what the agent writes (copied for the parser work, relative to HOME). */
  logRoots: string[];
  tools: AgentTools;
  /** Writes config into the temp HOME; returns env shared by every turn. */
  prepare(ctx: RunContext): Record<string, string>;
  command(ctx: RunContext, turn: Turn, env: Record<string, string>): Command;
  /** Set when the agent cannot be run against a local API at all: the reason, for the report. */
  notRunnable?: string;
}

/** The first of `names` the request offers, for tools whose name changed across versions. */
export function offered(req: RequestView, names: readonly string[]): string | null {
  return names.find((n) => req.tools.includes(n)) ?? null;
}
