/**
 * OpenAI Responses (`POST /v1/responses`, SSE): `response.created`, one `response.output_item.added` /
 * `…done` pair per output item (a message with `output_text`, or a `function_call`), then
 * `response.completed` with `usage` (input includes the cached part, as in the API).
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

const MODEL_ITEMS = new Set([
  'function_call',
  'reasoning',
  'custom_tool_call',
  'local_shell_call',
  'web_search_call',
]);
const TOOL_OUTPUTS = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

function isModelItem(item: Obj): boolean {
  return (item.type === 'message' && item.role === 'assistant') || MODEL_ITEMS.has(String(item.type));
}

/** Tool names, namespaces and their members alike (Codex declares some tools in an `additional_tools` item). */
function toolNames(tools: unknown[]): string[] {
  const out: string[] = [];
  for (const t of tools.filter(isObj)) {
    out.push(String(t.name ?? t.type));
    if (Array.isArray(t.tools)) out.push(...toolNames(t.tools));
  }
  return out;
}

/** `instructions` plus developer messages: where Codex puts its system prompt. */
function systemText(b: Obj, items: Obj[]): string | null {
  const parts = typeof b.instructions === 'string' ? [b.instructions] : [];
  for (const it of items) {
    if (it.type === 'message' && (it.role === 'developer' || it.role === 'system')) {
      parts.push(...partTexts(it.content, ['input_text', 'text']));
    }
  }
  return parts.length > 0 ? parts.join('\n') : null;
}

function view(body: unknown): RequestView {
  const b = isObj(body) ? body : {};
  const input =
    typeof b.input === 'string' ? [{ type: 'message', role: 'user', content: b.input }] : arr(b.input);
  const items = input.filter(isObj);
  const userTexts: string[] = [];
  const toolResults: RequestView['toolResults'] = [];
  for (const it of items) {
    if ((it.type === 'message' || it.type === undefined) && it.role === 'user') {
      userTexts.push(...partTexts(it.content, ['input_text', 'text']));
    }
    // A Codex sub-agent gets its task as an `agent_message` whose payload is `encrypted_content` (encrypted by
    // the real service; the scripted one passes it through, so it is the parent's plain text).
    if (it.type === 'agent_message') {
      for (const p of arr(it.content).filter(isObj)) {
        const t = str(p.text) ?? str(p.encrypted_content);
        if (t !== null) userTexts.push(t);
      }
    }
    if (TOOL_OUTPUTS.has(String(it.type))) {
      const out = typeof it.output === 'string' ? it.output : JSON.stringify(it.output);
      toolResults.push({ id: str(it.call_id), text: out });
    }
  }
  return {
    model: str(b.model),
    stream: b.stream === true,
    userTexts,
    // Tool outputs sit between the calls of one response and its successor: they neither start nor end a run.
    modelTurns: countRuns(items, isModelItem, (it) => TOOL_OUTPUTS.has(String(it.type))),
    tools: toolNames([
      ...arr(b.tools),
      ...items.filter((it) => it.type === 'additional_tools').flatMap((it) => arr(it.tools)),
    ]),
    system: systemText(b, items),
    toolResults,
  };
}

function wireUsage(u: Usage): Obj {
  const reasoning = Math.floor(u.output / 3);
  return {
    input_tokens: u.input + u.cacheRead,
    input_tokens_details: { cached_tokens: u.cacheRead },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: u.input + u.cacheRead + u.output,
  };
}

function items(reply: Reply, n: number): Obj[] {
  const out: Obj[] = [];
  const text = reply.kind === 'text' ? reply.text : reply.kind === 'tools' ? reply.text : undefined;
  if (text) {
    out.push({
      type: 'message',
      id: `msg_agx${n}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
  }
  if (reply.kind === 'tools') {
    reply.calls.forEach((c, i) => {
      const ns = c.namespace === undefined ? {} : { namespace: c.namespace };
      if (c.input !== undefined) {
        out.push({
          type: 'custom_tool_call',
          id: `ctc_agx${n}_${i}`,
          call_id: c.id,
          name: c.name,
          input: c.input,
          status: 'completed',
          ...ns,
        });
        return;
      }
      out.push({
        type: 'function_call',
        id: `fc_agx${n}_${i}`,
        call_id: c.id,
        name: c.name,
        arguments: JSON.stringify(c.args),
        status: 'completed',
        ...ns,
      });
    });
  }
  return out;
}

function itemFrames(item: Obj, index: number): string[] {
  const frames: string[] = [];
  const started =
    item.type === 'message'
      ? { ...item, status: 'in_progress', content: [] }
      : item.type === 'custom_tool_call'
        ? { ...item, input: '' }
        : { ...item, arguments: '' };
  frames.push(
    sse(
      { type: 'response.output_item.added', output_index: index, item: started },
      'response.output_item.added',
    ),
  );
  if (item.type === 'message') {
    const text = String((arr(item.content)[0] as Obj).text);
    for (const d of deltas(text)) {
      frames.push(
        sse(
          {
            type: 'response.output_text.delta',
            item_id: item.id,
            output_index: index,
            content_index: 0,
            delta: d,
          },
          'response.output_text.delta',
        ),
      );
    }
  } else {
    const custom = item.type === 'custom_tool_call';
    const type = custom ? 'response.custom_tool_call_input.delta' : 'response.function_call_arguments.delta';
    frames.push(
      sse({ type, item_id: item.id, output_index: index, delta: custom ? item.input : item.arguments }, type),
    );
  }
  frames.push(
    sse({ type: 'response.output_item.done', output_index: index, item }, 'response.output_item.done'),
  );
  return frames;
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
  const output = items(reply, ctx.n);
  const base = {
    id: `resp_agx${ctx.n}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model: ctx.model,
  };
  const completed = { ...base, status: 'completed', output, usage: u };
  if (!ctx.stream) {
    return { response: { status: 200, headers: JSON_HEADERS, chunks: [JSON.stringify(completed)] }, wire: u };
  }
  const chunks = [
    sse(
      { type: 'response.created', response: { ...base, status: 'in_progress', output: [] } },
      'response.created',
    ),
    ...output.flatMap((it, i) => itemFrames(it, i)),
    sse({ type: 'response.completed', response: completed }, 'response.completed'),
  ];
  return { response: { status: 200, headers: SSE_HEADERS, chunks }, wire: u };
}

export const openaiResponses: Dialect = {
  name: 'openai-responses',
  cacheWrites: false,
  handles: (method, pathname) => method === 'POST' && /\/responses$/.test(pathname),
  view,
  render,
};
