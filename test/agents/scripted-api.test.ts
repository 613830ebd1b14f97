/**
 * The scripted model API of `npm run agents`, over real HTTP: each dialect answers a request of its own shape
 * with a well-formed stream (parsed here independently of the server's code), the usage on the wire is the
 * usage the server records as served, distinct per response, and the step follows the request's history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marker, type ScriptedApi, startScriptedApi } from '../../agents/api/server.js';
import type { Script } from '../../agents/api/types.js';

let api: ScriptedApi;

const script: Script = {
  conversations: {
    t: [
      () => ({
        kind: 'tools',
        calls: [
          { id: 'call_a1', name: 'shell', args: { command: 'echo one' } },
          { id: 'call_a2', name: 'read', args: { path: 'notes.txt' } },
        ],
      }),
      () => ({ kind: 'text', text: 'All tools answered, thanks.' }),
    ],
    e: [
      () => ({ kind: 'error', status: 400, errorType: 'invalid_request_error', message: 'scripted failure' }),
    ],
  },
};

beforeAll(async () => {
  api = await startScriptedApi();
});
afterAll(async () => {
  await api.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** SSE frames as {event, data}; every frame must be `event:`/`data:` lines ended by a blank line. */
function frames(text: string): { event: string | null; data: string }[] {
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((f) => {
      const lines = f.split('\n');
      for (const l of lines) expect(l).toMatch(/^(event|data): /);
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? null;
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}

const lastServed = () => api.served().at(-1)!;

function expectDistinctive(u: { input: number; output: number; cacheRead: number }): void {
  for (const n of [u.input, u.output, u.cacheRead]) {
    expect(n).toBeGreaterThan(0);
    expect(n % 10).not.toBe(0);
  }
}

describe('scripted model API', () => {
  it('Anthropic Messages: an SSE stream with tool_use blocks and the served usage, cache writes included', async () => {
    api.setScript(script);
    const body = {
      model: 'claude-x',
      stream: true,
      system: [{ type: 'text', text: 'You are a test.' }],
      tools: [{ name: 'shell' }, { name: 'read' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: `${marker('t')} go` }] }],
    };
    const r = await post('/v1/messages?beta=true', body);
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/event-stream');
    const fs = frames(r.text);
    for (const f of fs) expect(JSON.parse(f.data).type).toBe(f.event);
    expect(fs[0]!.event).toBe('message_start');
    expect(fs.at(-1)!.event).toBe('message_stop');
    const starts = fs
      .filter((f) => f.event === 'content_block_start')
      .map((f) => JSON.parse(f.data).content_block);
    expect(starts.map((b) => [b.type, b.id, b.name])).toEqual([
      ['tool_use', 'call_a1', 'shell'],
      ['tool_use', 'call_a2', 'read'],
    ]);
    const json = (i: number) =>
      fs
        .filter((f) => f.event === 'content_block_delta' && JSON.parse(f.data).index === i)
        .map((f) => JSON.parse(f.data).delta.partial_json)
        .join('');
    expect(JSON.parse(json(0))).toEqual({ command: 'echo one' });
    expect(JSON.parse(json(1))).toEqual({ path: 'notes.txt' });
    const delta = JSON.parse(fs.find((f) => f.event === 'message_delta')!.data);
    expect(delta.delta.stop_reason).toBe('tool_use');
    const served = lastServed();
    expect(served.role).toBe('script');
    expect(delta.usage).toEqual({
      input_tokens: served.usage!.input,
      output_tokens: served.usage!.output,
      cache_read_input_tokens: served.usage!.cacheRead,
      cache_creation_input_tokens: served.usage!.cacheWrite,
    });
    expectDistinctive(served.usage!);
    expect(served.usage!.cacheWrite).toBeGreaterThan(0);
    expect(api.systemPrompts()).toContain('You are a test.');
  });

  it('the step follows the history: after the tool results the text answer comes, with different usage', async () => {
    const first = lastServed();
    const body = {
      model: 'claude-x',
      stream: true,
      tools: [{ name: 'shell' }],
      messages: [
        { role: 'user', content: `${marker('t')} go` },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_a1', name: 'shell', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_a1', content: 'one' }] },
      ],
    };
    const r = await post('/v1/messages', body);
    const text = frames(r.text)
      .filter((f) => f.event === 'content_block_delta')
      .map((f) => JSON.parse(f.data).delta.text)
      .join('');
    expect(text).toBe('All tools answered, thanks.');
    const second = lastServed();
    expect(second.step).toBe(1);
    for (const k of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) {
      expect(second.usage![k]).not.toBe(first.usage![k]);
    }
  });

  it('OpenAI Responses: output items, function calls and response.completed usage with cached tokens', async () => {
    api.setScript(script);
    const body = {
      model: 'gpt-x',
      stream: true,
      instructions: 'Be brief.',
      tools: [{ type: 'function', name: 'shell' }],
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: `${marker('t')} go` }] },
      ],
    };
    const r = await post('/v1/responses', body);
    expect(r.status).toBe(200);
    const fs = frames(r.text);
    for (const f of fs) expect(JSON.parse(f.data).type).toBe(f.event);
    expect(fs[0]!.event).toBe('response.created');
    const done = fs
      .filter((f) => f.event === 'response.output_item.done')
      .map((f) => JSON.parse(f.data).item);
    expect(done.map((i) => [i.type, i.call_id, i.name, JSON.parse(i.arguments)])).toEqual([
      ['function_call', 'call_a1', 'shell', { command: 'echo one' }],
      ['function_call', 'call_a2', 'read', { path: 'notes.txt' }],
    ]);
    const completed = JSON.parse(fs.at(-1)!.data);
    expect(completed.type).toBe('response.completed');
    const u = lastServed().usage!;
    expect(completed.response.usage.input_tokens).toBe(u.input + u.cacheRead);
    expect(completed.response.usage.input_tokens_details.cached_tokens).toBe(u.cacheRead);
    expect(completed.response.usage.output_tokens).toBe(u.output);
    expect(completed.response.usage.total_tokens).toBe(u.input + u.cacheRead + u.output);
    expect(u.cacheWrite).toBe(0);
    expectDistinctive(u);
  });

  it('OpenAI Chat Completions: chunks with tool_calls deltas, a usage chunk and [DONE]', async () => {
    api.setScript(script);
    const body = {
      model: 'chat-x',
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'shell' } }],
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: `${marker('t')} go` },
      ],
    };
    const r = await post('/v1/chat/completions', body);
    expect(r.status).toBe(200);
    const fs = frames(r.text);
    expect(fs.every((f) => f.event === null)).toBe(true);
    expect(fs.at(-1)!.data).toBe('[DONE]');
    const chunks = fs.slice(0, -1).map((f) => JSON.parse(f.data));
    for (const c of chunks) expect(c.object).toBe('chat.completion.chunk');
    const calls: Record<number, { id?: string; name?: string; args: string }> = {};
    for (const c of chunks) {
      for (const tc of c.choices[0]?.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { args: '' };
        const slot = calls[tc.index]!;
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name = tc.function.name;
        slot.args += tc.function?.arguments ?? '';
      }
    }
    expect(Object.values(calls).map((c) => [c.id, c.name, JSON.parse(c.args)])).toEqual([
      ['call_a1', 'shell', { command: 'echo one' }],
      ['call_a2', 'read', { path: 'notes.txt' }],
    ]);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    const usage = chunks.at(-1).usage;
    const u = lastServed().usage!;
    expect(chunks.at(-1).choices).toEqual([]);
    expect(usage.prompt_tokens).toBe(u.input + u.cacheRead);
    expect(usage.prompt_tokens_details.cached_tokens).toBe(u.cacheRead);
    expect(usage.completion_tokens).toBe(u.output);
    expectDistinctive(u);
  });

  it('Gemini streamGenerateContent: data lines of GenerateContentResponse, functionCall parts, usageMetadata', async () => {
    api.setScript(script);
    const body = {
      contents: [{ role: 'user', parts: [{ text: `${marker('t')} go` }] }],
      systemInstruction: { parts: [{ text: 'gemini system' }] },
      tools: [{ functionDeclarations: [{ name: 'shell' }, { name: 'read' }] }],
    };
    const r = await post('/v1beta/models/gemini-x:streamGenerateContent?alt=sse', body);
    expect(r.status).toBe(200);
    const fs = frames(r.text);
    const last = JSON.parse(fs.at(-1)!.data);
    expect(last.candidates[0].finishReason).toBe('STOP');
    expect(last.candidates[0].content.parts.map((p: { functionCall: unknown }) => p.functionCall)).toEqual([
      { name: 'shell', args: { command: 'echo one' } },
      { name: 'read', args: { path: 'notes.txt' } },
    ]);
    const u = lastServed().usage!;
    expect(last.usageMetadata).toEqual({
      promptTokenCount: u.input + u.cacheRead,
      candidatesTokenCount: u.output,
      cachedContentTokenCount: u.cacheRead,
      totalTokenCount: u.input + u.cacheRead + u.output,
    });
    expect(lastServed().model).toBe('gemini-x');
    expectDistinctive(u);
  });

  it('Gemini generateContent (not streamed) answers one JSON; a request without tools is a side request', async () => {
    api.setScript(script);
    const r = await post('/v1beta/models/gemini-x:generateContent', {
      contents: [{ role: 'user', parts: [{ text: `${marker('t')} make a title for this` }] }],
    });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.candidates[0].content.parts[0].text).toBe('OK.');
    expect(body.usageMetadata.promptTokenCount).toBeGreaterThan(0);
    expect(lastServed().role).toBe('aux');
  });

  it('errors keep the dialect shape and report no usage', async () => {
    api.setScript(script);
    const a = await post('/v1/messages', {
      tools: [{ name: 'shell' }],
      messages: [{ role: 'user', content: `${marker('e')} x` }],
    });
    expect(a.status).toBe(400);
    expect(JSON.parse(a.text)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'scripted failure' },
    });
    const g = await post('/v1beta/models/g:streamGenerateContent', {
      tools: [{ functionDeclarations: [{ name: 'shell' }] }],
      contents: [{ role: 'user', parts: [{ text: `${marker('e')} x` }] }],
    });
    expect(g.status).toBe(400);
    expect(JSON.parse(g.text).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(api.served().every((s) => s.usage === null && s.wireUsage === null)).toBe(true);
  });

  it('an unknown route is a 404 that is recorded', async () => {
    api.setScript(script);
    const r = await post('/v1/embeddings', {});
    expect(r.status).toBe(404);
    expect(api.unhandled()).toEqual([{ method: 'POST', path: '/v1/embeddings' }]);
  });
});
