/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`, SSE when `stream: true`): `chat.completion.chunk`
 * deltas, tool calls as `delta.tool_calls[]`, a finish chunk, then a usage chunk with empty `choices` (what
 * `stream_options.include_usage` asks for; sent always, as several compatible servers do) and `[DONE]`.
 */
import type { Dialect, RenderContext, Reply, RequestView, Usage } from './types.js';
import {
  arr,
  countRuns,
  deltas,
  isObj,
  JSON_HEADERS,
  type Obj,
  partTexts,
  SSE_HEADERS,
  sse,
  str,
} from './wire.js';

function view(body: unknown): RequestView {
  const b = isObj(body) ? body : {};
  const messages = arr(b.messages).filter(isObj);
  const userTexts: string[] = [];
  const system: string[] = [];
  const toolResults: RequestView['toolResults'] = [];
  for (const m of messages) {
    if (m.role === 'user') userTexts.push(...partTexts(m.content, ['text']));
    if (m.role === 'system' || m.role === 'developer') system.push(...partTexts(m.content, ['text']));
    if (m.role === 'tool')
      toolResults.push({ id: str(m.tool_call_id), text: partTexts(m.content, ['text']).join('\n') });
  }
  return {
    model: str(b.model),
    stream: b.stream === true,
    userTexts,
    modelTurns: countRuns(
      messages,
      (m) => m.role === 'assistant',
      (m) => m.role === 'tool',
    ),
    tools: arr(b.tools)
      .filter(isObj)
      .map((t) => String(isObj(t.function) ? t.function.name : t.name)),
    system: system.length > 0 ? system.join('\n') : null,
    toolResults,
  };
}

function wireUsage(u: Usage): Obj {
  return {
    prompt_tokens: u.input + u.cacheRead,
    completion_tokens: u.output,
    total_tokens: u.input + u.cacheRead + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function toolCalls(reply: Reply): Obj[] {
  if (reply.kind !== 'tools') return [];
  return reply.calls.map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: JSON.stringify(c.args) },
  }));
}

function render(reply: Reply, usage: Usage | null, ctx: RenderContext) {
  if (reply.kind === 'error') {
    const body = {
      error: { message: reply.message, type: reply.errorType, param: null, code: reply.errorType },
    };
    return {
      response: { status: reply.status, headers: JSON_HEADERS, chunks: [JSON.stringify(body)] },
      wire: null,
    };
  }
  const u = wireUsage(usage!);
  const text = reply.kind === 'text' ? reply.text : (reply.text ?? null);
  const calls = toolCalls(reply);
  const finish = calls.length > 0 ? 'tool_calls' : 'stop';
  const base = { id: `chatcmpl-agx${ctx.n}`, created: Math.floor(Date.now() / 1000), model: ctx.model };
  if (!ctx.stream) {
    const message: Obj = {
      role: 'assistant',
      content: text,
      ...(calls.length > 0 ? { tool_calls: calls } : {}),
    };
    const body = {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message, finish_reason: finish }],
      usage: u,
    };
    return { response: { status: 200, headers: JSON_HEADERS, chunks: [JSON.stringify(body)] }, wire: u };
  }
  const chunk = (delta: Obj, finishReason: string | null = null) =>
    sse({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    });
  const chunks = [chunk({ role: 'assistant', content: '' })];
  if (text) for (const d of deltas(text)) chunks.push(chunk({ content: d }));
  calls.forEach((c, index) => {
    const f = c.function as Obj;
    chunks.push(
      chunk({
        tool_calls: [{ index, id: c.id, type: 'function', function: { name: f.name, arguments: '' } }],
      }),
    );
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: f.arguments } }] }));
  });
  chunks.push(chunk({}, finish));
  chunks.push(sse({ ...base, object: 'chat.completion.chunk', choices: [], usage: u }));
  chunks.push(sse('[DONE]'));
  return { response: { status: 200, headers: SSE_HEADERS, chunks }, wire: u };
}

export const openaiChat: Dialect = {
  name: 'openai-chat',
  cacheWrites: false,
  handles: (method, pathname) => method === 'POST' && /\/chat\/completions$/.test(pathname),
  view,
  render,
};
