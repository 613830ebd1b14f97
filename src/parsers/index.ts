import { claudeParser } from './claude/index.js';
import { codexParser } from './codex/index.js';
import type { Assistant, Parser } from './types.js';

export type * from './types.js';

export function parserFor(assistant: Assistant): Parser<unknown> {
  return (assistant === 'claude' ? claudeParser : codexParser) as Parser<unknown>;
}
