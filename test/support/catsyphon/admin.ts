/**
 * The test-only admin API, in-process (`AdminApi`) and over HTTP under `/__admin/` (and on `adminPort` when
 * configured) so a separate process can drive a standalone server. Nothing here exists in CatSyphon.
 */

import { formatResponseTime } from './datetime.js';
import {
  checkFault,
  type Fault,
  type FaultMatch,
  type Modes,
  type RandomFault,
  type ScriptedFault,
} from './faults.js';
import type { Reply } from './http.js';
import type { Counters, RequestLogEntry } from './log.js';
import type { CatsyphonServer } from './server.js';
import type { AcceptedEvent, Conversation, Row, Store } from './store.js';

export interface Credentials {
  collectorId: string;
  apiKey: string;
  apiKeyPrefix: string;
  workspaceId: string;
}

export interface ConversationView {
  sessionId: string;
  conversationId: string;
  collectorId: string | null;
  workspaceId: string;
  agentType: string;
  agentVersion: string | null;
  status: 'active' | 'completed';
  success: boolean | null;
  summary: string | null;
  lastSequence: number;
  eventCount: number;
  firstEventAt: string;
  lastEventAt: string;
  endTime: string | null;
  metadata: Record<string, unknown>;
  /** Legacy mode's max stored sequence. */
  lastEventSequence: number;
}

function view(c: Conversation): ConversationView {
  return {
    sessionId: c.sessionId,
    conversationId: c.id,
    collectorId: c.collectorId,
    workspaceId: c.workspaceId,
    agentType: c.agentType,
    agentVersion: c.agentVersion,
    status: c.status,
    success: c.success,
    summary: c.summary,
    lastSequence: c.lastSequence,
    eventCount: c.eventCount,
    firstEventAt: formatResponseTime(c.startTime),
    lastEventAt: formatResponseTime(c.lastEventAt),
    endTime: c.endTime === null ? null : formatResponseTime(c.endTime),
    metadata: c.metadata,
    lastEventSequence: c.lastEventSequence,
  };
}

export class AdminApi {
  private defaultWorkspace: string | null = null;

  constructor(private readonly server: CatsyphonServer) {}

  /** Direct access to the database (read it; mutate only to set up unusual states). */
  get store(): Store {
    return this.server.store;
  }

  setupWorkspace(opts: { organizationName?: string; workspaceName?: string } = {}): {
    organizationId: string;
    workspaceId: string;
  } {
    const s = this.store;
    const orgName = opts.organizationName ?? 'Test Org';
    const wsName = opts.workspaceName ?? 'Engineering';
    const org = s.createOrganization(orgName, s.freeSlug(orgName));
    const ws = s.createWorkspace(org.id, wsName, s.freeSlug(wsName));
    return { organizationId: org.id, workspaceId: ws.id };
  }

  /** Registers a collector (in a default workspace unless one is given); the key is returned once, as by POST. */
  registerCollector(
    opts: {
      workspaceId?: string;
      collectorType?: string;
      collectorVersion?: string;
      hostname?: string;
      metadata?: Record<string, unknown>;
      /** Issue this key instead of a random one (CatSyphon's are `cs_live_` + 43 url-safe chars). */
      apiKey?: string;
    } = {},
  ): Credentials {
    let workspaceId = opts.workspaceId;
    if (!workspaceId) {
      if (!this.defaultWorkspace || !this.store.workspaces.has(this.defaultWorkspace)) {
        this.defaultWorkspace = this.setupWorkspace().workspaceId;
      }
      workspaceId = this.defaultWorkspace;
    }
    if (!this.store.workspaces.has(workspaceId)) throw new Error(`no workspace ${workspaceId}`);
    const { collector, apiKey } = this.store.registerCollector({
      workspaceId,
      collectorType: opts.collectorType ?? 'aiobscura',
      collectorVersion: opts.collectorVersion ?? '0.0.0-test',
      hostname: opts.hostname ?? 'test-host',
      metadata: opts.metadata ?? null,
      ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
    });
    return { collectorId: collector.id, apiKey, apiKeyPrefix: collector.apiKeyPrefix, workspaceId };
  }

  /** The next registration over HTTP (`POST /collectors`) issues this key instead of a random one. */
  issueNextApiKey(apiKey: string): void {
    this.store.nextApiKeys.push(apiKey);
  }

  private setActive(collectorId: string, active: boolean): void {
    const c = this.store.collectors.get(collectorId.toLowerCase());
    if (!c) throw new Error(`no collector ${collectorId}`);
    c.isActive = active;
  }

  disableCollector(collectorId: string): void {
    this.setActive(collectorId, false);
  }

  enableCollector(collectorId: string): void {
    this.setActive(collectorId, true);
  }

  /** Queues a one-shot fault (or `times` shots) for the next requests matching `match` (default: any). */
  scriptFault(fault: Fault, opts: { match?: FaultMatch; times?: number } = {}): void {
    const err = checkFault(fault);
    if (err) throw new Error(err);
    this.server.plan.script({ fault, ...opts });
  }

  /** A fault drawn with `probability` for every matching request, from the seeded RNG. */
  addRandomFault(rule: RandomFault): void {
    const err = checkFault(rule.fault);
    if (err) throw new Error(err);
    this.server.plan.addRandom(rule);
  }

  setSeed(seed: number): void {
    this.server.plan.setSeed(seed);
  }

  clearFaults(): void {
    this.server.plan.clear();
  }

  faults(): { scripted: ScriptedFault[]; random: RandomFault[]; seed: number } {
    return this.server.plan.pending();
  }

  modes(): Modes {
    return { ...this.server.modes };
  }

  /** Toggles modes; `outageMs` reopens the listener (same port) after that long. */
  async setModes(m: Partial<Modes> & { outageMs?: number }): Promise<void> {
    if (m.legacy !== undefined) this.server.modes.legacy = m.legacy;
    if (m.limit413 !== undefined) this.server.modes.limit413 = m.limit413;
    if (m.echoAuth !== undefined) this.server.modes.echoAuth = m.echoAuth;
    if (m.outage !== undefined) await this.server.setOutage(m.outage, m.outage ? m.outageMs : undefined);
  }

  /** Stored rows (append-only), all or one session's. */
  rows(sessionId?: string): readonly Row[] {
    return this.store.rowsOf(sessionId);
  }

  /** How many rows are stored (all sessions): a cheap progress probe for long runs that poll. */
  rowCount(): number {
    return this.store.rows.length;
  }

  /** Every accepted event including session_start/session_end/metadata/unknown types. */
  events(sessionId?: string): readonly AcceptedEvent[] {
    const all = this.store.accepted;
    return sessionId === undefined ? all : all.filter((e) => e.sessionId === sessionId);
  }

  conversation(sessionId: string): ConversationView | undefined {
    const c = this.store.conversations.get(sessionId);
    return c ? view(c) : undefined;
  }

  conversations(): ConversationView[] {
    return [...this.store.conversations.values()].map(view);
  }

  requests(): readonly RequestLogEntry[] {
    return this.server.log.list();
  }

  counters(): Counters {
    return structuredClone(this.server.log.counters);
  }

  resetCounters(): void {
    this.server.log.resetCounters();
  }

  /** Empties everything: store, faults, request log, counters (modes stay). */
  reset(): void {
    this.store.clear();
    this.server.plan.clear();
    this.server.log.clear();
    this.defaultWorkspace = null;
  }

  /** The cross-host redirect target (its requests are logged with listener `trap`). */
  trapUrl(): Promise<string> {
    return this.server.trapUrl();
  }
}

// ---------------------------------------------------------------------------------------------------------
// HTTP

function ok(value: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(value), contentType: 'application/json' };
}

function bad(message: string, status = 400): Reply {
  return ok({ error: message }, status);
}

function asList<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [v as T];
}

/**
 * Admin endpoints (JSON in and out):
 *   GET  /__admin/health                       → {"ok":true}
 *   POST /__admin/setup                        → {organization_id, workspace_id}
 *   POST /__admin/collectors {workspace_id?, collector_type?, hostname?, api_key?} → {collector_id, api_key, api_key_prefix, workspace_id}
 *   POST /__admin/next-api-key {api_key}      (issued by the next POST /collectors)
 *   POST /__admin/collectors/{id}/disable | /enable
 *   GET  /__admin/faults                       → {scripted, random, seed}
 *   POST /__admin/faults  ScriptedFault | ScriptedFault[]      (one-shot queue)
 *   POST /__admin/faults/random  RandomFault | RandomFault[]   (seeded probability)
 *   DELETE /__admin/faults
 *   POST /__admin/seed {seed}
 *   GET  /__admin/modes ; POST /__admin/modes {legacy?, limit413?, outage?, outage_ms?, echo_auth?}
 *   GET  /__admin/rows[?session_id=] ; GET /__admin/events[?session_id=]
 *   GET  /__admin/conversations ; GET /__admin/conversations/{session_id percent-encoded}
 *   GET  /__admin/requests[?since_id=N]
 *   GET  /__admin/counters ; POST /__admin/counters/reset
 *   GET  /__admin/summary                      → {rows: stored row count, counters}
 *   POST /__admin/reset
 */
export async function handleAdminHttp(
  admin: AdminApi,
  method: string,
  url: string,
  raw: Buffer,
): Promise<Reply> {
  const u = new URL(url, 'http://admin');
  const path = u.pathname.replace(/^\/__admin/, '') || '/';
  let body: Record<string, unknown> = {};
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return bad('body is not JSON');
    }
  }
  const key = `${method} ${path}`;
  try {
    switch (key) {
      case 'GET /health':
        return ok({ ok: true });
      case 'POST /setup': {
        const r = admin.setupWorkspace({
          ...(typeof body.organization_name === 'string' ? { organizationName: body.organization_name } : {}),
          ...(typeof body.workspace_name === 'string' ? { workspaceName: body.workspace_name } : {}),
        });
        return ok({ organization_id: r.organizationId, workspace_id: r.workspaceId }, 201);
      }
      case 'POST /collectors': {
        const c = admin.registerCollector({
          ...(typeof body.workspace_id === 'string' ? { workspaceId: body.workspace_id } : {}),
          ...(typeof body.collector_type === 'string' ? { collectorType: body.collector_type } : {}),
          ...(typeof body.hostname === 'string' ? { hostname: body.hostname } : {}),
          ...(typeof body.api_key === 'string' ? { apiKey: body.api_key } : {}),
        });
        return ok(
          {
            collector_id: c.collectorId,
            api_key: c.apiKey,
            api_key_prefix: c.apiKeyPrefix,
            workspace_id: c.workspaceId,
          },
          201,
        );
      }
      case 'POST /next-api-key':
        if (typeof body.api_key !== 'string' || body.api_key.length === 0)
          return bad('api_key must be a string');
        admin.issueNextApiKey(body.api_key);
        return ok({ ok: true });
      case 'GET /faults':
        return ok(admin.faults());
      case 'POST /faults':
        for (const f of asList<ScriptedFault>(body)) {
          admin.scriptFault(f.fault, {
            ...(f.match ? { match: f.match } : {}),
            ...(f.times ? { times: f.times } : {}),
          });
        }
        return ok(admin.faults());
      case 'POST /faults/random':
        for (const r of asList<RandomFault>(body)) admin.addRandomFault(r);
        return ok(admin.faults());
      case 'DELETE /faults':
        admin.clearFaults();
        return ok(admin.faults());
      case 'POST /seed':
        if (typeof body.seed !== 'number') return bad('seed must be a number');
        admin.setSeed(body.seed);
        return ok(admin.faults());
      case 'GET /modes':
        return ok(admin.modes());
      case 'POST /modes': {
        const m: Partial<Modes> & { outageMs?: number } = {};
        if (typeof body.legacy === 'boolean') m.legacy = body.legacy;
        if (typeof body.limit413 === 'boolean') m.limit413 = body.limit413;
        if (typeof body.echo_auth === 'boolean') m.echoAuth = body.echo_auth;
        if (typeof body.outage === 'boolean') m.outage = body.outage;
        if (typeof body.outage_ms === 'number') m.outageMs = body.outage_ms;
        if (m.outage) {
          // answer first: closing the listener also closes this request's connection
          const { outage: _o, ...rest } = m;
          await admin.setModes(rest);
          setTimeout(
            () => void admin.setModes({ outage: true, ...(m.outageMs ? { outageMs: m.outageMs } : {}) }),
            20,
          );
          return ok({ ...admin.modes(), outage: true });
        }
        await admin.setModes(m);
        return ok(admin.modes());
      }
      case 'GET /rows':
        return ok(admin.rows(u.searchParams.get('session_id') ?? undefined));
      case 'GET /events':
        return ok(admin.events(u.searchParams.get('session_id') ?? undefined));
      case 'GET /conversations':
        return ok(admin.conversations());
      case 'GET /requests': {
        const since = Number(u.searchParams.get('since_id') ?? 0);
        return ok(admin.requests().filter((r) => r.id > since));
      }
      case 'GET /counters':
        return ok(admin.counters());
      case 'GET /summary':
        return ok({ rows: admin.rowCount(), counters: admin.counters() });
      case 'POST /counters/reset':
        admin.resetCounters();
        return ok(admin.counters());
      case 'POST /reset':
        admin.reset();
        return ok({ ok: true });
    }
    const coll = /^\/collectors\/([^/]+)\/(disable|enable)$/.exec(path);
    if (coll && method === 'POST') {
      const id = decodeURIComponent(coll[1] as string);
      if (coll[2] === 'disable') admin.disableCollector(id);
      else admin.enableCollector(id);
      return ok({ collector_id: id, is_active: coll[2] === 'enable' });
    }
    const conv = /^\/conversations\/(.+)$/.exec(path);
    if (conv && method === 'GET') {
      const c = admin.conversation(decodeURIComponent(conv[1] as string));
      return c ? ok(c) : bad('no such session', 404);
    }
    return bad(`unknown admin route ${key}`, 404);
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
}
