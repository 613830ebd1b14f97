/**
 * Anthropic Messages (`POST /v1/messages`, SSE when `stream: true`): `message_start` carries the input and
 * cache usage, `message_delta` the final usage (input and cache repeated, as the API does since 2025), and
 * tool calls are `tool_use` blocks streamed as `input_json_delta`.
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
  const toolResults: RequestView['toolResults'] = [];
  for (const m of messages) {
    if (m.role !== 'user') continue;
    userTexts.push(...partTexts(m.content, ['text']));
    for (const p of arr(m.content)) {
      if (isObj(p) && p.type === 'tool_result') {
        toolResults.push({ id: str(p.tool_use_id), text: partTexts(p.content, ['text']).join('\n') });
      }
    }
  }
  return {
    model: str(b.model),
    stream: b.stream === true,
    userTexts,
    modelTurns: countRuns(messages, (m) => m.role === 'assistant'),
    tools: arr(b.tools)
      .filter(isObj)
      .map((t) => String(t.name)),
    system: b.system === undefined ? null : partTexts(b.system, ['text']).join('\n'),
    toolResults,
  };
}

function wireUsage(u: Usage): Obj {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
    output_tokens: u.output,
  };
}

function blocks(reply: Reply): Obj[] {
  if (reply.kind === 'text') return [{ type: 'text', text: reply.text }];
  if (reply.kind !== 'tools') return [];
  const out: Obj[] = reply.text ? [{ type: 'text', text: reply.text }] : [];
  for (const c of reply.calls) out.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args });
  return out;
}

function streamBlock(block: Obj, index: number): string[] {
  if (block.type === 'text') {
    return [
      sse(
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        'content_block_start',
      ),
      ...deltas(String(block.text)).map((t) =>
        sse(
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } },
          'content_block_delta',
        ),
      ),
      sse({ type: 'content_block_stop', index }, 'content_block_stop'),
    ];
  }
  const start = { type: 'tool_use', id: block.id, name: block.name, input: {} };
  return [
    sse({ type: 'content_block_start', index, content_block: start }, 'content_block_start'),
    ...deltas(JSON.stringify(block.input)).map((j) =>
      sse(
        { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: j } },
        'content_block_delta',
      ),
    ),
    sse({ type: 'content_block_stop', index }, 'content_block_stop'),
  ];
}

function render(reply: Reply, usage: Usage | null, ctx: RenderContext) {
  if (reply.kind === 'error') {
    const body = { type: 'error', error: { type: reply.errorType, message: reply.message } };
    return {
      response: { status: reply.status, headers: JSON_HEADERS, chunks: [JSON.stringify(body)] },
      wire: null,
    };
  }
  const u = wireUsage(usage!);
  const content = blocks(reply);
  const stopReason = reply.kind === 'tools' ? 'tool_use' : 'end_turn';
  const id = `msg_01AgxScripted${String(ctx.n).padStart(10, '0')}`;
  const message = { id, type: 'message', role: 'assistant', model: ctx.model, stop_sequence: null };
  if (!ctx.stream) {
    const body = { ...message, content, stop_reason: stopReason, usage: u };
    return { response: { status: 200, headers: JSON_HEADERS, chunks: [JSON.stringify(body)] }, wire: u };
  }
  const chunks = [
    sse(
      {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, usage: { ...u, output_tokens: 1 } },
      },
      'message_start',
    ),
    ...content.flatMap((b, i) => streamBlock(b, i)),
    sse(
      { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: u },
      'message_delta',
    ),
    sse({ type: 'message_stop' }, 'message_stop'),
  ];
  return { response: { status: 200, headers: SSE_HEADERS, chunks }, wire: u };
}

export const anthropic: Dialect = {
  name: 'anthropic-messages',
  cacheWrites: true,
  handles: (method, pathname) => method === 'POST' && /\/v1\/messages$/.test(pathname),
  view,
  render,
};
