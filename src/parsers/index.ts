import type { Assistant } from '../sources/index.js';
import { claudeParser } from './claude/index.js';
import { codexParser } from './codex/index.js';
import { copilotParser } from './copilot/index.js';
import { geminiParser } from './gemini/index.js';
import { openCodeParser } from './opencode/index.js';
import { piParser } from './pi/index.js';
import { qwenParser } from './qwen/index.js';
import type { Parser } from './types.js';

export type * from './types.js';

/** Each agent's parser, by the names of config/agents.ts. */
const PARSERS: Record<Assistant, Parser<unknown>> = {
  claude: claudeParser as Parser<unknown>,
  codex: codexParser as Parser<unknown>,
  gemini: geminiParser as Parser<unknown>,
  opencode: openCodeParser as Parser<unknown>,
  copilot: copilotParser as Parser<unknown>,
  pi: piParser as Parser<unknown>,
  qwen: qwenParser as Parser<unknown>,
};

export function parserFor(assistant: Assistant): Parser<unknown> {
  return PARSERS[assistant];
}
