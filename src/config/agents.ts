/**
 * The coding agents aiobscura reads, in one table: the name used everywhere inside (`sessions.assistant`,
 * `--assistant`), what people call it, the `agent_type` CatSyphon receives, and where its logs live — the
 * agent's own environment override, the config key and the flag that move it (DESIGN.md §3.1–3.2,
 * `agents-formats.md` §1). Every stage that lists agents (config, discovery, parsers, the collector, the CLI
 * flags, the watch roots, doctor) iterates this table, so adding an agent is one row plus its own files.
 */
import os from 'node:os';
import path from 'node:path';

export interface AgentSpec {
  /** Internal name: `sessions.assistant`, `--assistant`, `parsers/<name>/`. */
  readonly name: string;
  /** The name a person knows it by. */
  readonly label: string;
  /** `session_start.data.agent_type` on the wire. */
  readonly agentType: string;
  /** `[sources]` key, and the flag `--<flag>` that override the default directory. */
  readonly key: string;
  readonly flag: string;
  /** What the directory holds, for messages ("holds projects/"). */
  readonly holds: string;
}

export const AGENTS = [
  {
    name: 'claude',
    label: 'Claude Code',
    agentType: 'claude-code',
    key: 'claude_dir',
    flag: '--claude-dir',
    holds: 'projects/',
  },
  {
    name: 'codex',
    label: 'Codex',
    agentType: 'codex',
    key: 'codex_dir',
    flag: '--codex-dir',
    holds: 'sessions/ and archived_sessions/',
  },
  {
    name: 'gemini',
    label: 'Gemini CLI',
    agentType: 'gemini-cli',
    key: 'gemini_dir',
    flag: '--gemini-dir',
    holds: 'tmp/<project>/chats/',
  },
  {
    name: 'opencode',
    label: 'OpenCode',
    agentType: 'opencode',
    key: 'opencode_dir',
    flag: '--opencode-dir',
    holds: 'opencode*.db and storage/',
  },
  {
    name: 'copilot',
    label: 'GitHub Copilot CLI',
    agentType: 'copilot-cli',
    key: 'copilot_dir',
    flag: '--copilot-dir',
    holds: 'session-state/',
  },
  {
    name: 'pi',
    label: 'pi',
    agentType: 'pi',
    key: 'pi_dir',
    flag: '--pi-dir',
    holds: 'sessions/',
  },
  {
    name: 'qwen',
    label: 'Qwen Code',
    agentType: 'qwen-code',
    key: 'qwen_dir',
    flag: '--qwen-dir',
    holds: 'projects/<project>/chats/',
  },
] as const satisfies readonly AgentSpec[];

export type Assistant = (typeof AGENTS)[number]['name'];

export const ASSISTANTS: readonly Assistant[] = AGENTS.map((a) => a.name);

export function isAssistant(value: string): value is Assistant {
  return (ASSISTANTS as readonly string[]).includes(value);
}

export function agentSpec(name: Assistant): AgentSpec {
  return AGENTS.find((a) => a.name === name)!;
}

/** The environment the agents' own directory overrides come from. */
export interface AgentEnv {
  HOME?: string | undefined;
  XDG_DATA_HOME?: string | undefined;
  CLAUDE_CONFIG_DIR?: string | undefined;
  CODEX_HOME?: string | undefined;
  GEMINI_CLI_HOME?: string | undefined;
  COPILOT_HOME?: string | undefined;
  PI_CODING_AGENT_DIR?: string | undefined;
}

/**
 * Where each agent keeps its logs when nothing else is configured, following the agent's own override:
 * `CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `GEMINI_CLI_HOME` (it replaces the home directory: logs are in
 * `$GEMINI_CLI_HOME/.gemini`), `$XDG_DATA_HOME/opencode` (also on macOS), `COPILOT_HOME`,
 * `PI_CODING_AGENT_DIR`; Qwen Code has none.
 */
export function defaultAgentDirs(env: AgentEnv): Record<Assistant, string> {
  const home = env.HOME && env.HOME.length > 0 ? env.HOME : os.homedir();
  const set = (v: string | undefined) => (v !== undefined && v.length > 0 ? v : null);
  return {
    claude: set(env.CLAUDE_CONFIG_DIR) ?? path.join(home, '.claude'),
    codex: set(env.CODEX_HOME) ?? path.join(home, '.codex'),
    gemini: path.join(set(env.GEMINI_CLI_HOME) ?? home, '.gemini'),
    opencode: path.join(set(env.XDG_DATA_HOME) ?? path.join(home, '.local', 'share'), 'opencode'),
    copilot: set(env.COPILOT_HOME) ?? path.join(home, '.copilot'),
    pi: set(env.PI_CODING_AGENT_DIR) ?? path.join(home, '.pi', 'agent'),
    qwen: path.join(home, '.qwen'),
  };
}
