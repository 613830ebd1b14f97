/** Copilot CLI event kinds → messages, session facts and usage (the mapping table is in index.ts). */
import { createHash } from 'node:crypto';
import type { AuthorRole, SessionInfo, UsageReport } from '../types.js';
import { type Draft, emit, type Line } from './line.js';
import { CAP, type PendingCall } from './state.js';
import { messageOutput, rollupOf, shutdownUsage } from './tokens.js';
import { isObj, nonEmpty, num, type Obj, safeJson, str, toolInputText } from './util.js';

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

const modelRole = (line: Line): AuthorRole => (line.agentId === null ? 'assistant' : 'agent');

function info(line: Line, facts: Omit<SessionInfo, 'sessionKey' | 'assistant'>): void {
  const clean = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== null && v !== undefined));
  if (Object.keys(clean).length > 0)
    line.out.sessions.push({ sessionKey: line.root, assistant: 'copilot', ...clean });
}

/** session.start / session.resume: the context block (cwd, branch), version and model. */
export function sessionStart(line: Line, resumed: boolean): void {
  const ctx = isObj(line.data.context) ? line.data.context : {};
  const model = nonEmpty(line.data.selectedModel);
  if (model !== null) line.state.model = model;
  info(line, {
    cwd: nonEmpty(ctx.cwd),
    gitBranch: nonEmpty(ctx.branch),
    model,
    assistantVersion: resumed ? null : nonEmpty(line.data.copilotVersion),
    timestamp: resumed ? null : (nonEmpty(line.data.startTime) ?? line.timestamp),
  });
  line.out.note = 'metadata';
}

export function modelChange(line: Line): void {
  const model = nonEmpty(line.data.newModel);
  if (model !== null) {
    line.state.model = model;
    info(line, { model });
  }
  line.out.note = 'metadata';
}

export function userMessage(line: Line): void {
  // `transformedContent` is what the model got (injected context, timestamps); `content` is what was typed.
  const content = str(line.data.content) ?? str(line.data.transformedContent);
  if (content === null) {
    line.out.note = 'no content';
    return;
  }
  emit(line, { messageType: 'prompt', authorRole: line.agentId === null ? 'human' : 'caller', content });
  line.out.closesGroups = true;
}

/**
 * A tool call, under one identity per call id in its session, so a request and its `execution_start` are
 * stored once whichever comes first.
 */
function toolCall(
  line: Line,
  callId: string | null,
  name: string | null,
  args: unknown,
  model: string | null,
) {
  const d: Draft = {
    messageType: 'tool_call',
    authorRole: modelRole(line),
    content: null,
    toolName: name,
    toolUseId: callId,
    toolInput: toolInputText(args),
    model,
  };
  return emit(line, d, callId !== null ? `copilot:${line.sessionKey}:call:${callId}` : undefined);
}

function thinking(line: Line, text: string, model: string | null) {
  return emit(line, { messageType: 'thinking', authorRole: modelRole(line), content: text, model });
}

export function assistantMessage(line: Line): void {
  const { data, state } = line;
  const model = nonEmpty(data.model) ?? state.model;
  const reasoning = nonEmpty(data.reasoningText);
  const seen = reasoning !== null && state.reasoning.includes(hash(reasoning));
  if (reasoning !== null && !seen) thinking(line, reasoning, model);
  state.lastMessageReasoning = reasoning !== null ? hash(reasoning) : null;
  state.reasoning = [];
  const content = str(data.content);
  // Usage rides on the text of the call, else on its first tool call, else on whatever it produced.
  let anchor: string | undefined;
  if (content !== null && content.length > 0)
    anchor = emit(line, { messageType: 'response', authorRole: modelRole(line), content, model }).identity;
  const requests = Array.isArray(data.toolRequests) ? data.toolRequests : [];
  for (const r of requests) {
    if (!isObj(r)) continue;
    const m = toolCall(line, nonEmpty(r.toolCallId), nonEmpty(r.name), r.arguments, model);
    anchor ??= m.identity;
  }
  const call = nonEmpty(data.apiCallId);
  const recorded = call !== null ? state.pendingCalls[call] : undefined;
  if (call !== null && recorded !== undefined) {
    delete state.pendingCalls[call];
    line.out.usage.push(callUsage(call, recorded, anchor ?? line.out.messages[0]?.identity ?? null));
  }
  const output = num(data.outputTokens);
  // A leg with per-call usage records counts its output there (tokens.ts, rule 0).
  if (output !== null && output > 0 && !state.legRecorded) {
    messageOutput(state, model, output);
    line.out.usage.push({
      responseKey: line.idBase,
      sessionKey: line.sessionKey,
      model,
      tokens: { input: 0, output, cacheRead: 0, cacheCreation: 0 },
      combine: 'max',
      anchorIdentity: anchor ?? line.out.messages[0]?.identity ?? null,
      emittedAt: line.timestamp,
    });
  }
  if (line.out.messages.length === 0 && line.out.usage.length === 0) line.out.note = 'no content';
}

/** assistant.reasoning: stored unless the message it belongs to already carried the same text. */
export function assistantReasoning(line: Line): void {
  const text = nonEmpty(line.data.content) ?? nonEmpty(line.data.reasoningText);
  if (text === null) {
    line.out.note = 'no content';
    return;
  }
  const h = hash(text);
  if (line.state.lastMessageReasoning === h || line.state.reasoning.includes(h)) {
    line.out.note = 'duplicate';
    return;
  }
  line.state.reasoning = [...line.state.reasoning, h].slice(-16);
  thinking(line, text, line.state.model);
}

export function toolStart(line: Line): void {
  const model = nonEmpty(line.data.model) ?? line.state.model;
  toolCall(line, nonEmpty(line.data.toolCallId), nonEmpty(line.data.toolName), line.data.arguments, model);
}

function resultText(result: unknown, error: unknown): string | null {
  if (isObj(result)) {
    const content = result.content;
    if (typeof content === 'string') return content;
    if (typeof result.detailedContent === 'string') return result.detailedContent;
    if (content !== undefined && content !== null) return safeJson(content);
    return safeJson(result);
  }
  if (typeof result === 'string') return result;
  if (isObj(error)) return str(error.message) ?? safeJson(error);
  return typeof error === 'string' ? error : null;
}

export function toolComplete(line: Line): void {
  const { data } = line;
  emit(line, {
    messageType: 'tool_result',
    authorRole: 'tool',
    content: null,
    toolName: nonEmpty(data.toolName),
    toolUseId: nonEmpty(data.toolCallId),
    toolResult: resultText(data.result, data.error),
    isError: data.success === false || (data.success === undefined && data.error !== undefined),
    model: nonEmpty(data.model),
  });
}

/** subagent.started / completed / failed: lifecycle notes in the session they are written in. */
export function subagent(line: Line, phase: 'started' | 'completed' | 'failed'): void {
  const d = line.data;
  const name = nonEmpty(d.agentDisplayName) ?? nonEmpty(d.agentName) ?? 'sub-agent';
  const error = isObj(d.error) ? str(d.error.message) : str(d.error);
  const content = `sub-agent ${phase}: ${name}${error ? ` (${error})` : ''}`;
  emit(line, { messageType: phase === 'failed' ? 'error' : 'context', authorRole: 'system', content });
}

/** Events that say something to the reader: kept as context (or error) with their own words. */
export function systemText(
  line: Line,
  messageType: 'context' | 'error' | 'summary',
  text: string | null,
): void {
  emit(line, { messageType, authorRole: 'system', content: text ?? line.type });
}

function callUsage(call: string, p: PendingCall, anchor: string | null): UsageReport {
  return {
    responseKey: `copilot:${p.sessionKey}:call:${call}`,
    sessionKey: p.sessionKey,
    model: p.model,
    tokens: p.tokens,
    combine: 'max',
    anchorIdentity: anchor,
    emittedAt: p.emittedAt,
  };
}

/** Calls whose message never came (a crash, an error): their usage is reported on its own. */
function flushCalls(line: Line): void {
  for (const [call, p] of Object.entries(line.state.pendingCalls))
    line.out.usage.push(callUsage(call, p, null));
  line.state.pendingCalls = {};
}

/**
 * `session.usage_record` (CLI 1.0.9x): one API call's exact usage, `inputTokens` including the cache. It
 * waits for the `assistant.message` with the same `apiCallId`, which carries it.
 */
export function usageRecord(line: Line): void {
  const usage = isObj(line.data.usage) ? line.data.usage : null;
  const counters = rollupOf(usage);
  line.out.note = 'usage record';
  if (usage === null || counters === null) return;
  const accounting = isObj(usage.accounting) ? usage.accounting : {};
  const call = nonEmpty(usage.apiCallId) ?? nonEmpty(accounting.usageId) ?? line.idBase;
  const state = line.state;
  state.legRecorded = true;
  const tokens: PendingCall['tokens'] = {
    input: Math.max(0, counters.input - counters.cacheRead - counters.cacheWrite),
    output: counters.output,
    cacheRead: counters.cacheRead,
    cacheCreation: counters.cacheWrite,
  };
  if (counters.reasoning > 0) tokens.reasoning = Math.min(counters.reasoning, counters.output);
  if (Object.keys(state.pendingCalls).length >= CAP) flushCalls(line);
  state.pendingCalls[call] = {
    sessionKey: line.sessionKey,
    model: nonEmpty(usage.model) ?? state.model,
    tokens,
    emittedAt: line.timestamp,
  };
}

export function shutdown(line: Line): void {
  const type = nonEmpty(line.data.shutdownType);
  const msg = emit(line, {
    messageType: 'context',
    authorRole: 'system',
    content: `session shutdown${type ? ` (${type})` : ''}`,
  });
  flushCalls(line);
  // The rollup is read either way: it is the baseline the next leg's cumulative rollup is measured from.
  const rollups = shutdownUsage(line.state, line.data.modelMetrics);
  const legs = line.state.legRecorded ? [] : rollups;
  line.state.legRecorded = false;
  legs.forEach((leg, i) => {
    line.out.usage.push({
      responseKey: `${line.idBase}:${leg.model}`,
      sessionKey: line.root,
      model: leg.model,
      tokens: leg.tokens,
      combine: 'max',
      // One carrier per response: the first rides on the shutdown message, the others get their own.
      anchorIdentity: i === 0 ? msg.identity : null,
      emittedAt: line.timestamp,
    });
  });
}

/** First sight of a sub-agent: its session hangs below the root, linked to the call that spawned it. */
export function noteAgent(line: Line, toolUseId: string | null): void {
  const id = line.agentId;
  if (id === null || line.state.agents.includes(id)) return;
  line.state.agents = [...line.state.agents, id].slice(-CAP);
  line.out.sessions.push({ sessionKey: line.sessionKey, assistant: 'copilot', parentSessionKey: line.root });
  if (toolUseId !== null) line.out.links.push({ parentSessionKey: line.root, agentId: id, toolUseId });
}

export function text(data: Obj, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = nonEmpty(data[k]);
    if (v !== null) return v;
  }
  return null;
}
