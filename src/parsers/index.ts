import type { Assistant } from '../sources/index.js';
import { claudeParser } from './claude/index.js';
import { codexParser } from './codex/index.js';
import { pendingParser } from './pending.js';
import type { Parser } from './types.js';

export type * from './types.js';

/** Each agent's parser, by the names of config/agents.ts. */
const PARSERS: Record<Assistant, Parser<unknown>> = {
  claude: claudeParser as Parser<unknown>,
  codex: codexParser as Parser<unknown>,
  gemini: pendingParser as Parser<unknown>,
  opencode: pendingParser as Parser<unknown>,
  copilot: pendingParser as Parser<unknown>,
  pi: pendingParser as Parser<unknown>,
  qwen: pendingParser as Parser<unknown>,
};

export function parserFor(assistant: Assistant): Parser<unknown> {
  return PARSERS[assistant];
}
