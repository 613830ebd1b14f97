/** What a log file's path says about it: discovery derives it here, and parsers receive it with every line. */
import type { Assistant } from '../config/index.js';

export type { Assistant };

/**
 * How a source is read: `jsonl` one record per line, appended (Claude Code, Codex, Gemini CLI ≥ 0.39, Copilot
 * CLI, pi, Qwen Code); `json` one JSON document rewritten whole (Gemini CLI ≤ 0.38); `sqlite` a database
 * whose rows are updated in place (OpenCode ≥ 1.2); `opencode-files` a session of OpenCode < 1.2 kept as
 * one JSON file per session, message and part, any of which is rewritten in place (read like `sqlite`).
 */
export type SourceFormat = 'jsonl' | 'json' | 'sqlite' | 'opencode-files';

/** What a parser knows about the file it is reading, derived from its path by `sources/`. */
export interface FileContext {
  path: string;
  assistant: Assistant;
  /** `main` for a session's own file, `agent` for a sub-agent's (Claude `agent-*.jsonl`, Gemini `chats/<parent>/`). */
  role: 'main' | 'agent';
  /** Sub-agent files: the agent's id when the path names it (Claude: the id after `agent-`). */
  agentId?: string | null;
  /** Sub-agent files: the parent session id taken from the directory name. */
  parentSessionFromPath?: string | null;
  /** Sub-agent files: the tool call that spawned the agent, when a sidecar names it (Qwen `.meta.json`). */
  spawnedByToolUseId?: string | null;
  /** Sub-agent files: the model a sidecar names, for records that name none (Qwen `.meta.json`). */
  model?: string | null;
  /** File name without its extension(s). */
  stem: string;
  /** Default `jsonl`. */
  format?: SourceFormat;
  /** The project directory when only the path knows it (Gemini's `.project_root`), else absent. */
  projectPath?: string | null;
}

/** A log file found on disk, with what its path says about it. */
export interface DiscoveredFile {
  readonly path: string;
  readonly context: FileContext;
  /** `.jsonl.zst` cold copies are read whole and never appended to. */
  readonly compressed: boolean;
}

export interface DiscoveryProblem {
  readonly path: string;
  readonly reason: string;
}

export interface Discovery {
  readonly files: DiscoveredFile[];
  /** Directories or entries that could not be read: reported, never silently ignored. */
  readonly problems: DiscoveryProblem[];
}
