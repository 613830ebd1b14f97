/**
 * The scripted model API on 127.0.0.1: one listener that speaks every dialect (by path), answers from the
 * current script and records each response it served with the usage it reported. Requests (bodies
 * included: they hold the agents' system prompts) go to a JSONL file in the ignored cache only.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropic } from './anthropic.js';
import { gemini } from './gemini.js';
import { openaiChat } from './openai-chat.js';
import { openaiResponses } from './openai-responses.js';
import type { Dialect, Reply, RequestView, Script, Served, Usage } from './types.js';
import { JSON_HEADERS, scriptedUsage } from './wire.js';

export const DIALECTS: readonly Dialect[] = [anthropic, openaiResponses, openaiChat, gemini];

const MARKER = /\[\[agx:([a-z0-9-]+)\]\]/;
const AUX_TEXT = 'OK.';

export interface ScriptedApi {
  url: string;
  port: number;
  /** Replaces the script and clears what was served (one scenario at a time). */
  setScript(script: Script, requestLog?: string): void;
  served(): Served[];
  /** Requests no dialect answers (path and method), e.g. an agent's telemetry or a token count. */
  unhandled(): { method: string; path: string }[];
  /** System prompts seen since the script was set, so a check can prove none reached the publishing server. */
  systemPrompts(): string[];
  close(): Promise<void>;
}

/** The conversation a request belongs to: the first marker in the user's texts, oldest first. */
export function conversationOf(req: RequestView): string | null {
  for (const t of req.userTexts) {
    const m = MARKER.exec(t);
    if (m) return m[1]!;
  }
  return null;
}

export function marker(conversation: string): string {
  return `[[agx:${conversation}]]`;
}

interface Decision {
  role: Served['role'];
  conversation: string | null;
  step: number;
  reply: Reply;
}

function decide(script: Script, req: RequestView): Decision {
  const conversation = conversationOf(req);
  const steps = conversation === null ? undefined : script.conversations[conversation];
  // A request offering no tools is an agent's side request (a title, a summary, a router), even when it
  // quotes the user's prompt: every agent's main loop offers its tools.
  if (conversation === null || steps === undefined || req.tools.length === 0) {
    return { role: 'aux', conversation, step: -1, reply: { kind: 'text', text: AUX_TEXT } };
  }
  const step = steps[req.modelTurns];
  if (step === undefined) {
    return { role: 'extra', conversation, step: req.modelTurns, reply: { kind: 'text', text: 'Done.' } };
  }
  return { role: 'script', conversation, step: req.modelTurns, reply: step(req) };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startScriptedApi(opts: { port?: number } = {}): Promise<ScriptedApi> {
  let script: Script = { conversations: {} };
  let served: Served[] = [];
  let unhandled: { method: string; path: string }[] = [];
  let requestLog: string | undefined;
  const systems = new Set<string>();
  let n = 0;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: unknown = null;
    try {
      body = raw.length > 0 ? JSON.parse(raw) : null;
    } catch {
      body = null;
    }
    if (requestLog) {
      const line = {
        at: new Date().toISOString(),
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
        body,
      };
      fs.appendFileSync(requestLog, `${JSON.stringify(line)}\n`);
    }
    const dialect = DIALECTS.find((d) => d.handles(req.method ?? 'GET', url.pathname));
    if (!dialect) {
      unhandled.push({ method: req.method ?? '?', path: url.pathname });
      res
        .writeHead(404, JSON_HEADERS)
        .end(JSON.stringify({ error: { message: `no scripted route ${url.pathname}` } }));
      return;
    }
    const view = dialect.view(body, url.pathname);
    if (view.system) systems.add(view.system);
    const d = decide(script, view);
    n++;
    const usage: Usage | null = d.reply.kind === 'error' ? null : scriptedUsage(n, dialect.cacheWrites);
    const model = view.model ?? 'scripted-model';
    const { response, wire } = dialect.render(d.reply, usage, { n, model, stream: view.stream });
    served.push({
      n,
      at: new Date().toISOString(),
      dialect: dialect.name,
      path: url.pathname,
      role: d.role,
      conversation: d.conversation,
      step: d.step,
      model,
      reply: d.reply,
      usage,
      wireUsage: wire,
      status: response.status,
    });
    res.writeHead(response.status, response.headers);
    for (const c of response.chunks) res.write(c);
    res.end();
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, JSON_HEADERS);
      res.end(JSON.stringify({ error: { message: `scripted API failed: ${String(e)}` } }));
    });
  });
  // An agent killed mid-request resets its connection: not an error of the harness.
  server.on('connection', (socket) => socket.on('error', () => {}));
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setScript(s, log) {
      script = s;
      served = [];
      unhandled = [];
      systems.clear();
      requestLog = log;
    },
    served: () => [...served],
    unhandled: () => [...unhandled],
    systemPrompts: () => [...systems],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
