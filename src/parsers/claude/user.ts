/**
 * `user` records: typed prompts, tool results and injected harness text all share this record kind.
 */
import type { AgentLink, ParsedMessage } from '../types.js';
import { blockType, imagePlaceholder, textOf, toolResultText } from './blocks.js';
import { isInjectedRecord, isInjectedText, isWarmup } from './classify.js';
import { message, type Scope } from './scope.js';
import { isObj, str } from './util.js';

export interface UserResult {
  messages: ParsedMessage[];
  links: AgentLink[];
  note?: string;
}

function promptRole(scope: Scope): 'human' | 'caller' {
  return scope.ref.agentThread ? 'caller' : 'human';
}

function injected(scope: Scope, text: string): boolean {
  return isInjectedRecord(scope.rec) || isInjectedText(text) || isWarmup(text, scope.ref);
}

function stringContent(scope: Scope, text: string): ParsedMessage[] {
  if (text.trim() === '') return [];
  if (injected(scope, text)) return [message(scope, 0, 'context', 'system', text)];
  return [message(scope, 0, 'prompt', promptRole(scope), text)];
}

function toolResult(scope: Scope, block: Record<string, unknown>, index: number): ParsedMessage {
  const text = toolResultText(block.content);
  // The text is kept once, as the tool result (content stays empty, as for Codex tool outputs).
  const msg = message(scope, index, 'tool_result', 'tool', null);
  msg.toolUseId = str(block.tool_use_id);
  msg.toolResult = text;
  msg.isError = block.is_error === true;
  return msg;
}

/**
 * Block-array content. Typed text and pasted images of one record form ONE prompt (a screenshot with a
 * question is one prompt, not two), identified by the index of its first block; injected text blocks and
 * tool results each become their own message. Unknown block types produce nothing.
 */
function arrayContent(scope: Scope, blocks: unknown[]): ParsedMessage[] {
  const out: { index: number; msg: ParsedMessage }[] = [];
  const promptParts: string[] = [];
  let promptIndex = -1;
  const addPrompt = (index: number, text: string): void => {
    if (promptIndex < 0) promptIndex = index;
    promptParts.push(text);
  };
  blocks.forEach((block, index) => {
    const type = blockType(block);
    const text = textOf(block);
    if (text !== null) {
      if (text.trim() === '') return;
      if (injected(scope, text)) out.push({ index, msg: message(scope, index, 'context', 'system', text) });
      else addPrompt(index, text);
    } else if (type === 'image') {
      const placeholder = imagePlaceholder(block);
      if (isInjectedRecord(scope.rec))
        out.push({ index, msg: message(scope, index, 'context', 'system', placeholder) });
      else addPrompt(index, placeholder);
    } else if (type === 'tool_result' && isObj(block)) {
      out.push({ index, msg: toolResult(scope, block, index) });
    }
  });
  if (promptIndex >= 0) {
    const content = promptParts.join('\n');
    out.push({ index: promptIndex, msg: message(scope, promptIndex, 'prompt', promptRole(scope), content) });
  }
  return out.sort((a, b) => a.index - b.index).map((o) => o.msg);
}

/** Task/Agent results name the spawned agent next to the tool_result that answers the spawning call. */
function agentLinks(scope: Scope, blocks: unknown): AgentLink[] {
  const result = scope.rec.toolUseResult;
  const agentId = isObj(result) ? str(result.agentId) : null;
  if (agentId === null || !Array.isArray(blocks)) return [];
  for (const block of blocks) {
    if (!isObj(block) || block.type !== 'tool_result') continue;
    const toolUseId = str(block.tool_use_id);
    if (toolUseId !== null) return [{ parentSessionKey: scope.ref.sessionKey, agentId, toolUseId }];
  }
  return [];
}

export function parseUser(scope: Scope): UserResult {
  const msg = scope.rec.message;
  const content = isObj(msg) ? msg.content : undefined;
  const links = agentLinks(scope, content);
  let messages: ParsedMessage[] = [];
  if (typeof content === 'string') messages = stringContent(scope, content);
  else if (Array.isArray(content)) messages = arrayContent(scope, content);
  if (messages.length > 0) return { messages, links };
  return { messages, links, note: content === undefined ? 'no content' : 'no message content' };
}
