/**
 * Gemini `models/<m>:generateContent` (one JSON) and `:streamGenerateContent?alt=sse` (`data:` lines, each a
 * GenerateContentResponse; the last carries `finishReason` and the final `usageMetadata`). Function calls
 * carry no id, as the public API sends them; `promptTokenCount` includes `cachedContentTokenCount`.
 */
import type { Dialect, RenderContext, Reply, RequestView, Usage } from './types.js';
import { arr, countRuns, deltas, isObj, JSON_HEADERS, type Obj, SSE_HEADERS, sse, str } from './wire.js';

function partsOf(c: Obj): Obj[] {
  return arr(c.parts).filter(isObj);
}

function view(body: unknown, pathname: string): RequestView {
  const b = isObj(body) ? body : {};
  const contents = arr(b.contents).filter(isObj);
  const userTexts: string[] = [];
  const toolResults: RequestView['toolResults'] = [];
  const isResponseOnly = (c: Obj) =>
    partsOf(c).length > 0 && partsOf(c).every((p) => isObj(p.functionResponse));
  for (const c of contents) {
    if (c.role !== 'user') continue;
    for (const p of partsOf(c)) {
      if (typeof p.text === 'string') userTexts.push(p.text);
      if (isObj(p.functionResponse)) {
        toolResults.push({
          id: str(p.functionResponse.id),
          text: JSON.stringify(p.functionResponse.response),
        });
      }
    }
  }
  const tools = arr(b.tools)
    .filter(isObj)
    .flatMap((t) => arr(t.functionDeclarations).filter(isObj))
    .map((f) => String(f.name));
  const sys = isObj(b.systemInstruction) ? partsOf(b.systemInstruction) : [];
  const model = /models\/([^:/]+):/.exec(pathname)?.[1] ?? null;
  return {
    model,
    stream: pathname.endsWith(':streamGenerateContent'),
    userTexts,
    modelTurns: countRuns(contents, (c) => c.role === 'model', isResponseOnly),
    tools,
    system: sys.length > 0 ? sys.map((p) => String(p.text ?? '')).join('\n') : null,
    toolResults,
  };
}

function wireUsage(u: Usage): Obj {
  return {
    promptTokenCount: u.input + u.cacheRead,
    candidatesTokenCount: u.output,
    cachedContentTokenCount: u.cacheRead,
    totalTokenCount: u.input + u.cacheRead + u.output,
  };
}

function parts(reply: Reply): Obj[] {
  const out: Obj[] = [];
  const text = reply.kind === 'text' ? reply.text : reply.kind === 'tools' ? reply.text : undefined;
  if (text) out.push({ text });
  if (reply.kind === 'tools')
    for (const c of reply.calls) out.push({ functionCall: { name: c.name, args: c.args } });
  return out;
}

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

function render(reply: Reply, usage: Usage | null, ctx: RenderContext) {
  if (reply.kind === 'error') {
    const body = {
      error: { code: reply.status, message: reply.message, status: STATUS[reply.status] ?? 'UNKNOWN' },
    };
    return {
      response: { status: reply.status, headers: JSON_HEADERS, chunks: [JSON.stringify(body)] },
      wire: null,
    };
  }
  const u = wireUsage(usage!);
  const all = parts(reply);
  const base = { modelVersion: ctx.model, responseId: `agx-resp-${ctx.n}` };
  const final = (p: Obj[]) => ({
    candidates: [{ content: { role: 'model', parts: p }, finishReason: 'STOP', index: 0 }],
    usageMetadata: u,
    ...base,
  });
  if (!ctx.stream) {
    return {
      response: { status: 200, headers: JSON_HEADERS, chunks: [JSON.stringify(final(all))] },
      wire: u,
    };
  }
  // Text streams in pieces; function calls arrive whole with the last chunk, as the API sends them.
  const text = all.find((p) => typeof p.text === 'string');
  const calls = all.filter((p) => isObj(p.functionCall));
  const pieces = text ? deltas(String(text.text)) : [];
  const chunks: string[] = [];
  const partial = { input: u.promptTokenCount, candidates: 0 };
  pieces.slice(0, -1).forEach((t) => {
    chunks.push(
      sse({
        candidates: [{ content: { role: 'model', parts: [{ text: t }] }, index: 0 }],
        usageMetadata: { promptTokenCount: partial.input, totalTokenCount: partial.input },
        ...base,
      }),
    );
  });
  const last = pieces.length > 0 ? [{ text: pieces[pieces.length - 1] }] : [];
  chunks.push(sse(final([...last, ...calls])));
  return { response: { status: 200, headers: SSE_HEADERS, chunks }, wire: u };
}

export const gemini: Dialect = {
  name: 'gemini',
  cacheWrites: false,
  handles: (method, pathname) =>
    method === 'POST' && /models\/[^/]+:(stream)?[gG]enerateContent$/.test(pathname),
  view,
  render,
};
