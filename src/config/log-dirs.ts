import { AGENTS, type Assistant } from './agents.js';
import type { ResolvedConfig } from './config.js';

/** One assistant's log directory, with the key and flag that move it (for messages that say how to fix it). */
export interface LogDirectory {
  readonly assistant: Assistant;
  /** The name a person knows it by: "Claude Code", "Codex". */
  readonly label: string;
  readonly dir: string;
  readonly key: string;
  readonly flag: string;
  /**
   * True when the user named this directory (flag, config key or the agent's own environment variable): if
   * it is missing, that is a mistake to report; a missing default only means the agent is not used here.
   */
  readonly explicit: boolean;
}

/** Every directory sync reads, in a fixed order: the one list doctor checks and the sync summary names. */
export function logDirectories(config: Pick<ResolvedConfig, 'dirs' | 'dirOrigins'>): LogDirectory[] {
  return AGENTS.map((a) => ({
    assistant: a.name,
    label: a.label,
    dir: config.dirs[a.name],
    key: `sources.${a.key}`,
    flag: a.flag,
    explicit: config.dirOrigins[a.name] !== 'default',
  }));
}
