/**
 * `assistant` records: one Anthropic API response is written as several records (one per content block),
 * all sharing `message.id`. Every message gets that response as its group, and every record reports the
 * usage it carries; the store keeps the max per counter, so a split response is counted once.
 */
import type { AuthorRole, ParsedMessage, UsageReport } from '../types.js';
import { blockType, textOf, toolInputJson, toolResultText } from './blocks.js';
import { fallbackBase, message, type Scope } from './scope.js';
import { count, isObj, type Obj, str } from './util.js';

export interface AssistantResult {
  messages: ParsedMessage[];
  usage: UsageReport[];
  /** Model for session facts; null for synthetic records, which name no real model. */
  model: string | null;
}

interface Response {
  scope: Scope;
  key: string;
  model: string | null;
  stopReason: string | null;
  synthetic: boolean;
  author: AuthorRole;
}

/** `<synthetic>` records are harness-written (API errors, "No response requested."), not model output. */
function isSynthetic(rec: Obj, msg: Obj): boolean {
  return msg.model === '<synthetic>' || rec.isApiErrorMessage === true;
}

export function responseKey(scope: Scope, msg: Obj): string {
  const id = str(msg.id) ?? str(scope.rec.requestId) ?? scope.uuid ?? fallbackBase(scope);
  return `claude:${id}`;
}

function withResponse(r: Response, msg: ParsedMessage): ParsedMessage {
  msg.groupKey = r.key;
  if (!r.synthetic) {
    msg.model = r.model;
    msg.stopReason = r.stopReason;
  }
  return msg;
}

function textMessage(r: Response, index: number, text: string): ParsedMessage {
  if (r.synthetic) return message(r.scope, index, 'error', 'system', text);
  return message(r.scope, index, 'response', r.author, text);
}

function toolCall(r: Response, block: Obj, index: number): ParsedMessage[] {
  const call = message(r.scope, index, 'tool_call', r.author, null);
  call.toolName = str(block.name);
  call.toolUseId = str(block.id);
  call.toolInput = toolInputJson(block.input);
  const out = [call];
  // The plan text of ExitPlanMode is the plan the user approves; surfacing it as a `plan` message makes it
  // visible without parsing tool inputs. Suffixed identity: the tool call already owns `<uuid>:<index>`.
  const plan = isObj(block.input) ? str(block.input.plan) : null;
  if (call.toolName === 'ExitPlanMode' && plan !== null) {
    const planMsg = message(r.scope, index, 'plan', r.author, plan);
    planMsg.identity = `${planMsg.identity}:plan`;
    out.push(planMsg);
  }
  return out;
}

/** Server-side tool results (`web_search_tool_result`, …) live inside the assistant response. */
function serverToolResult(r: Response, block: Obj, index: number): ParsedMessage {
  const text = toolResultText(block.content);
  const msg = message(r.scope, index, 'tool_result', 'tool', text);
  msg.toolUseId = str(block.tool_use_id);
  msg.toolResult = text;
  msg.isError = block.is_error === true;
  return msg;
}

function blockMessages(r: Response, block: unknown, index: number): ParsedMessage[] {
  const text = textOf(block);
  if (text !== null) return [textMessage(r, index, text)];
  if (!isObj(block)) return [];
  const type = blockType(block) ?? '';
  if (type === 'thinking') {
    // Only the reasoning text; the signature is an opaque integrity token, never content.
    const thinking = typeof block.thinking === 'string' ? block.thinking : '';
    return [message(r.scope, index, 'thinking', r.author, thinking)];
  }
  if (type === 'redacted_thinking')
    return [message(r.scope, index, 'thinking', r.author, '[redacted thinking]')];
  if (type === 'tool_use' || type === 'server_tool_use') return toolCall(r, block, index);
  if (type.endsWith('_tool_result')) return [serverToolResult(r, block, index)];
  return [];
}

function usageReport(r: Response, usage: Obj, anchor: string | null): UsageReport {
  return {
    responseKey: r.key,
    sessionKey: r.scope.ref.sessionKey,
    model: r.synthetic ? null : r.model,
    tokens: {
      input: count(usage.input_tokens),
      output: count(usage.output_tokens),
      cacheRead: count(usage.cache_read_input_tokens),
      cacheCreation: count(usage.cache_creation_input_tokens),
    },
    combine: 'max',
    anchorIdentity: anchor,
    emittedAt: r.scope.emittedAt,
  };
}

export function parseAssistant(scope: Scope): AssistantResult {
  const msg = isObj(scope.rec.message) ? scope.rec.message : {};
  const synthetic = isSynthetic(scope.rec, msg);
  const r: Response = {
    scope,
    key: responseKey(scope, msg),
    model: str(msg.model),
    stopReason: str(msg.stop_reason),
    synthetic,
    author: scope.ref.agentThread ? 'agent' : 'assistant',
  };
  const content = msg.content;
  const raw: ParsedMessage[] = [];
  if (typeof content === 'string') raw.push(textMessage(r, 0, content));
  else if (Array.isArray(content)) {
    content.forEach((b, i) => {
      raw.push(...blockMessages(r, b, i));
    });
  }
  const messages = raw.map((m) => withResponse(r, m));
  const usage = isObj(msg.usage) ? [usageReport(r, msg.usage, messages[0]?.identity ?? null)] : [];
  return { messages, usage, model: synthetic ? null : r.model };
}
