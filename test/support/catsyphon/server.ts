/**
 * The CatSyphon-compatible HTTP server on node:http: Starlette-like routing (decoded path, 405 for a known path
 * with another method, trailing-slash redirect, `{"detail":"Not Found"}`), the nginx 413 limit, fault injection,
 * outage (listener closed, same port on resume), the cross-host redirect trap and the Authorization echo.
 */

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  builtinCredentials,
  completeSessionRoute,
  type RequestCtx,
  registerCollector,
  sessionStatus,
  submitEvents,
} from './collectors.js';
import { nowMicros } from './datetime.js';
import { echoInto } from './echo.js';
import { type Fault, FaultPlan, LIMIT_413_BYTES, type Modes } from './faults.js';
import {
  decodePath,
  detailReply,
  INDEX_HTML,
  jsonReply,
  NGINX_413,
  type Reply,
  readBody,
  textReply,
  writeReply,
} from './http.js';
import { RequestLog, type RequestLogEntry } from './log.js';
import {
  createOrganization,
  createWorkspace,
  getOrganization,
  getWorkspace,
  health,
  listOrganizations,
  listWorkspaces,
  setupStatus,
} from './setup.js';
import { Store } from './store.js';

type Handler = (ctx: RequestCtx) => Reply;

interface Route {
  method: string;
  name: string;
  re: RegExp;
  keys: string[];
  handler: Handler;
}

function route(method: string, pattern: string, handler: Handler): Route {
  const keys: string[] = [];
  const re = new RegExp(
    `^${pattern.replace(/\{(\w+)\}/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    })}$`,
  );
  return { method, name: `${method} ${pattern}`, re, keys, handler };
}

const ROUTES: Route[] = [
  route('GET', '/health', health),
  route('POST', '/collectors', registerCollector),
  route('POST', '/collectors/events', submitEvents),
  route('GET', '/collectors/sessions/{session_id}', sessionStatus),
  route('GET', '/collectors/builtin/credentials', builtinCredentials),
  route('POST', '/collectors/sessions/{session_id}/complete', completeSessionRoute),
  route('GET', '/setup/status', setupStatus),
  route('GET', '/setup/organizations', listOrganizations),
  route('POST', '/setup/organizations', createOrganization),
  route('GET', '/setup/organizations/{org_id}', getOrganization),
  route('POST', '/setup/workspaces', createWorkspace),
  route('GET', '/setup/workspaces', listWorkspaces),
  route('GET', '/setup/workspaces/{workspace_id}', getWorkspace),
];

type Match =
  | { kind: 'full'; route: Route; params: Record<string, string> }
  | { kind: 'partial'; route: Route }
  | { kind: 'none' };

function matchPath(method: string, path: string): Match {
  let partial: Route | null = null;
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (!m) continue;
    const wanted = r.method === 'GET' ? ['GET', 'HEAD'] : [r.method];
    if (wanted.includes(method)) {
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = m[i + 1] as string;
      });
      return { kind: 'full', route: r, params };
    }
    partial ??= r;
  }
  return partial ? { kind: 'partial', route: partial } : { kind: 'none' };
}

function routeName(method: string, path: string): string {
  const m = matchPath(method, path);
  return m.kind === 'full' ? m.route.name : 'unmatched';
}

export interface ServerOptions {
  host?: string;
  port?: number;
  legacy?: boolean;
  limit413?: boolean;
  /** Copy the request's Authorization header into error answers (see `echo.ts`). */
  echoAuth?: boolean;
  /** Seed of the probabilistic faults' RNG (default 1). */
  seed?: number;
  /** Also serve the admin API on this port (stays up during an outage); 0 = ephemeral. */
  adminPort?: number;
}

export type AdminHttpHandler = (method: string, url: string, body: Buffer) => Promise<Reply>;

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export class CatsyphonServer {
  readonly store = new Store();
  readonly plan: FaultPlan;
  readonly log = new RequestLog();
  readonly modes: Modes;
  readonly host: string;
  port = 0;
  adminPort: number | null = null;
  private readonly server: http.Server;
  private adminServer: http.Server | null = null;
  private trap: { server: http.Server; url: string } | null = null;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private outageTimer: NodeJS.Timeout | null = null;
  private adminHandler: AdminHttpHandler = async () => detailReply(404, 'Not Found');
  private readonly wantedAdminPort: number | undefined;
  private readonly wantedPort: number;

  constructor(opts: ServerOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.wantedPort = opts.port ?? 0;
    this.wantedAdminPort = opts.adminPort;
    this.modes = {
      legacy: opts.legacy ?? false,
      limit413: opts.limit413 ?? false,
      outage: false,
      echoAuth: opts.echoAuth ?? false,
    };
    this.plan = new FaultPlan(opts.seed ?? 1);
    this.server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
      this.onRequest(req, res).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) writeReply(res, textReply(500, 'Internal Server Error'));
        console.error('catsyphon test server: handler failed', e);
      });
    });
  }

  setAdminHandler(h: AdminHttpHandler): void {
    this.adminHandler = h;
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await listen(this.server, this.wantedPort, this.host);
    if (this.wantedAdminPort !== undefined) {
      this.adminServer = http.createServer((req, res) => {
        this.onAdmin(req, res).catch(() => res.destroy());
      });
      this.adminPort = await listen(this.adminServer, this.wantedAdminPort, this.host);
    }
  }

  async close(): Promise<void> {
    if (this.outageTimer) clearTimeout(this.outageTimer);
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    const all = [this.server, this.adminServer, this.trap?.server].filter((s): s is http.Server => s != null);
    await Promise.all(all.map((s) => (s.listening ? closeServer(s) : Promise.resolve())));
  }

  /** Closes (true) or reopens on the same port (false) the main listener. */
  async setOutage(on: boolean, forMs?: number): Promise<void> {
    if (this.outageTimer) {
      clearTimeout(this.outageTimer);
      this.outageTimer = null;
    }
    if (on && forMs !== undefined) {
      this.outageTimer = setTimeout(() => {
        this.outageTimer = null;
        void this.setOutage(false);
      }, forMs);
    }
    if (on === this.modes.outage) return;
    this.modes.outage = on;
    if (on) await closeServer(this.server);
    else await listen(this.server, this.port, this.host);
  }

  /** Where a default redirect fault points: a listener on another loopback address that records leaks. */
  async trapUrl(): Promise<string> {
    if (this.trap) return this.trap.url;
    const server = http.createServer((req, res) => {
      void this.onTrap(req, res);
    });
    let url: string;
    try {
      const port = await listen(server, 0, '127.0.0.2');
      url = `http://127.0.0.2:${port}`;
    } catch {
      const port = await listen(server, 0, '127.0.0.1');
      url = `http://localhost:${port}`; // another host name for the same machine
    }
    this.trap = { server, url };
    return url;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private async onAdmin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const reply = await this.adminHandler(req.method ?? 'GET', req.url ?? '/', body);
    writeReply(res, reply);
  }

  private async onTrap(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = this.log.start({
      at: Date.now(),
      listener: 'trap',
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      route: 'trap',
      headers: req.headers,
      bodyBytes: 0,
    });
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    entry.bodyBytes = body.length;
    writeReply(res, jsonReply(200, { trap: true }));
    this.log.finish(entry, 200);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.on('error', () => {});
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    if (rawPath === '/__admin' || rawPath.startsWith('/__admin/')) {
      await this.onAdmin(req, res);
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodePath(rawPath);
    const entry = this.log.start({
      at: Date.now(),
      listener: 'main',
      method,
      url,
      path: rawPath,
      route: routeName(method, path),
      headers: req.headers,
      bodyBytes: 0,
    });
    const socket = req.socket;
    let faulted = false;
    const respond = (reply: Reply) => {
      if (socket.destroyed) {
        this.log.finish(entry, null);
        return;
      }
      const leak = this.modes.echoAuth && (reply.status >= 300 || faulted);
      const auth = req.headers.authorization;
      writeReply(res, leak && auth ? echoInto(reply, auth) : reply);
      this.log.finish(entry, reply.status);
    };
    const drop = (reset: boolean) => {
      if (reset && typeof (socket as Socket).resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      this.log.finish(entry, null);
    };

    // nginx in front: decided on Content-Length before the app sees anything
    const declared = Number(req.headers['content-length']);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      this.log.finish(entry, null);
      return;
    }
    entry.bodyBytes = body.length;
    if (this.modes.limit413 && (declared > LIMIT_413_BYTES || body.length > LIMIT_413_BYTES)) {
      this.log.fault(entry, 'limit413');
      respond({ status: 413, body: NGINX_413, contentType: 'text/html', headers: { connection: 'close' } });
      return;
    }

    const fault = this.plan.next(method, rawPath, body);
    if (fault) {
      faulted = fault.kind !== 'latency';
      this.log.fault(entry, fault.kind);
      const handled = await this.applyFault(
        fault,
        url,
        () => this.handle(req, method, path, q < 0 ? '' : url.slice(q + 1), body),
        respond,
        drop,
        { req, res, entry },
      );
      if (handled) return;
    }
    respond(this.handle(req, method, path, q < 0 ? '' : url.slice(q + 1), body));
  }

  /** Runs a fault; false when normal handling should follow (latency). */
  private async applyFault(
    fault: Fault,
    url: string,
    handle: () => Reply,
    respond: (r: Reply) => void,
    drop: (reset: boolean) => void,
    raw: { req: IncomingMessage; res: ServerResponse; entry: RequestLogEntry },
  ): Promise<boolean> {
    switch (fault.kind) {
      case 'status': {
        const b = fault.body;
        const reply: Reply =
          b === undefined
            ? textReply(fault.status, http.STATUS_CODES[fault.status] ?? 'Error')
            : typeof b === 'string'
              ? {
                  status: fault.status,
                  body: b,
                  contentType: fault.contentType ?? 'text/plain; charset=utf-8',
                }
              : {
                  ...jsonReply(fault.status, b),
                  ...(fault.contentType ? { contentType: fault.contentType } : {}),
                };
        if (fault.headers) reply.headers = { ...reply.headers, ...fault.headers };
        respond(reply);
        return true;
      }
      case 'latency':
        await this.sleep(fault.ms);
        return false;
      case 'reset':
        drop(true);
        return true;
      case 'stall-drop':
        await this.sleep(fault.ms);
        drop(false);
        return true;
      case 'stall-commit':
        handle(); // committed; the answer is never sent
        await this.sleep(fault.ms);
        drop(false);
        return true;
      case 'html200':
        respond({ status: 200, body: INDEX_HTML, contentType: 'text/html; charset=utf-8' });
        return true;
      case 'redirect': {
        const location = fault.location ?? `${await this.trapUrl()}${url}`;
        respond({ status: fault.status ?? 307, body: '', contentType: null, headers: { location } });
        return true;
      }
      case 'malformed-json': {
        const status = fault.status ?? 202;
        const cut = status < 300 ? '{"accepted": 1, "last_sequence": ' : '{"detail": "Internal Server Er';
        respond({ status, body: cut, contentType: 'application/json' });
        return true;
      }
      case 'trickle':
        this.trickle(raw.res, fault.status ?? 202, fault.intervalMs ?? 50, raw.req.headers.authorization);
        this.log.finish(raw.entry, fault.status ?? 202);
        return true;
      case 'oversized':
        this.oversized(raw.res, fault.status ?? 202, fault.bytes ?? 50 * 1024 * 1024, raw.entry);
        this.log.finish(raw.entry, fault.status ?? 202);
        return true;
    }
  }

  /** Headers, the start of a JSON object, then one space at a time until the client goes away. */
  private trickle(res: ServerResponse, status: number, intervalMs: number, auth: string | undefined): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    const echo = this.modes.echoAuth && auth ? JSON.stringify(auth) : '""';
    res.write(`{"accepted": 1, "echo": ${echo}, "last_sequence": `);
    const timer = setInterval(() => {
      if (res.destroyed) clearInterval(timer);
      else res.write(' ');
    }, intervalMs);
    res.on('close', () => clearInterval(timer));
  }

  /** `{"accepted": 0, "last_sequence": 0, "pad": "xxx…"}` of exactly `bytes` bytes, written as it drains. */
  private oversized(res: ServerResponse, status: number, bytes: number, entry: RequestLogEntry): void {
    const head = Buffer.from('{"accepted": 0, "last_sequence": 0, "pad": "');
    const tail = Buffer.from('"}');
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes });
    let left = bytes - head.length - tail.length;
    let sent = head.length;
    res.on('close', () => {
      entry.responseBytes = sent;
    });
    res.write(head);
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, chunk.length);
        left -= n;
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return; // wait for 'drain'
      }
      if (left === 0 && !res.destroyed) {
        sent += tail.length;
        res.end(tail);
      }
    };
    res.on('drain', pump);
    pump();
  }

  private handle(req: IncomingMessage, method: string, path: string, query: string, body: Buffer): Reply {
    const m = matchPath(method, path);
    if (m.kind === 'partial') {
      return jsonReply(
        405,
        { detail: 'Method Not Allowed' },
        { allow: m.route.method === 'GET' ? 'GET, HEAD' : m.route.method },
      );
    }
    if (m.kind === 'none') {
      // Starlette's redirect_slashes
      if (path !== '/' && path.endsWith('/')) {
        const alt = matchPath(method, path.slice(0, -1));
        if (alt.kind !== 'none') {
          const host = req.headers.host ?? `${this.host}:${this.port}`;
          const location = `http://${host}${path.slice(0, -1)}${query ? `?${query}` : ''}`;
          return { status: 307, body: '', contentType: null, headers: { location } };
        }
      }
      return detailReply(404, 'Not Found');
    }
    const ctx: RequestCtx = {
      store: this.store,
      legacy: this.modes.legacy,
      headers: req.headers,
      params: m.params,
      query: new URLSearchParams(query),
      body,
      now: nowMicros(),
      onBatch: (accepted, duplicates) => this.log.batch(accepted, duplicates),
    };
    return m.route.handler(ctx);
  }
}

export type { RequestLogEntry };
